import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import { campaignOutboxDir } from '../../src/dispatch/outbox-transport.js';
import { jobIds } from '../../src/queues/campaign-flow.js';
import { QUEUE_NAMES } from '../../src/queues/queue-names.js';
import { CampaignStatusSchema } from '../../src/server/api-schemas.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startWorkers, type WorkerPool } from '../../src/workers/worker-pool.js';
import { basicAuth, exampleSpec, type Harness, startHarness } from './harness.js';

/**
 * Pause, resume and cancel through the API on the real pipeline (the stage processors gate on
 * the run; see src/campaigns/run-control.ts). The runs are paused before any worker starts, so
 * nothing races the pause.
 */

const AUTH = basicAuth('manager', 'pw-for-tests');
let h: Harness;
let context: StageContext;
let pool: WorkerPool;

const call = async (path: string, method = 'GET', body?: unknown) => {
  const response = await fetch(`${h.baseUrl}${path}`, {
    method,
    headers: { authorization: AUTH, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
};

beforeAll(async () => {
  process.env.TAILOR_COPY_MODE = 'template'; // this suite is about run control, not copy
  process.env.TAILOR_PAUSE_RECHECK_MS = '60000'; // only resume's promotion can release a job in time
  h = await startHarness({ credentials: { basic: { user: 'manager', password: 'pw-for-tests' } } });
  for (const id of ['held', 'dropped']) {
    expect((await call('/api/campaigns', 'POST', exampleSpec({ id }))).status).toBe(201);
    expect(CampaignStatusSchema.parse((await call(`/api/campaigns/${id}/pause`, 'POST')).body).paused).toBe(
      true,
    );
  }
  context = createStageContext({
    redis: h.redis.client,
    queues: h.queues,
    home: h.root,
    delivery: { transport: 'outbox', outboxDir: join(h.root, 'outbox') },
  });
  pool = startWorkers(context, { queues: [...QUEUE_NAMES] });
}, 60_000);

afterAll(async () => {
  delete process.env.TAILOR_PAUSE_RECHECK_MS;
  await pool?.close();
  if (context) await closeStageContext(context);
  await h?.stop();
});

async function segmentState(runId: string): Promise<string | undefined> {
  return (await h.queues.get('segment').getJob(jobIds.segment(runId)))?.getState();
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('run control on the real pipeline', () => {
  it('a paused campaign starts its flow but no stage runs; resume lets it finish and send', async () => {
    await until(
      "the paused run's segment job to be held in delayed (do the stage processors call gateRun?)",
      async () => (await segmentState('held-r1')) === 'delayed',
    );
    const held = CampaignStatusSchema.parse((await call('/api/campaigns/held')).body);
    expect(held).toMatchObject({ paused: true, sent: 0, stages: { segment: { state: 'delayed' } } });

    expect((await call('/api/campaigns/held/resume', 'POST')).status).toBe(200);
    const run = await waitForRun(h.store, 'held-r1', undefined, 100);
    expect(run.state).toBe('completed');
    const done = CampaignStatusSchema.parse((await call('/api/campaigns/held')).body);
    expect(done.paused).toBe(false);
    expect(done.sent).toBeGreaterThan(0);
  });

  it('a cancelled campaign ends without sending, and stays cancelled', async () => {
    await until(
      "the paused run's segment job to be held in delayed (do the stage processors call gateRun?)",
      async () => (await segmentState('dropped-r1')) === 'delayed',
    );
    expect((await call('/api/campaigns/dropped/cancel', 'POST')).status).toBe(200);
    // Every stage job of the run ends (without work), up to the flow's root.
    await until(
      "the cancelled run's flow to end",
      async () =>
        (await (await h.queues.get('dispatch').getJob(jobIds.dispatchPlan('dropped-r1')))?.isCompleted()) ??
        false,
    );
    const status = CampaignStatusSchema.parse((await call('/api/campaigns/dropped')).body);
    expect(status).toMatchObject({ state: 'cancelled', sent: 0, paused: false });
    expect(existsSync(campaignOutboxDir(join(h.root, 'outbox'), 'dropped'))).toBe(false);
  });
});
