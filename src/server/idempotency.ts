import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Idempotency-Key support for POST requests (the IETF httpapi draft and Stripe's behaviour): the
 * first request with a key runs and its response is stored; a retry with the same key and body
 * gets that response again instead of a second campaign. The same key with another body is a
 * client bug and is refused. Keys expire after a TTL (default 24 h).
 */

/** Printable ASCII, as the draft allows; long enough for a UUID or a request hash. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** How long a key is remembered while its first request is still running (a crash frees it). */
const PENDING_TTL_SECONDS = 120;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export type IdempotencyOutcome =
  | { kind: 'first'; commit(response: StoredResponse): Promise<void>; abandon(): Promise<void> }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in-progress' }
  | { kind: 'mismatch' };

export class IdempotencyKeyError extends Error {
  readonly field = 'Idempotency-Key';
  constructor(message: string) {
    super(message);
    this.name = 'IdempotencyKeyError';
  }
}

interface Record {
  state: 'pending' | 'done';
  fingerprint: string;
  response?: StoredResponse;
}

export function validateIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new IdempotencyKeyError('Idempotency-Key header given more than once');
  if (!KEY_PATTERN.test(value)) {
    throw new IdempotencyKeyError(
      'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces',
    );
  }
  return value;
}

/** A stable hash of a JSON value: object keys sorted, so key order in the body does not matter. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as { [k: string]: unknown })
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export class IdempotencyStore {
  readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    options: { ttlSeconds?: number; prefix?: string } = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? Number(process.env.TAILOR_IDEMPOTENCY_TTL_SECONDS ?? 86_400);
    this.prefix = options.prefix ?? 'tailor:idempotency';
  }

  private readonly prefix: string;

  /** The key is hashed: clients may put anything printable in it, Redis keys stay short. */
  private keyOf(scope: string, key: string): string {
    return `${this.prefix}:${scope}:${createHash('sha256').update(key).digest('hex')}`;
  }

  /**
   * Claim a key for a request with this fingerprint. SET NX makes two concurrent first requests
   * safe: exactly one of them runs, the other is told the first is in progress.
   */
  async begin(scope: string, key: string, fingerprint: string): Promise<IdempotencyOutcome> {
    const redisKey = this.keyOf(scope, key);
    const pending: Record = { state: 'pending', fingerprint };
    const claimed = await this.redis.set(redisKey, JSON.stringify(pending), 'EX', PENDING_TTL_SECONDS, 'NX');
    if (claimed === 'OK') {
      return {
        kind: 'first',
        commit: async (response) => {
          const done: Record = { state: 'done', fingerprint, response };
          await this.redis.set(redisKey, JSON.stringify(done), 'EX', this.ttlSeconds);
        },
        abandon: async () => {
          // Only our own pending claim: never delete a finished record.
          const current = await this.redis.get(redisKey);
          if (current && (JSON.parse(current) as Record).state === 'pending') await this.redis.del(redisKey);
        },
      };
    }
    const stored = await this.redis.get(redisKey);
    if (!stored) return this.begin(scope, key, fingerprint); // expired between SET and GET
    const record = JSON.parse(stored) as Record;
    if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (record.state === 'pending' || !record.response) return { kind: 'in-progress' };
    return { kind: 'replay', response: record.response };
  }
}
