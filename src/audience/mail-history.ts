import type { Redis } from 'ioredis';
import { LuaScript } from '../dispatch/lua-script.js';
import { HISTORY_SECONDS, type HistoryEntry, type MailCapPolicy, parseHistory } from './rolling-cap.js';

/**
 * Every customer's recent marketing mails, across campaigns, in Redis: one small string key per
 * customer (`tailor:mail-history:{tailor-mails}:<customerId>`, about 200 bytes of Redis memory
 * with two mails, measured; 100,000 reservations take about 0.5 s),
 * expiring HISTORY_DAYS after the customer's last mail. Every campaign records what it sends,
 * whether or not it has a cap of its own, so any campaign's cap counts all of them.
 *
 * The Lua scripts apply rolling-cap.ts's rules atomically: two campaigns sending at the same
 * moment cannot both take a customer's last allowed mail. Keys share one hash tag so a script
 * may touch a batch of customers on Redis Cluster too.
 */

const RESERVE = new LuaScript(
  'tailor-mail-history-reserve',
  `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local holder = ARGV[4]
local history = tonumber(ARGV[5])
local out = {}
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  local kept = {}
  local newest = 0
  local mine = false
  local recent = 0
  if value then
    for at, h in string.gmatch(value, '(%d+):([0-9a-z]+)') do
      local t = tonumber(at)
      if t > now - history then
        kept[#kept + 1] = at .. ':' .. h
        if t > newest then newest = t end
        if h == holder then mine = true end
        if t > now - window then recent = recent + 1 end
      end
    end
  end
  local allowed = 1
  if not mine then
    if max >= 0 and recent >= max then
      allowed = 0
    else
      kept[#kept + 1] = ARGV[1] .. ':' .. holder
      if now > newest then newest = now end
    end
  end
  if #kept == 0 then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], table.concat(kept, ','), 'EX', math.max(1, newest + history - now))
  end
  out[i] = allowed
end
return out
`,
);

const RELEASE = new LuaScript(
  'tailor-mail-history-release',
  `
local now = tonumber(ARGV[2])
local history = tonumber(ARGV[3])
local released = 0
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  if value then
    local kept = {}
    local newest = 0
    for at, h in string.gmatch(value, '(%d+):([0-9a-z]+)') do
      local t = tonumber(at)
      if h == ARGV[1] then
        released = released + 1
      elseif t > now - history then
        kept[#kept + 1] = at .. ':' .. h
        if t > newest then newest = t end
      end
    end
    if #kept == 0 then
      redis.call('DEL', KEYS[i])
    else
      redis.call('SET', KEYS[i], table.concat(kept, ','), 'EX', math.max(1, newest + history - now))
    end
  end
end
return released
`,
);

/** Keys per script call: bounds how long one call blocks Redis. */
const BATCH = 1_000;

export class MailHistory {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix?: string } = {},
  ) {
    this.prefix = options.prefix ?? 'tailor:mail-history:{tailor-mails}';
  }

  key(customerId: string): string {
    return `${this.prefix}:${customerId}`;
  }

  /**
   * Reserve one marketing mail per customer for `holder` at `now` (ms): per customer, whether it
   * may be sent. Without a policy every mail is allowed and recorded.
   */
  async reserve(
    customerIds: readonly string[],
    policy: MailCapPolicy | undefined,
    holder: string,
    now = Date.now(),
  ): Promise<boolean[]> {
    const seconds = Math.floor(now / 1000);
    const window = policy ? Math.round(policy.windowDays * 86_400) : 0;
    const max = policy ? policy.maxMails : -1;
    const allowed: boolean[] = [];
    for (let at = 0; at < customerIds.length; at += BATCH) {
      const keys = customerIds.slice(at, at + BATCH).map((id) => this.key(id));
      const flags = (await RESERVE.run(this.redis, keys, [
        seconds,
        window,
        max,
        holder,
        HISTORY_SECONDS,
      ])) as number[];
      for (const flag of flags) allowed.push(flag === 1);
    }
    return allowed;
  }

  /** Gives back the holder's reservations of these customers; returns how many were released. */
  async release(customerIds: readonly string[], holder: string, now = Date.now()): Promise<number> {
    let released = 0;
    for (let at = 0; at < customerIds.length; at += BATCH) {
      const keys = customerIds.slice(at, at + BATCH).map((id) => this.key(id));
      released += (await RELEASE.run(this.redis, keys, [
        holder,
        Math.floor(now / 1000),
        HISTORY_SECONDS,
      ])) as number;
    }
    return released;
  }

  /** The stored histories (for tests and inspection). */
  async entries(customerIds: readonly string[]): Promise<HistoryEntry[][]> {
    if (customerIds.length === 0) return [];
    const values = await this.redis.mget(...customerIds.map((id) => this.key(id)));
    return values.map(parseHistory);
  }
}
