import type { Redis } from 'ioredis';
import type { CopyCache } from '../generation/copy-cache.js';
import type { CopyResult } from '../generation/copywriter.js';

const DEFAULT_TTL_DAYS = 30;

/**
 * Written copy by prompt key (model + prompt hash), shared by every worker and every campaign:
 * a rerun, or a second campaign with the same segment, products and channel, generates nothing.
 * One hash, refreshed on write and expiring when unused for `ttlDays`.
 */
export class RedisCopyCache implements CopyCache {
  constructor(
    private readonly redis: Redis,
    private readonly key = 'tailor:copy-cache',
    private readonly ttlSeconds = DEFAULT_TTL_DAYS * 86_400,
  ) {}

  async getMany(keys: string[]): Promise<(CopyResult | null)[]> {
    if (keys.length === 0) return [];
    const values = await this.redis.hmget(this.key, ...keys);
    return values.map((value) => (value ? (JSON.parse(value) as CopyResult) : null));
  }

  async setMany(entries: [string, CopyResult][]): Promise<void> {
    if (entries.length === 0) return;
    const fields: Record<string, string> = {};
    for (const [key, result] of entries) fields[key] = JSON.stringify(result);
    await this.redis.multi().hset(this.key, fields).expire(this.key, this.ttlSeconds).exec();
  }
}
