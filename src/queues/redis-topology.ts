import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from './redis-connection.js';

/**
 * Which Redis deployment Tailor talks to, from the environment, and the ioredis client for it:
 *
 * | variables | deployment | client |
 * | --- | --- | --- |
 * | `REDIS_URL` (`redis://` or `rediss://`) | one server | `Redis` |
 * | `REDIS_SENTINELS` (`host:port,...`) + `REDIS_SENTINEL_NAME` | Sentinel-managed primary | `Redis` with `sentinels` |
 * | `REDIS_CLUSTER_NODES` (`host:port,...` or URLs) | Redis Cluster | `Cluster` |
 * | none | Tailor's embedded server (redis-runtime.ts) | — |
 *
 * Credentials: `REDIS_USERNAME` / `REDIS_PASSWORD` (or a URL's user info) for the data nodes,
 * `REDIS_SENTINEL_USERNAME` / `REDIS_SENTINEL_PASSWORD` for the sentinels; `REDIS_TLS=1` (or a
 * `rediss://` URL) turns on TLS. Setting two deployments at once is an error, not a guess.
 *
 * Options follow BullMQ's "Going to production" and "Redis Cluster" guides: maxRetriesPerRequest
 * null (a worker's command waits for a reconnect instead of failing its job), reconnect with a
 * capped backoff, no key prefix in ioredis (BullMQ's own `prefix` is hash-tagged `{tailor}`,
 * queue-names.ts, so each queue's keys share a slot). On a Cluster every queue of Tailor shares
 * that one tag, because a campaign's flow links jobs across queues and BullMQ moves a parent
 * and its children in one script: the queues live on one shard, and the cluster spreads Tailor's
 * own keys (run results `{runId}`, send ledgers `{campaignId}`) and gives failover.
 */

/** Either client: Tailor's stores take this, so every deployment works with the same code. */
export type RedisClient = Redis | Cluster;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNodeAddress[];
      name: string;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
      db: number;
      tls: boolean;
    }
  | { kind: 'cluster'; nodes: RedisNodeAddress[]; username?: string; password?: string; tls: boolean };

export class RedisTopologyError extends Error {
  override readonly name = 'RedisTopologyError';
}

/** The deployment the environment names, or undefined when it names none (embedded server). */
export function redisTopologyFromEnv(env: NodeJS.ProcessEnv = process.env): RedisTopology | undefined {
  const set = (name: string) => (env[name]?.trim() ? name : undefined);
  const chosen = [set('REDIS_URL'), set('REDIS_SENTINELS'), set('REDIS_CLUSTER_NODES')].filter(Boolean);
  if (chosen.length > 1) {
    throw new RedisTopologyError(`${chosen.join(' and ')} are both set: set only one of them`);
  }
  const username = env.REDIS_USERNAME?.trim() || undefined;
  const password = env.REDIS_PASSWORD || undefined;
  const tls = isTrue(env.REDIS_TLS, 'REDIS_TLS');
  if (chosen[0] === 'REDIS_URL') {
    const url = (env.REDIS_URL as string).trim();
    checkUrl(url, 'REDIS_URL');
    return { kind: 'standalone', url };
  }
  if (chosen[0] === 'REDIS_SENTINELS') {
    const name = env.REDIS_SENTINEL_NAME?.trim();
    if (!name) {
      throw new RedisTopologyError(
        'REDIS_SENTINELS is set but REDIS_SENTINEL_NAME is not: set it to the monitored primary (e.g. mymaster)',
      );
    }
    const db = env.REDIS_DB?.trim() ? Number(env.REDIS_DB) : 0;
    if (!Number.isInteger(db) || db < 0)
      throw new RedisTopologyError(`REDIS_DB must be a database number, got '${env.REDIS_DB}'`);
    return {
      kind: 'sentinel',
      sentinels: parseNodeList(env.REDIS_SENTINELS as string, 'REDIS_SENTINELS', 26379).nodes,
      name,
      username,
      password,
      sentinelUsername: env.REDIS_SENTINEL_USERNAME?.trim() || undefined,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
      db,
      tls,
    };
  }
  if (chosen[0] === 'REDIS_CLUSTER_NODES') {
    const parsed = parseNodeList(env.REDIS_CLUSTER_NODES as string, 'REDIS_CLUSTER_NODES', 6379);
    return {
      kind: 'cluster',
      nodes: parsed.nodes,
      username: username ?? parsed.username,
      password: password ?? parsed.password,
      tls: tls || parsed.tls,
    };
  }
  return undefined;
}

/**
 * `host:port,host:port` (or `redis://[user:pass@]host:port`, `rediss://...` items; IPv6 in
 * brackets: `[::1]:7000`). The port defaults to `defaultPort`. Credentials and TLS of URL items
 * are returned once (every item must agree).
 */
export function parseNodeList(
  text: string,
  variable: string,
  defaultPort: number,
): { nodes: RedisNodeAddress[]; username?: string; password?: string; tls: boolean } {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new RedisTopologyError(`${variable} is empty: list host:port entries separated by commas`);
  let username: string | undefined;
  let password: string | undefined;
  let tls = false;
  const nodes = items.map((item, i) => {
    if (/^rediss?:\/\//i.test(item)) {
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new RedisTopologyError(`${variable} entry ${i + 1} is not a valid URL: ${redactUrl(item)}`);
      }
      if (url.protocol === 'rediss:') tls = true;
      if (url.username) username = decodeURIComponent(url.username);
      if (url.password) password = decodeURIComponent(url.password);
      return address(url.hostname.replace(/^\[|\]$/g, ''), url.port, defaultPort, variable, i, item);
    }
    const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(item);
    if (!match) {
      throw new RedisTopologyError(`${variable} entry ${i + 1} ('${item}') is not host:port`);
    }
    return address(match[1].replace(/^\[|\]$/g, ''), match[2] ?? '', defaultPort, variable, i, item);
  });
  return { nodes, username, password, tls };
}

/**
 * The client for a deployment, with the options BullMQ workers need. `options` are merged into
 * each data connection's options (e.g. lazyConnect, connectTimeout for a fail-fast probe).
 */
export function createTopologyClient(topology: RedisTopology, options: RedisOptions = {}): RedisClient {
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    ...options,
  };
  let client: RedisClient;
  switch (topology.kind) {
    case 'standalone':
      client = new Redis(topology.url, {
        retryStrategy: (times) => Math.min(times * 200, 2_000),
        ...common,
      });
      break;
    case 'sentinel':
      client = new Redis({
        sentinels: topology.sentinels,
        name: topology.name,
        username: topology.username,
        password: topology.password,
        sentinelUsername: topology.sentinelUsername,
        sentinelPassword: topology.sentinelPassword,
        db: topology.db,
        ...(topology.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
        // After a failover the new primary is asked for again; a replica's READONLY reply makes
        // the client reconnect to whoever is primary now.
        reconnectOnError: (error) => error.message.startsWith('READONLY'),
        retryStrategy: (times) => Math.min(times * 200, 2_000),
        sentinelRetryStrategy: (times) => Math.min(times * 200, 2_000),
        ...common,
      });
      break;
    case 'cluster': {
      const { lazyConnect, ...redisOptions } = common;
      const clusterOptions: ClusterOptions = {
        redisOptions: {
          ...redisOptions,
          username: topology.username,
          password: topology.password,
          ...(topology.tls ? { tls: {} } : {}),
        },
        lazyConnect,
        clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
        // A node restarted in place (same slots) is reconnected instead of waiting for a MOVED.
        clusterNodeRetryStrategy: (times) => Math.min(times * 200, 2_000),
        enableReadyCheck: true,
        // Managed clusters with TLS announce IPs that do not match their certificates' names:
        // keep the host names as given (the usual ElastiCache/MemoryDB setting).
        ...(topology.tls ? { dnsLookup: (host, callback) => callback(null, host) } : {}),
      };
      client = new Cluster(topology.nodes, clusterOptions);
      break;
    }
  }
  // Errors surface through the commands that fail; an unhandled 'error' event would crash.
  client.on('error', () => {});
  return client;
}

/** A deployment in one line for logs: addresses, never credentials. */
export function describeTopology(topology: RedisTopology): string {
  const list = (nodes: RedisNodeAddress[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  switch (topology.kind) {
    case 'standalone':
      return redactUrl(topology.url);
    case 'sentinel':
      return `sentinel ${topology.name} via ${list(topology.sentinels)}`;
    case 'cluster':
      return `cluster ${list(topology.nodes)}`;
  }
}

function address(
  host: string,
  port: string,
  defaultPort: number,
  variable: string,
  i: number,
  item: string,
): RedisNodeAddress {
  const number = port === '' ? defaultPort : Number(port);
  if (!host || !Number.isInteger(number) || number < 1 || number > 65535) {
    throw new RedisTopologyError(
      `${variable} entry ${i + 1} ('${redactUrl(item)}') needs a host and a port from 1 to 65535`,
    );
  }
  return { host, port: number };
}

function checkUrl(url: string, variable: string): void {
  if (!/^rediss?:\/\/[^/]/i.test(url)) {
    throw new RedisTopologyError(`${variable} must be a redis:// or rediss:// URL, got '${redactUrl(url)}'`);
  }
}

function isTrue(value: string | undefined, variable: string): boolean {
  const word = value?.trim().toLowerCase();
  if (!word) return false;
  if (['1', 'true', 'yes'].includes(word)) return true;
  if (['0', 'false', 'no'].includes(word)) return false;
  throw new RedisTopologyError(`${variable} must be 1 or 0 (true/false), got '${value}'`);
}
