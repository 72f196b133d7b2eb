import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRedisSafety } from '../../src/queues/redis-connection.js';
import { freePort, type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';
import { createTopologyClient, type RedisClient } from '../../src/queues/redis-topology.js';

/**
 * Sentinel: a real primary and a real `redis-server --sentinel` monitoring it. The client from
 * redis-topology.ts asks the sentinel for the primary and BullMQ runs a job through it.
 */
describe('Redis Sentinel', () => {
  let dir: string;
  let primary: RedisServerHandle;
  let sentinel: ChildProcess;
  let sentinelPort: number;
  let client: RedisClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tailor-sentinel-'));
    primary = await startRedisServer({ dataDir: join(dir, 'primary') });
    sentinelPort = await freePort();
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor tailor-primary 127.0.0.1 ${primary.port} 1`,
        'sentinel down-after-milliseconds tailor-primary 5000',
        '',
      ].join('\n'),
    );
    sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    const probe = new Redis({ port: sentinelPort, lazyConnect: true, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        const master = (await probe.call(
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          'tailor-primary',
        )) as string[];
        if (Number(master?.[1]) === primary.port) break;
      } catch (error) {
        if (i > 100) throw error;
      }
      probe.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
    client = createTopologyClient({
      kind: 'sentinel',
      sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
      name: 'tailor-primary',
      db: 0,
      tls: false,
    });
  });

  afterAll(async () => {
    client?.disconnect();
    sentinel?.kill('SIGTERM');
    await primary?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the primary the sentinel names and runs BullMQ jobs on it', async () => {
    const redis = client as Redis;
    expect((await checkRedisSafety(redis)).evictionPolicy).toBe('noeviction');
    await redis.set('tailor:sentinel-probe', 'ok');
    const direct = new Redis(primary.url);
    expect(await direct.get('tailor:sentinel-probe')).toBe('ok');
    direct.disconnect();

    const queue = new Queue('probe', { connection: redis, prefix: '{tailor}' });
    const done = new Promise<unknown>((resolve) => {
      const worker = new Worker('probe', async (job) => job.data.n * 2, {
        connection: redis,
        prefix: '{tailor}',
      });
      worker.on('completed', (_job, value) => void worker.close().then(() => resolve(value)));
    });
    await queue.add('double', { n: 21 });
    expect(await done).toBe(42);
    await queue.close();
  });
});
