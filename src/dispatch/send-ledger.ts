import type { Redis } from 'ioredis';
import { ledgerRetentionDaysFromEnv, MS_PER_DAY } from '../config/retention.js';
import type { Channel } from '../generation/copywriter.js';
import { assertCampaignId } from './campaign-id.js';
import { LuaScript } from './lua-script.js';

/**
 * The send ledger: what happened to each (campaign, customer, channel). Compact by design
 * (issue 10): one hash per campaign, field `<customerId>:<channel>`, value a short state, plus
 * one hash of counters; both hash-tagged by campaign so they share a Cluster slot, and both
 * expire after the retention period.
 *
 *   (absent) ──claim──▶ sending:<ms>[:<token>:<leaseMs>] ──mark──▶ sent:<ms> | failed:<code> | skipped:<reason>
 *                         │  ▲
 *                         └──┘ claim again after a crash or a transient failure: `reclaimed`
 *
 * Absent is the issue's `pending`. Final states never change. Exactly-once comes from
 * claim → send → mark, with the deterministic Message-ID for the one ambiguous case (sent, then
 * died before mark).
 *
 * A claim made with a token is a lease: until `leaseMs` after its last renewal no other attempt
 * can take the field (its claim answers `busy:<ms left>`), so a worker whose BullMQ lock lapsed
 * while it was still sending and the worker that picked the job up again never both send the
 * same mail. The holder renews while it works (SendLease) and releases what it leaves
 * unfinished; a holder that died simply lets its lease run out. A claim without a token (older
 * entries, tests) holds no lease.
 */

/**
 * `claimed`: was absent (or already held under this token); `reclaimed`: was left `sending` by an
 * attempt that is gone (the mail may have gone out: same Message-ID); `busy:<ms>`: another attempt
 * holds a live lease for that many more milliseconds; `done:<state>`: final, left alone.
 */
export type ClaimResult = 'claimed' | 'reclaimed' | `busy:${number}` | `done:${string}`;
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
  /** How long a campaign's ledger lives after its last write (default TAILOR_LEDGER_RETENTION_DAYS: src/config/retention.ts). */
  retentionMs?: number;
  /** Key prefix (default `tailor:ledger`). */
  prefix?: string;
  /** Lease of a delivery attempt's claims (default TAILOR_SEND_LEASE_MS, else 30 s). */
  leaseMs?: number;
}

export interface ClaimOptions {
  /** Claim time in ms; default: the Redis server's clock (one clock for every worker). */
  now?: number;
  /** The claiming attempt; with it the claim is a lease, and a claim under the same token is this attempt's own. */
  token?: string;
  /** How long the lease lasts without renewal (required with a token). */
  leaseMs?: number;
}

/**
 * Long enough that a live holder always renews in time (it renews every third of it), short
 * enough that the chunk of a worker that died is taken over soon after BullMQ hands it out again
 * (the dispatch lock is 60 s).
 */
export const DEFAULT_SEND_LEASE_MS = 30_000;

/**
 * TAILOR_SEND_LEASE_MS (milliseconds, ≥ 300); else no longer than a shortened BullMQ lock
 * (TAILOR_LOCK_DURATION_MS, as tests and chaos runs set it: a chunk handed out again after a
 * crash should not then wait for a longer lease); else DEFAULT_SEND_LEASE_MS.
 */
export function sendLeaseMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TAILOR_SEND_LEASE_MS?.trim();
  if (!raw) {
    const lock = Number(env.TAILOR_LOCK_DURATION_MS);
    return Number.isInteger(lock) && lock >= 300
      ? Math.min(lock, DEFAULT_SEND_LEASE_MS)
      : DEFAULT_SEND_LEASE_MS;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 300) {
    throw new Error(
      `TAILOR_SEND_LEASE_MS must be a whole number of milliseconds, at least 300 (got '${raw}')`,
    );
  }
  return value;
}

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** A reason or failure code as stored: short, no separators that could confuse a reader. */
const DETAIL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Whether a skip reason or failure code can be stored (letters, digits, '.', '_', '-'; at most 64). */
export function isLedgerDetail(value: string): boolean {
  return DETAIL.test(value);
}

export function ledgerField(customerId: string, channel: Channel): string {
  return `${customerId}:${channel}`;
}

// Shared by the scripts: the claim time (the caller's, or the server's clock) and the value a
// claim writes. A held value is `sending:<ms>:<token>:<leaseMs>`.
const NOW_AND_VALUE = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local token = ARGV[3]
local sending = 'sending:' .. string.format('%d', now)
if token ~= '' then sending = sending .. ':' .. token .. ':' .. ARGV[4] end
`;

// The hot scripts (claim, mark) take their fields as one JSON array and answer one JSON array:
// a chunk's hundreds of fields as hundreds of protocol arguments and replies cost the worker
// about 1.4 µs of CPU each (ioredis encoding and parsing), as JSON about a quarter of that.

// For each field: absent → claimed; held under this token → refreshed, claimed; held under
// another token with a live lease → busy:<ms left>; left sending otherwise → reclaimed; a final
// state is returned as done:<state> and left alone. ARGV[5]: the fields, a JSON array.
const CLAIM = new LuaScript(
  'tailor-ledger-claim',
  `${NOW_AND_VALUE}
local fields = cjson.decode(ARGV[5])
local out = {}
for i = 1, #fields do
  local field = fields[i]
  local v = redis.call('HGET', KEYS[1], field)
  if not v then
    redis.call('HSET', KEYS[1], field, sending)
    out[i] = 'claimed'
  elseif string.sub(v, 1, 8) == 'sending:' then
    local at, holder, lease = string.match(v, '^sending:(%d+):([^:]+):(%d+)$')
    if holder and token ~= '' and holder == token then
      redis.call('HSET', KEYS[1], field, sending)
      out[i] = 'claimed'
    elseif holder and now - tonumber(at) < tonumber(lease) then
      out[i] = 'busy:' .. string.format('%d', tonumber(at) + tonumber(lease) - now)
    else
      redis.call('HSET', KEYS[1], field, sending)
      out[i] = 'reclaimed'
    end
  else
    out[i] = 'done:' .. v
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return cjson.encode(out)
`,
);

// Renews this token's leases: 1 where the field is held under the token (or absent: nobody
// holds it, e.g. Redis lost the claim in a crash) and now renewed; 0 where it is final or
// another attempt took it over.
const RENEW = new LuaScript(
  'tailor-ledger-renew',
  `${NOW_AND_VALUE}
local out = {}
for i = 5, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  local holder = v and string.match(v, '^sending:%d+:([^:]+):%d+$')
  if (not v) or holder == token then
    redis.call('HSET', KEYS[1], ARGV[i], sending)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return out
`,
);

// Gives up this token's leases on fields it leaves unfinished: `sending:<ms>` without a holder,
// so the next attempt reclaims them at once instead of waiting for the lease to run out.
const RELEASE = new LuaScript(
  'tailor-ledger-release',
  `
local released = 0
for i = 2, #ARGV do
  local v = redis.call('HGET', KEYS[1], ARGV[i])
  if v then
    local at, holder = string.match(v, '^sending:(%d+):([^:]+):%d+$')
    if holder == ARGV[1] then
      redis.call('HSET', KEYS[1], ARGV[i], 'sending:' .. at)
      released = released + 1
    end
  end
end
return released
`,
);

// For each (field, state) pair: unless the field is already final, set the state and count it
// (sent:<ms> counts as 'sent'; failed:<code> and skipped:<reason> count under their own name).
// ARGV[2]: the pairs, a flat JSON array. Returns (JSON) 1 per applied pair, or the final state
// that was kept. Counts are added once per state name, not once per field.
const MARK = new LuaScript(
  'tailor-ledger-mark',
  `
local pairs_ = cjson.decode(ARGV[2])
local out = {}
local added = {}
local names = {}
for i = 1, #pairs_, 2 do
  local field = pairs_[i]
  local v = redis.call('HGET', KEYS[1], field)
  if v and string.sub(v, 1, 8) ~= 'sending:' then
    out[#out + 1] = v
  else
    local state = pairs_[i + 1]
    redis.call('HSET', KEYS[1], field, state)
    local name = state
    if string.sub(state, 1, 5) == 'sent:' then name = 'sent' end
    if not added[name] then
      added[name] = 0
      names[#names + 1] = name
    end
    added[name] = added[name] + 1
    out[#out + 1] = 1
  end
end
for _, name in ipairs(names) do redis.call('HINCRBY', KEYS[2], name, added[name]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return cjson.encode(out)
`,
);

export class SendLedger {
  private readonly retentionMs: number;
  private readonly prefix: string;
  /** The lease delivery attempts take on their claims (SendLease). */
  readonly leaseMs: number;

  constructor(
    private readonly redis: Redis,
    options: SendLedgerOptions = {},
  ) {
    this.retentionMs = Math.round(options.retentionMs ?? ledgerRetentionDaysFromEnv() * MS_PER_DAY);
    if (!(this.retentionMs > 0))
      throw new Error(`ledger retention must be positive, got ${options.retentionMs}`);
    this.prefix = options.prefix ?? 'tailor:ledger';
    this.leaseMs = options.leaseMs ?? sendLeaseMsFromEnv();
    if (!(Number.isInteger(this.leaseMs) && this.leaseMs > 0))
      throw new Error(`ledger lease must be a positive whole number of ms, got ${options.leaseMs}`);
  }

  /** Whether the connection to Redis is up (a send is not started while it is down). */
  get connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** The campaign's two keys; the `{campaignId}` hash tag puts them in one Cluster slot. */
  keys(campaignId: string): { ledger: string; counts: string } {
    const ledger = `${this.prefix}:{${assertCampaignId(campaignId)}}`;
    return { ledger, counts: `${ledger}:counts` };
  }

  /**
   * Claims fields for sending in one round trip; one result per field, in order. A number as
   * the third argument is the claim time (older call form).
   */
  async claim(
    campaignId: string,
    fields: readonly string[],
    options: number | ClaimOptions = {},
  ): Promise<ClaimResult[]> {
    if (fields.length === 0) return [];
    const { now, token, leaseMs } = typeof options === 'number' ? { now: options } : options;
    const { ledger, counts } = this.keys(campaignId);
    const reply = (await CLAIM.run(
      this.redis,
      [ledger, counts],
      [now ?? '', this.retentionMs, ...leaseArgs(token, leaseMs), JSON.stringify(fields)],
    )) as string;
    return JSON.parse(reply) as ClaimResult[];
  }

  /** Renews a token's leases in one round trip: true where the field is still (or again) held. */
  async renew(
    campaignId: string,
    fields: readonly string[],
    lease: { token: string; leaseMs: number; now?: number },
  ): Promise<boolean[]> {
    if (fields.length === 0) return [];
    const { ledger } = this.keys(campaignId);
    const reply = (await RENEW.run(
      this.redis,
      [ledger],
      [lease.now ?? '', this.retentionMs, ...leaseArgs(lease.token, lease.leaseMs), ...fields],
    )) as number[];
    return reply.map((v) => v === 1);
  }

  /** Drops a token's leases on fields it leaves unfinished; returns how many it still held. */
  async release(campaignId: string, fields: readonly string[], token: string): Promise<number> {
    if (fields.length === 0) return 0;
    const [token_] = leaseArgs(token, 1);
    return (await RELEASE.run(this.redis, [this.keys(campaignId).ledger], [token_, ...fields])) as number;
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
    const flat: string[] = [];
    for (const { field, state } of transitions) flat.push(field, checkState(state));
    const { ledger, counts } = this.keys(campaignId);
    const reply = JSON.parse(
      (await MARK.run(this.redis, [ledger, counts], [this.retentionMs, JSON.stringify(flat)])) as string,
    ) as (number | string)[];
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

function leaseArgs(token: string | undefined, leaseMs: number | undefined): [string, number] {
  if (token === undefined || token === '') return ['', 0];
  if (!TOKEN.test(token))
    throw new Error(`ledger lease token ${JSON.stringify(token)} is not 1-64 of [A-Za-z0-9_-]`);
  if (!(Number.isInteger(leaseMs) && (leaseMs as number) > 0))
    throw new Error(`ledger lease must be a positive whole number of ms, got ${leaseMs}`);
  return [token, leaseMs as number];
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
