import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';

/** A real, private redis-server for one test file, with Tailor's production settings. */
export interface TestRedis {
  server: RedisServerHandle;
  client: Redis;
  dir: string;
  stop(): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-redis-'));
  const server = await startRedisServer({ dataDir: dir });
  const client = createRedisClient(server.url);
  return {
    server,
    client,
    dir,
    async stop() {
      client.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
