import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import {
  checkRedisSafety,
  connectOrExplain,
  type RedisHealth,
  RedisUnavailableError,
  redactUrl,
} from './redis-connection.js';
import { type RedisServerHandle, startRedisServer } from './redis-server.js';
import {
  createTopologyClient,
  describeTopology,
  type RedisTopology,
  redisTopologyFromEnv,
} from './redis-topology.js';

/**
 * The Redis a Tailor process talks to: a Sentinel-managed primary or a Redis Cluster when
 * REDIS_SENTINELS or REDIS_CLUSTER_NODES is set, REDIS_URL when set; otherwise the embedded server under
 * `<home>/redis/`, started by the first Tailor process and joined by the others (its address is
 * in `server.json`), stopped by the process that started it.
 */
export interface RedisRuntime {
  /** The server's address for logs and messages, credentials masked (the client holds the real one). */
  url: string;
  client: Redis;
  health: RedisHealth;
  /** True when this process started the embedded server (and stops it on close). */
  owned: boolean;
  server?: RedisServerHandle;
  close(): Promise<void>;
}

interface ServerRecord {
  url: string;
  pid: number;
}

export async function openRedis(options: {
  home: string;
  url?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<RedisRuntime> {
  const env = options.env ?? process.env;
  if (!options.url) {
    // REDIS_SENTINELS or REDIS_CLUSTER_NODES (redis-topology.ts); two deployments at once throw.
    const topology = redisTopologyFromEnv(env);
    if (topology && topology.kind !== 'standalone') return connectTopology(topology);
  }
  const explicit = options.url ?? env.REDIS_URL;
  if (explicit) return connect(explicit, undefined);

  const dataDir = join(options.home, 'redis');
  const recordPath = join(dataDir, 'server.json');
  const existing = readRecord(recordPath);
  if (existing && isAlive(existing.pid)) {
    try {
      return await connect(existing.url, undefined);
    } catch {
      // stale record: start a new server below
    }
  }
  const server = await startRedisServer({ dataDir });
  writeFileSync(recordPath, JSON.stringify({ url: server.url, pid: server.process.pid }));
  try {
    return await connect(server.url, { server, recordPath });
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function connect(
  url: string,
  owner: { server: RedisServerHandle; recordPath: string } | undefined,
): Promise<RedisRuntime> {
  return runtimeOf(await connectOrExplain(url), redactUrl(url), owner);
}

/** A connected client checked for safety (disconnected when refused), as a runtime. */
async function runtimeOf(
  client: Redis,
  url: string,
  owner?: { server: RedisServerHandle; recordPath: string },
): Promise<RedisRuntime> {
  let health: RedisHealth;
  try {
    health = await checkRedisSafety(client);
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return {
    url,
    client,
    health,
    owned: Boolean(owner),
    server: owner?.server,
    async close() {
      await client.quit().catch(() => client.disconnect());
      if (owner) {
        await owner.server.stop();
        rmSync(owner.recordPath, { force: true });
      }
    },
  };
}

/**
 * A Sentinel-managed primary or a Redis Cluster. Tailor's classes are typed for ioredis `Redis`:
 * a `Cluster` answers the same commands, with every key of one call in one slot (the hash tags of
 * queue-names.ts, `{runId}` and `{campaignId}`), which test/scale/redis-cluster.test.ts runs a
 * whole campaign through. The safety check asks one node; every node of a deployment is expected
 * to share its configuration.
 */
async function connectTopology(topology: RedisTopology, timeoutMs = 10_000): Promise<RedisRuntime> {
  const described = describeTopology(topology);
  const client = createTopologyClient(topology);
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError ??= error;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(lastError?.message ?? `not ready after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } catch (error) {
    client.disconnect();
    throw new RedisUnavailableError(described, (error as Error).message);
  }
  return runtimeOf(client as unknown as Redis, described);
}

function readRecord(path: string): ServerRecord | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ServerRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
