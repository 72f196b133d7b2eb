import { Redis, type RedisOptions } from 'ioredis';

/** Redis could not be reached: one line for the user, no stack. */
export class RedisUnavailableError extends Error {
  constructor(url: string, cause: string) {
    super(`cannot reach Redis at ${redactUrl(url)}: ${cause}`);
    this.name = 'RedisUnavailableError';
  }
}

/** Redis is reachable but configured in a way that can lose jobs. */
export class UnsafeRedisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeRedisError';
  }
}

/**
 * Never print credentials: redis://user:secret@host → redis://user:***@host, also when the
 * password holds '@' or ':' unencoded, and `password=` in the query (ioredis reads options there).
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
    })
    .replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***');
}

/**
 * A client for BullMQ and Tailor's own keys. maxRetriesPerRequest null is what BullMQ workers
 * need: a command waits for a reconnect instead of failing, so a Redis restart pauses work
 * rather than failing jobs.
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: null,
    // Reconnect soon after a Redis restart: work that needs Redis waits until then.
    retryStrategy: (times) => Math.min(times * 100, 1_000),
    ...options,
  });
  // Errors surface through the commands that fail; an unhandled 'error' event would crash.
  client.on('error', () => {});
  return client;
}

/** Connect once, failing fast, for a clear message when Redis is down. */
export async function connectOrExplain(url: string, timeoutMs = 3_000): Promise<Redis> {
  const client = createRedisClient(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  // ioredis rejects with a generic "Connection is closed"; the socket error says why.
  let socketError: NodeJS.ErrnoException | undefined;
  client.on('error', (error: NodeJS.ErrnoException) => {
    socketError ??= error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const cause = socketError ?? (error as NodeJS.ErrnoException);
    throw new RedisUnavailableError(url, cause.code ?? cause.message);
  }
  client.disconnect();
  return createRedisClient(url);
}

export interface RedisHealth {
  version: string;
  evictionPolicy: string;
  appendonly: string;
}

const MIN_VERSION = [6, 2, 0];

/** Refuse a Redis that can silently drop jobs (eviction) or is too old for BullMQ. */
export async function checkRedisSafety(client: Redis): Promise<RedisHealth> {
  const info = parseInfo(await client.info());
  const version = info.redis_version ?? '0.0.0';
  const evictionPolicy = info.maxmemory_policy ?? (await configGet(client, 'maxmemory-policy')) ?? 'unknown';
  const appendonly = info.aof_enabled === '1' ? 'yes' : 'no';
  const parts = version.split('.').map(Number);
  const tooOld = MIN_VERSION.some((min, i) => {
    const earlier = MIN_VERSION.slice(0, i).every((m, j) => parts[j] === m);
    return earlier && (parts[i] ?? 0) < min;
  });
  if (tooOld) {
    throw new UnsafeRedisError(
      `Redis ${version} is too old: Tailor needs 6.2 or newer (BullMQ's Lua scripts and streams)`,
    );
  }
  if (evictionPolicy !== 'noeviction') {
    throw new UnsafeRedisError(
      `Redis maxmemory-policy is '${evictionPolicy}': it may evict job and ledger keys under memory pressure. ` +
        "Set 'maxmemory-policy noeviction' (CONFIG SET maxmemory-policy noeviction, or in redis.conf)",
    );
  }
  return { version, evictionPolicy, appendonly };
}

async function configGet(client: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await client.config('GET', name)) as string[];
    return reply[1];
  } catch {
    return undefined; // managed Redis often disables CONFIG
  }
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}
