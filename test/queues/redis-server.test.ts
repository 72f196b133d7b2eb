import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { appendfsyncFromEnv, startRedisServer } from '../../src/queues/redis-server.js';

const scratch = mkdtempSync(join(tmpdir(), 'tailor-redis-server-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const dataDir = () => mkdtempSync(join(scratch, 'data-'));

describe('startRedisServer', () => {
  it('refuses a port held by another program, saying so', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      await expect(startRedisServer({ dataDir: dataDir(), port })).rejects.toThrow(/Address already in use/);
    } finally {
      holder.close();
    }
  });

  it('never hands over another redis-server that answers on the port it could not bind', async () => {
    const first = await startRedisServer({ dataDir: dataDir() });
    try {
      await expect(startRedisServer({ dataDir: dataDir(), port: first.port })).rejects.toThrow(
        /Address already in use/,
      );
      // Without a port of its own choosing, it finds a free one.
      const second = await startRedisServer({ dataDir: dataDir() });
      expect(second.port).not.toBe(first.port);
      await second.stop();
    } finally {
      await first.stop();
    }
  });

  it('runs with the AOF on, no eviction, and AOF rewrites only past 1 GB', async () => {
    const server = await startRedisServer({ dataDir: dataDir() });
    const client = createRedisClient(server.url);
    try {
      const setting = async (name: string) => ((await client.config('GET', name)) as string[])[1];
      expect(await setting('appendonly')).toBe('yes');
      expect(await setting('appendfsync')).toBe(appendfsyncFromEnv());
      expect(await setting('maxmemory-policy')).toBe('noeviction');
      expect(await setting('auto-aof-rewrite-min-size')).toBe(String(1024 ** 3));
    } finally {
      client.disconnect();
      await server.stop();
    }
  });
});
