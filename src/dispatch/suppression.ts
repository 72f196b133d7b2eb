import type { Redis } from 'ioredis';
import { validateEmailAddress } from './header-safety.js';

/**
 * Addresses that must not get marketing mail, whatever the campaign: one Redis hash, field the
 * lower-cased address, value a small JSON record. Dispatch reads it in one HMGET per chunk just
 * before sending, so an unsubscribe takes effect for every chunk not yet sent.
 */

export const SUPPRESSION_REASONS = ['unsubscribed', 'hard-bounced', 'complained', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface SuppressionRecord {
  reason: SuppressionReason;
  /** ISO time it was added. */
  at: string;
  campaignId?: string;
}

export interface SuppressionEntry extends SuppressionRecord {
  email: string;
}

export interface SuppressionInput {
  email: string;
  reason: SuppressionReason;
  campaignId?: string;
  at?: Date;
}

/** The form addresses are stored and looked up in: canonical (punycode domain), lower-cased. */
export function suppressionKeyOf(email: string): string {
  try {
    return validateEmailAddress(email, 'email').toLowerCase();
  } catch {
    return String(email).trim().toLowerCase();
  }
}

export class SuppressionList {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { key?: string } = {},
  ) {
    this.key = options.key ?? 'tailor:suppression';
  }

  /** Adds or replaces entries in one round trip; invalid addresses are refused with the field named. */
  async addMany(entries: readonly SuppressionInput[]): Promise<void> {
    if (entries.length === 0) return;
    const flat: string[] = [];
    entries.forEach((entry, i) => {
      if (!SUPPRESSION_REASONS.includes(entry.reason)) {
        throw new Error(
          `suppression[${i}].reason ${JSON.stringify(entry.reason)} is not one of ${SUPPRESSION_REASONS.join(', ')}`,
        );
      }
      const email = validateEmailAddress(entry.email, `suppression[${i}].email`);
      const record: SuppressionRecord = {
        reason: entry.reason,
        at: (entry.at ?? new Date()).toISOString(),
        ...(entry.campaignId ? { campaignId: entry.campaignId } : {}),
      };
      flat.push(email.toLowerCase(), JSON.stringify(record));
    });
    await this.redis.hset(this.key, ...flat);
  }

  add(
    email: string,
    reason: SuppressionReason,
    options: { campaignId?: string; at?: Date } = {},
  ): Promise<void> {
    return this.addMany([{ email, reason, ...options }]);
  }

  /** True when the address was on the list. */
  async remove(email: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, suppressionKeyOf(email))) > 0;
  }

  async get(email: string): Promise<SuppressionEntry | null> {
    const value = await this.redis.hget(this.key, suppressionKeyOf(email));
    return value === null ? null : { email: suppressionKeyOf(email), ...parseRecord(value) };
  }

  /** The reason each address is suppressed, or null; one HMGET for the whole list. */
  async checkMany(emails: readonly string[]): Promise<(SuppressionReason | null)[]> {
    if (emails.length === 0) return [];
    const values = await this.redis.hmget(this.key, ...emails.map(suppressionKeyOf));
    return values.map((value) => (value === null ? null : parseRecord(value).reason));
  }

  /** One page of the list (HSCAN); iterate until the returned cursor is '0'. */
  async list(cursor = '0', count = 500): Promise<{ cursor: string; entries: SuppressionEntry[] }> {
    const [next, flat] = await this.redis.hscan(this.key, cursor, 'COUNT', count);
    const entries: SuppressionEntry[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ email: flat[i], ...parseRecord(flat[i + 1]) });
    return { cursor: next, entries };
  }

  size(): Promise<number> {
    return this.redis.hlen(this.key);
  }
}

/** A stored record; anything unreadable still suppresses (as `manual`): the safe side. */
function parseRecord(value: string): SuppressionRecord {
  try {
    const parsed = JSON.parse(value) as Partial<SuppressionRecord>;
    const reason = SUPPRESSION_REASONS.includes(parsed.reason as SuppressionReason)
      ? (parsed.reason as SuppressionReason)
      : 'manual';
    return {
      reason,
      at: typeof parsed.at === 'string' ? parsed.at : '',
      ...(typeof parsed.campaignId === 'string' ? { campaignId: parsed.campaignId } : {}),
    };
  } catch {
    return { reason: 'manual', at: '' };
  }
}
