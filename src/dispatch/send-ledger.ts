import type { Redis } from 'ioredis';
import type { Channel } from '../generation/copywriter.js';
import { assertCampaignId } from './campaign-id.js';
import { LuaScript } from './lua-script.js';

/**
 * The send ledger: what happened to each (campaign, customer, channel). Compact by design
 * (issue 10): one hash per campaign, field `<customerId>:<channel>`, value a short state, plus
 * one hash of counters; both hash-tagged by campaign so they share a Cluster slot, and both
 * expire after the retention period.
 *
 *   (absent) ──claim──▶ sending:<ms> ──mark──▶ sent:<ms> | failed:<code> | skipped:<reason>
 *                         │  ▲
 *                         └──┘ claim again after a crash or a transient failure: `reclaimed`
 *
 * Final states never change. Exactly-once comes from claim → send → mark, with the
 * deterministic Message-ID for the one ambiguous case (sent, then died before mark).
 */

export type ClaimResult = 'claimed' | 'reclaimed' | `done:${string}`;
export type FinalState = `sent:${number}` | `failed:${string}` | `skipped:${string}`;

export interface LedgerTransition {
  field: string;
  state: FinalState;
}

export interface LedgerCounts {
  /** Fields the ledger holds (every state). */
  total: number;
  /** Claimed and not final: in flight, or waiting for a retry. */
  sending: number;
  sent: number;
  failed: Record<string, number>;
  skipped: Record<string, number>;
}

export interface SendLedgerOptions {
  /** How long a campaign's ledger lives after its last write (default 180 days). */
  retentionMs?: number;
  /** Key prefix (default `tailor:ledger`). */
  prefix?: string;
}

export const DEFAULT_LEDGER_RETENTION_MS = 180 * 86_400_000;

/** A reason or failure code as stored: short, no separators that could confuse a reader. */
const DETAIL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether a skip reason or failure code can be stored (letters, digits, '.', '_', '-'; at most 64). */
export function isLedgerDetail(value: string): boolean {
  return DETAIL.test(value);
}

export function ledgerField(customerId: string, channel: Channel): string {
  return `${customerId}:${channel}`;
}

// For each field: absent → sending (claimed); sending → sending, refreshed (reclaimed); a final
// state is returned as `done:<state>` and left alone.
const CLAIM = new LuaScript(
  'tailor-ledger-claim',
  `
local out = {}
local sending = 'sending:' .. ARGV[1]
for i = 3, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if not v then
    redis.call('HSET', KEYS[1], ARGV[i], sending)
    out[#out + 1] = 'claimed'
  elseif string.sub(v, 1, 8) == 'sending:' then
    redis.call('HSET', KEYS[1], ARGV[i], sending)
    out[#out + 1] = 'reclaimed'
  else
    out[#out + 1] = 'done:' .. v
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return out
`,
);

// For each (field, state) pair: unless the field is already final, set the state and count it
// (sent:<ms> counts as 'sent'; failed:<code> and skipped:<reason> count under their own name).
// Returns 1 per applied pair, or the final state that was kept.
const MARK = new LuaScript(
  'tailor-ledger-mark',
  `
local out = {}
for i = 2, #ARGV, 2 do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v and string.sub(v, 1, 8) ~= 'sending:' then
    out[#out + 1] = v
  else
    local state = ARGV[i + 1]
    redis.call('HSET', KEYS[1], ARGV[i], state)
    if string.sub(state, 1, 5) == 'sent:' then
      redis.call('HINCRBY', KEYS[2], 'sent', 1)
    else
      redis.call('HINCRBY', KEYS[2], state, 1)
    end
    out[#out + 1] = 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return out
`,
);

export class SendLedger {
  private readonly retentionMs: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: SendLedgerOptions = {},
  ) {
    this.retentionMs = Math.round(options.retentionMs ?? DEFAULT_LEDGER_RETENTION_MS);
    if (!(this.retentionMs > 0))
      throw new Error(`ledger retention must be positive, got ${options.retentionMs}`);
    this.prefix = options.prefix ?? 'tailor:ledger';
  }

  /** The campaign's two keys; the `{campaignId}` hash tag puts them in one Cluster slot. */
  keys(campaignId: string): { ledger: string; counts: string } {
    const ledger = `${this.prefix}:{${assertCampaignId(campaignId)}}`;
    return { ledger, counts: `${ledger}:counts` };
  }

  /** Claims fields for sending in one round trip; one result per field, in order. */
  async claim(campaignId: string, fields: readonly string[], now = Date.now()): Promise<ClaimResult[]> {
    if (fields.length === 0) return [];
    const { ledger, counts } = this.keys(campaignId);
    return (await CLAIM.run(
      this.redis,
      [ledger, counts],
      [now, this.retentionMs, ...fields],
    )) as ClaimResult[];
  }

  /**
   * Records final states in one round trip. A field already final keeps its state (a second
   * worker's mark, or a replayed one, changes nothing and counts nothing).
   */
  async mark(
    campaignId: string,
    transitions: readonly LedgerTransition[],
  ): Promise<{ applied: number; kept: { field: string; state: string }[] }> {
    if (transitions.length === 0) return { applied: 0, kept: [] };
    const args: (string | number)[] = [this.retentionMs];
    for (const { field, state } of transitions) args.push(field, checkState(state));
    const { ledger, counts } = this.keys(campaignId);
    const reply = (await MARK.run(this.redis, [ledger, counts], args)) as (number | string)[];
    const kept: { field: string; state: string }[] = [];
    reply.forEach((value, i) => {
      if (value !== 1) kept.push({ field: transitions[i].field, state: String(value) });
    });
    return { applied: transitions.length - kept.length, kept };
  }

  markSent(campaignId: string, fields: readonly string[], now = Date.now()) {
    return this.mark(
      campaignId,
      fields.map((field) => ({ field, state: `sent:${now}` as const })),
    );
  }

  markFailed(campaignId: string, fields: readonly string[], code: string | number) {
    return this.mark(
      campaignId,
      fields.map((field) => ({ field, state: `failed:${code}` as const })),
    );
  }

  markSkipped(campaignId: string, fields: readonly string[], reason: string) {
    return this.mark(
      campaignId,
      fields.map((field) => ({ field, state: `skipped:${reason}` as const })),
    );
  }

  /** Current states (null where absent). */
  async states(campaignId: string, fields: readonly string[]): Promise<(string | null)[]> {
    if (fields.length === 0) return [];
    return this.redis.hmget(this.keys(campaignId).ledger, ...fields);
  }

  /** Totals by state in O(1): counters kept by the mark script, fields counted by HLEN. */
  async counts(campaignId: string): Promise<LedgerCounts> {
    const { ledger, counts } = this.keys(campaignId);
    const [total, raw] = await Promise.all([this.redis.hlen(ledger), this.redis.hgetall(counts)]);
    const out: LedgerCounts = { total, sending: 0, sent: 0, failed: {}, skipped: {} };
    let final = 0;
    for (const [name, value] of Object.entries(raw)) {
      const n = Number(value);
      final += n;
      if (name === 'sent') out.sent = n;
      else if (name.startsWith('failed:')) out.failed[name.slice(7)] = n;
      else if (name.startsWith('skipped:')) out.skipped[name.slice(8)] = n;
    }
    out.sending = Math.max(0, total - final);
    return out;
  }

  /** Walks the ledger (HSCAN), e.g. to list what is still `sending` at the end of a run. */
  async scan(
    campaignId: string,
    cursor = '0',
    count = 1000,
  ): Promise<{ cursor: string; entries: [field: string, state: string][] }> {
    const [next, flat] = await this.redis.hscan(this.keys(campaignId).ledger, cursor, 'COUNT', count);
    const entries: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push([flat[i], flat[i + 1]]);
    return { cursor: next, entries };
  }
}

function checkState(state: string): string {
  const colon = state.indexOf(':');
  const kind = state.slice(0, colon);
  const detail = state.slice(colon + 1);
  const ok =
    colon > 0 &&
    (kind === 'sent'
      ? /^[0-9]+$/.test(detail)
      : (kind === 'failed' || kind === 'skipped') && DETAIL.test(detail));
  if (!ok) {
    throw new Error(
      `ledger state ${JSON.stringify(state)} is not sent:<ms>, failed:<code> or skipped:<reason> (code and reason: letters, digits, '.', '_', '-')`,
    );
  }
  return state;
}
