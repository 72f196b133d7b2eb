import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import { summarizeRun } from '../../src/campaigns/run-summary.js';
import { importDataset } from '../../src/data/import-dataset.js';
import { QUEUE_NAMES } from '../../src/queues/queue-names.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import { CampaignSchedules } from '../../src/schedules/campaign-schedules.js';
import { FREQUENCY_CAP_SKIP, FrequencyCap } from '../../src/schedules/frequency-cap.js';
import { parseScheduledSpec, SCHEDULED_CAMPAIGN_JOB } from '../../src/schedules/schedule-spec.js';
import type { ScheduledCampaignResult } from '../../src/schedules/scheduled-campaign-processor.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startWorkers, type WorkerPool } from '../../src/workers/worker-pool.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * A schedule fires (every second) on the shipped sample; each firing runs a whole campaign on
 * real workers. The frequency cap must let each lapsed customer get exactly one of the mails,
 * whichever firing reaches them first.
 */

let redis: TestRedis;
let queues: TailorQueues;
let home: string;
let context: StageContext;
let pool: WorkerPool;

beforeAll(async () => {
  process.env.TAILOR_COPY_MODE = 'template'; // these tests are about serving and scheduling, not copy
  home = mkdtempSync(join(tmpdir(), 'tailor-reengage-'));
  await importDataset({
    name: 'sample',
    root: home,
    orders: 'data/sample/online_retail_sample.csv.gz',
    customers: 'data/sample/customers.csv',
  });
  redis = await startTestRedis();
  queues = new TailorQueues(redis.client);
  context = createStageContext({
    redis: redis.client,
    queues,
    home,
    delivery: { transport: 'outbox', outboxDir: join(home, 'outbox') },
  });
  // Every queue on the real worker pool: the campaigns queue routes firings by job name.
  pool = startWorkers(context, { queues: [...QUEUE_NAMES] });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  if (context) await closeStageContext(context);
  await queues?.close();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('re-engagement schedule with a frequency cap', () => {
  it('fires twice or more, and every lapsed customer is mailed exactly once across the firings', async () => {
    const spec = parseScheduledSpec(
      {
        ...JSON.parse(readFileSync('examples/reengagement-lapsed.json', 'utf8')),
        audience: { minOrders: 1, lapsedForDays: 30 },
        frequencyCap: { group: 'reengagement', windowDays: 30 },
      },
      'test spec',
    );
    const schedules = new CampaignSchedules(queues.get('campaigns'));
    const completed: ScheduledCampaignResult[] = [];
    const campaignsWorker = pool.workers.find((w) => w.name === 'campaigns');
    campaignsWorker?.on('completed', (job, result) => {
      if (job.name === SCHEDULED_CAMPAIGN_JOB) completed.push(result as ScheduledCampaignResult);
    });
    await schedules.upsert({ name: 'winback', every: 1_000, spec });
    const deadline = Date.now() + 30_000;
    while (completed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await schedules.remove('winback');
    expect(
      completed.length,
      'completed firings (does the worker pool route scheduled-campaign jobs?)',
    ).toBeGreaterThanOrEqual(2);

    const store = new CampaignStore(redis.client);
    const summaries = [];
    for (const { runId } of completed) {
      const run = await waitForRun(store, runId, undefined, 100);
      expect(run.state, run.error).toBe('completed');
      summaries.push(await summarizeRun(store, runId));
    }
    const sent = summaries.reduce((n, s) => n + s.sent, 0);
    const capped = summaries.reduce((n, s) => n + (s.skipped[FREQUENCY_CAP_SKIP] ?? 0), 0);
    // Same snapshot, same audience: the eligible customers are mailed once and capped in every other firing.
    expect(sent).toBeGreaterThan(0);
    expect(capped, 'frequency-cap skips (does dispatch reserve the cap?)').toBe(
      sent * (summaries.length - 1),
    );
    for (const s of summaries) expect(s.recipients).toBe(summaries[0].recipients);

    // The cap keys name the campaign that mailed each customer.
    const cap = new FrequencyCap(redis.client);
    const snapshot = await context.snapshots.get('sample');
    const ids = (await snapshot.customers(0, snapshot.manifest.customers)).map((c) => c.id);
    const holders = (await cap.holders(ids, 'reengagement')).filter((h): h is string => h !== null);
    expect(holders.length).toBe(sent);
    for (const s of summaries) expect(holders.filter((h) => h === s.campaignId).length).toBe(s.sent);
  }, 120_000);
});
