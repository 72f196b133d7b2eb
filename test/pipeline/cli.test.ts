import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrefix } from '../../src/queues/queue-names.js';
import { runTailor } from '../support/cli.js';
import { SAMPLE_CUSTOMERS, SAMPLE_ORDERS } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

describe('tailor CLI', () => {
  let redis: TestRedis;
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startTestRedis();
    home = mkdtempSync(join(tmpdir(), 'tailor-cli-'));
    env = { REDIS_URL: redis.server.url, TAILOR_HOME: home };
  });

  afterAll(async () => {
    await redis.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('imports the sample and ends with a one-line JSON summary', async () => {
    const out = await runTailor(
      ['import', '--name', 'sample', '--orders', SAMPLE_ORDERS, '--customers', SAMPLE_CUSTOMERS, '--json'],
      env,
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout.trim());
    expect(summary.customers).toBeGreaterThan(300);
    expect(summary.orderLines).toBeGreaterThan(10_000);
  });

  it('reports malformed order rows by file and line and imports the rest', async () => {
    const file = join(home, 'orders.csv');
    writeFileSync(
      file,
      [
        'order_id,customer_id,product_id,quantity,unit_price,ordered_at',
        'o1,c1,p1,2,3.50,2024-01-02T10:00:00Z',
        'o2,c1,p2,two,3.50,2024-01-03T10:00:00Z',
        'o3,c2,p1,1,3.50,not a date',
        'o4,c2,p2,1,1.25,2024-02-01 09:30:00',
      ].join('\n'),
    );
    const out = await runTailor(['import', '--name', 'tiny', '--orders', file], env);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/orders\.csv:3: .*quantity/);
    expect(out.stderr).toMatch(/orders\.csv:4: .*ordered_at/);
    const summary = JSON.parse(out.stdout.trim());
    expect(summary.orderLines).toBe(2);
    expect(
      Object.values(summary.files as Record<string, { accepted: number; rejected: number }>)[0],
    ).toMatchObject({
      accepted: 2,
      rejected: 2,
    });
  });

  it('refuses an invalid campaign spec with the field named and enqueues nothing', async () => {
    const spec = join(home, 'bad.json');
    writeFileSync(
      spec,
      JSON.stringify({
        name: 'Bad',
        dataset: 'sample',
        channels: ['fax'],
        template: 'default',
        sender: { name: 'x', email: 'nope' },
        brand: { name: 'b' },
      }),
    );
    const out = await runTailor(['campaign', 'enqueue', spec], env);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('bad.json');
    expect(out.stderr).toMatch(/channels\.0/);
    expect(out.stderr).toMatch(/sender\.email/);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    const queue = new Queue('campaigns', { connection: redis.client, prefix: queuePrefix() });
    expect(await queue.count()).toBe(0);
    await queue.close();
  });

  it('says in one line that Redis is unreachable', async () => {
    const out = await runTailor(['campaign', 'status', 'anything'], {
      ...env,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe('tailor: cannot reach Redis at redis://127.0.0.1:1: ECONNREFUSED');
  });

  it('never prints Redis credentials', async () => {
    const out = await runTailor(['campaign', 'status', 'x'], {
      ...env,
      REDIS_URL: 'redis://admin:s3cret@127.0.0.1:1',
    });
    expect(out.stderr).not.toContain('s3cret');
    expect(out.stderr).toContain('redis://admin:***@127.0.0.1:1');
  });
});
