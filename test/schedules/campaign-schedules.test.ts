import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Job, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { importDataset } from '../../src/data/import-dataset.js';
import { jobIds } from '../../src/queues/campaign-flow.js';
import { JOB } from '../../src/queues/job-payloads.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import { CampaignSchedules, ScheduleInputError } from '../../src/schedules/campaign-schedules.js';
import { capOfSpec } from '../../src/schedules/frequency-cap.js';
import { parseScheduledSpec, SCHEDULED_CAMPAIGN_JOB } from '../../src/schedules/schedule-spec.js';
import { scheduledCampaignProcessor } from '../../src/schedules/scheduled-campaign-processor.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

const spec = parseScheduledSpec(
  {
    ...JSON.parse(readFileSync('examples/reengagement-lapsed.json', 'utf8')),
    dataset: 'shop',
    audience: { minOrders: 1, lapsedForDays: 30 },
  },
  'test',
);

let redis: TestRedis;
let queues: TailorQueues;
let home: string;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'tailor-schedules-'));
  await importDataset({
    name: 'shop',
    root: home,
    orders: 'examples/data/orders.csv',
    customers: 'examples/data/customers.csv',
    products: 'examples/data/products.csv',
  });
  redis = await startTestRedis();
  queues = new TailorQueues(redis.client);
});
afterAll(async () => {
  await queues?.close();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('campaign schedules on BullMQ job schedulers', () => {
  it('upserts, lists and removes a cron schedule in a time zone', async () => {
    const schedules = new CampaignSchedules(queues.get('campaigns'));
    const info = await schedules.upsert({
      name: 'monday-winback',
      cron: '0 9 * * 1',
      tz: 'Europe/London',
      spec,
    });
    expect(info).toMatchObject({
      name: 'monday-winback',
      cron: '0 9 * * 1',
      tz: 'Europe/London',
      campaign: 'We miss you',
      dataset: 'shop',
      frequencyCap: { group: 'reengagement', windowDays: 30 },
    });
    const next = new Date(info.next ?? '');
    expect(next.getTime()).toBeGreaterThan(Date.now());
    // 09:00 in London is 08:00 or 09:00 UTC depending on summer time; always a Monday.
    expect(next.getUTCDay()).toBe(1);
    expect([8, 9]).toContain(next.getUTCHours());

    // Upserting again replaces it rather than adding a second one.
    await schedules.upsert({ name: 'monday-winback', cron: '30 10 * * 2', tz: 'UTC', spec });
    const list = await schedules.list();
    expect(list.map((s) => [s.name, s.cron])).toEqual([['monday-winback', '30 10 * * 2']]);

    expect(await schedules.remove('monday-winback')).toBe(true);
    expect(await schedules.remove('monday-winback')).toBe(false);
    expect(await schedules.list()).toEqual([]);
  });

  it('refuses a bad cron pattern, time zone, interval or name, naming the option, and stores nothing', async () => {
    const schedules = new CampaignSchedules(queues.get('campaigns'));
    const refusal = async (input: Parameters<CampaignSchedules['upsert']>[0]) => {
      const error = await schedules.upsert(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ScheduleInputError);
      return (error as ScheduleInputError).field;
    };
    expect(await refusal({ name: 'x', cron: 'every monday', spec })).toBe('--cron');
    expect(await refusal({ name: 'x', cron: '0 9 * * 1', tz: 'Mars/Olympus', spec })).toBe('--tz');
    expect(await refusal({ name: 'x', every: 10, spec })).toBe('--every');
    expect(await refusal({ name: 'x', spec })).toBe('--cron');
    expect(await refusal({ name: 'Bad Name', cron: '0 9 * * 1', spec })).toBe('NAME');
    expect(await schedules.list()).toEqual([]);
    expect(await queues.get('campaigns').getJobSchedulersCount()).toBe(0);
  });

  it('fires: each firing enqueues its own capped re-engagement campaign; a retried firing enqueues nothing new', async () => {
    const context: StageContext = createStageContext({ redis: redis.client, queues, home });
    const store = new CampaignStore(redis.client);
    const fired: { campaignId: string; runId: string; reused: boolean }[] = [];
    const process = scheduledCampaignProcessor(context);
    const connection = createRedisClient(redis.server.url);
    // Only the firings are processed here; the start jobs they enqueue are acknowledged untouched.
    const worker = new Worker(
      'campaigns',
      async (job: Job) => {
        if (job.name === JOB.start) return { ignored: true };
        if (job.name !== SCHEDULED_CAMPAIGN_JOB) throw new Error(`unexpected job ${job.name}`);
        const result = await process(job);
        fired.push(result);
        // Processing the same firing again (a retry) finds the campaign it created.
        expect(await process(job)).toEqual({ ...result, reused: true });
        return result;
      },
      { connection, prefix: queues.prefix, concurrency: 1 },
    );
    const schedules = new CampaignSchedules(queues.get('campaigns'));
    try {
      await schedules.upsert({
        name: 'winback',
        every: 1_000,
        spec: { ...spec, frequencyCap: { group: 'winback', windowDays: 14 } },
      });
      const deadline = Date.now() + 15_000;
      while (fired.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await schedules.remove('winback');
    } finally {
      await worker.close();
      connection.disconnect();
      await closeStageContext(context);
    }
    expect(fired.length).toBeGreaterThanOrEqual(2);
    const [a, b] = fired;
    expect(a.campaignId).toMatch(/^winback-\d{8}-\d{9}$/);
    expect(b.campaignId).not.toBe(a.campaignId);
    for (const { campaignId, runId } of [a, b]) {
      expect(runId).toBe(`${campaignId}-r1`);
      const run = await store.requireRun(runId);
      expect(run).toMatchObject({
        campaignId,
        name: 'We miss you',
        dataset: 'shop',
        state: 'queued',
        customers: 4,
      });
      expect(run.spec.audience.lapsedForDays).toBe(30);
      expect(capOfSpec(run.spec)).toEqual({ group: 'winback', windowDays: 14 });
      const start = await queues.get('campaigns').getJob(jobIds.start(runId));
      expect(start?.name).toBe(JOB.start);
    }
    expect((await schedules.list()).length).toBe(0);
  });
});
