import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * "At most one mail of this kind per customer per window", across runs and schedules: one Redis
 * key per (group, customer) that expires with the window, set only when absent. The holder (the
 * campaign id) is stored in it, so a retried dispatch chunk of the same campaign is allowed
 * again instead of being capped by its own first attempt.
 *
 * Keys share the `{tailor-cap:<group>}` hash tag: one script touches many customers at once,
 * which Redis Cluster allows only within one slot. About 90 bytes of Redis memory per capped
 * customer, freed by expiry.
 */

export const FrequencyCapSchema = z
  .object({
    /** Campaigns in the same group share the cap (e.g. every re-engagement schedule). */
    group: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'use lower-case letters, digits and dashes (at most 40)')
      .default('reengagement'),
    /** A customer gets at most one mail of the group within this many days. */
    windowDays: z.number().positive().max(3650),
  })
  .strict();

export type FrequencyCapPolicy = z.infer<typeof FrequencyCapSchema>;

/** The skip reason dispatch records for a customer the cap held back. */
export const FREQUENCY_CAP_SKIP = 'frequency-cap';

/** The cap a (stored) campaign spec asks for, or undefined; reads `spec.frequencyCap`. */
export function capOfSpec(spec: unknown): FrequencyCapPolicy | undefined {
  const value = (spec as { frequencyCap?: unknown } | null | undefined)?.frequencyCap;
  if (value === undefined) return undefined;
  return FrequencyCapSchema.parse(value);
}

// For each customer: free → take it for the holder (PX window) → 1; held by this holder → 1;
// held by another → 0.
const RESERVE = `
local out = {}
local window = ARGV[1]
local holder = ARGV[2]
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if not current then
    redis.call('SET', KEYS[i], holder, 'PX', window)
    out[i] = 1
  elseif current == holder then
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`;

// Give back reservations that did not turn into a mail (a permanent failure, a later skip).
const RELEASE = `
local n = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    n = n + 1
  end
end
return n
`;

/** Keys per script call: bounds the time one script blocks Redis. */
const BATCH = 1_000;

export class FrequencyCap {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? 'tailor:cap';
  }

  private keysOf(group: string, customerIds: readonly string[]): string[] {
    return customerIds.map((id) => `${this.prefix}:{${group}}:${id}`);
  }

  /**
   * Reserve the cap for each customer on behalf of `holder` (the campaign id). Returns, per
   * customer in order, whether this campaign may mail them. Call it just before sending, after
   * the other skip checks, so a reservation is only spent on a mail that goes out.
   */
  async reserve(
    customerIds: readonly string[],
    policy: FrequencyCapPolicy,
    holder: string,
  ): Promise<boolean[]> {
    const windowMs = Math.round(policy.windowDays * 86_400_000);
    const allowed: boolean[] = [];
    for (let at = 0; at < customerIds.length; at += BATCH) {
      const keys = this.keysOf(policy.group, customerIds.slice(at, at + BATCH));
      const result = (await this.redis.eval(RESERVE, keys.length, ...keys, windowMs, holder)) as number[];
      for (const flag of result) allowed.push(flag === 1);
    }
    return allowed;
  }

  /** Release this holder's reservations of these customers; returns how many were released. */
  async release(
    customerIds: readonly string[],
    policy: Pick<FrequencyCapPolicy, 'group'>,
    holder: string,
  ): Promise<number> {
    let released = 0;
    for (let at = 0; at < customerIds.length; at += BATCH) {
      const keys = this.keysOf(policy.group, customerIds.slice(at, at + BATCH));
      released += (await this.redis.eval(RELEASE, keys.length, ...keys, holder)) as number;
    }
    return released;
  }

  /** Which campaign holds each customer's cap now (null when free). */
  async holders(customerIds: readonly string[], group: string): Promise<(string | null)[]> {
    if (customerIds.length === 0) return [];
    return this.redis.mget(...this.keysOf(group, customerIds));
  }
}
