import { type Job, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateRun } from '../../src/campaigns/run-control.js';
import { jobIds } from '../../src/queues/campaign-flow.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import {
  CampaignCreatedSchema,
  CampaignListSchema,
  CampaignStatusSchema,
  ErrorResponseSchema,
  HealthSchema,
} from '../../src/server/api-schemas.js';
import { DOCUMENTED_ROUTES } from '../../src/server/openapi.js';
import { routesOf } from '../../src/server/tailor-server.js';
import { basicAuth, exampleSpec, type Harness, startHarness } from './harness.js';

const credentials = { basic: { user: 'manager', password: 'correct horse battery' }, token: 'api-token-1' };
const AUTH = basicAuth('manager', 'correct horse battery');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ credentials });
});
afterAll(async () => {
  await h?.stop();
});

async function api(path: string, init: RequestInit & { json?: unknown; auth?: string | null } = {}) {
  const headers = new Headers(init.headers);
  if (init.auth !== null) headers.set('authorization', init.auth ?? AUTH);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  const response = await fetch(`${h.baseUrl}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: body as Record<string, unknown>, text };
}

async function nothingEnqueued() {
  expect(
    await h.queues.get('campaigns').getJobCountByTypes('waiting', 'delayed', 'active', 'completed'),
  ).toBe(0);
  expect(await h.store.listCampaigns()).toEqual([]);
}

describe('authentication', () => {
  it('answers 401 without or with wrong credentials, on the API, metrics, OpenAPI and bull-board', async () => {
    for (const path of [
      '/api/campaigns',
      '/metrics',
      '/openapi.json',
      '/admin/queues',
      '/admin/queues/api/queues',
    ]) {
      const none = await api(path, { auth: null });
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Basic realm="Tailor"');
      expect((await api(path, { auth: basicAuth('manager', 'wrong') })).status, path).toBe(401);
      expect((await api(path, { auth: 'Bearer nope' })).status, path).toBe(401);
    }
    const post = await api('/api/campaigns', { method: 'POST', json: exampleSpec(), auth: null });
    expect(post.status).toBe(401);
    await nothingEnqueued();
  });

  it('lets the right Basic pair and the bearer token in; /healthz is open', async () => {
    expect((await api('/api/campaigns')).status).toBe(200);
    expect((await api('/api/campaigns', { auth: 'Bearer api-token-1' })).status).toBe(200);
    const board = await api('/admin/queues');
    expect(board.status).toBe(200);
    expect(board.text).toContain('<html');
    const queues = await api('/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    const names = (queues.body.queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['campaigns', 'dispatch', 'generate', 'predict', 'segment']);
    const health = await api('/healthz', { auth: null });
    expect(health.status).toBe(200);
    expect(HealthSchema.parse(health.body).redis.ok).toBe(true);
  });
});

describe('validation: a 4xx naming the field, nothing enqueued', () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['empty channels', exampleSpec({ channels: [] }), 400, 'channels'],
    [
      'bad sender address',
      exampleSpec({ sender: { name: 'X', email: 'not-an-address' } }),
      400,
      'sender.email',
    ],
    ['unknown field', exampleSpec({ colour: 'red' }), 400, '(root)'],
    ['missing name', { ...exampleSpec(), name: undefined }, 400, 'name'],
    ['unknown dataset', exampleSpec({ dataset: 'nope' }), 422, 'dataset'],
    ['unknown template', exampleSpec({ template: 'missing-template' }), 422, 'template'],
  ];
  for (const [label, body, status, field] of cases) {
    it(label, async () => {
      const response = await api('/api/campaigns', { method: 'POST', json: body });
      expect(response.status).toBe(status);
      const error = ErrorResponseSchema.parse(response.body);
      expect(error.issues?.map((i) => i.field)).toContain(field);
      await nothingEnqueued();
    });
  }

  it('malformed JSON, a wrong content type and a bad query parameter', async () => {
    const malformed = await api('/api/campaigns', {
      method: 'POST',
      body: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const text = await api('/api/campaigns', {
      method: 'POST',
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(ErrorResponseSchema.parse(text.body).issues?.[0].field).toBe('Content-Type');
    const dry = await api('/api/campaigns?dryRun=maybe', { method: 'POST', json: exampleSpec() });
    expect(dry.status).toBe(400);
    expect(ErrorResponseSchema.parse(dry.body).issues?.[0].field).toBe('dryRun');
    const key = await api('/api/campaigns', {
      method: 'POST',
      json: exampleSpec(),
      headers: { 'idempotency-key': 'has space' },
    });
    expect(key.status).toBe(400);
    expect(ErrorResponseSchema.parse(key.body).issues?.[0].field).toBe('Idempotency-Key');
    await nothingEnqueued();
  });
});

describe('campaigns', () => {
  it('an Idempotency-Key makes a retried POST return the same run and enqueue nothing new', async () => {
    const spec = exampleSpec({ id: 'idem-once' });
    const first = await api('/api/campaigns', {
      method: 'POST',
      json: spec,
      headers: { 'idempotency-key': 'req-42' },
    });
    expect(first.status).toBe(201);
    const created = CampaignCreatedSchema.parse(first.body);
    expect(created).toMatchObject({
      campaignId: 'idem-once',
      runId: 'idem-once-r1',
      state: 'queued',
      customers: 4,
    });
    expect(first.headers.get('location')).toBe('/api/campaigns/idem-once-r1');

    // Same key, same body (keys in another order): the stored answer, no second run.
    const reordered = Object.fromEntries(Object.entries(spec).reverse());
    const again = await api('/api/campaigns', {
      method: 'POST',
      json: reordered,
      headers: { 'idempotency-key': 'req-42' },
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await h.store.latestRunId('idem-once')).toBe('idem-once-r1');
    expect(await h.queues.get('campaigns').getJobCountByTypes('waiting', 'delayed')).toBe(1);

    // Same key, another body: refused, naming the header.
    const other = await api('/api/campaigns', {
      method: 'POST',
      json: { ...spec, name: 'Something else' },
      headers: { 'idempotency-key': 'req-42' },
    });
    expect(other.status).toBe(422);
    expect(ErrorResponseSchema.parse(other.body).issues?.[0].field).toBe('Idempotency-Key');

    // Without a key, a second POST is a second run.
    const second = await api('/api/campaigns', { method: 'POST', json: spec });
    expect(CampaignCreatedSchema.parse(second.body).runId).toBe('idem-once-r2');
  });

  it('two concurrent POSTs with one key create one run', async () => {
    const spec = exampleSpec({ id: 'idem-race' });
    const both = await Promise.all(
      [0, 1].map(() =>
        api('/api/campaigns', { method: 'POST', json: spec, headers: { 'idempotency-key': 'race-1' } }),
      ),
    );
    const statuses = both.map((r) => r.status).sort();
    // The loser sees the winner's stored answer, or "in progress" when it arrives mid-request.
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(statuses);
    expect(await h.store.latestRunId('idem-race')).toBe('idem-race-r1');
  });

  it('lists campaigns and shows one by campaign id or run id, in the documented shape', async () => {
    await api('/api/campaigns', { method: 'POST', json: exampleSpec({ id: 'listed', name: 'Listed' }) });
    const list = CampaignListSchema.parse((await api('/api/campaigns?limit=10')).body);
    expect(list.campaigns.map((c) => c.campaignId)).toContain('listed');
    const byCampaign = CampaignStatusSchema.parse((await api('/api/campaigns/listed')).body);
    const byRun = CampaignStatusSchema.parse((await api('/api/campaigns/listed-r1')).body);
    expect(byCampaign).toEqual(byRun);
    expect(byRun).toMatchObject({
      name: 'Listed',
      state: 'queued',
      paused: false,
      customers: 4,
      stages: { segment: { state: 'not-started' }, dispatch: { state: 'not-started', progress: 0 } },
      links: {
        self: '/api/campaigns/listed-r1',
        preview: '/api/campaigns/listed-r1/preview?customer={customerId}',
      },
    });
    expect((await api('/api/campaigns/nothing-here')).status).toBe(404);
    expect((await api('/api/campaigns/Bad_Id')).status).toBe(400);
    expect((await api('/api/campaigns?limit=0')).status).toBe(400);
  });

  it('dryRun=true records a dry run', async () => {
    const created = await api('/api/campaigns?dryRun=true', {
      method: 'POST',
      json: exampleSpec({ id: 'dry' }),
    });
    expect(CampaignCreatedSchema.parse(created.body).dryRun).toBe(true);
    expect((await h.store.requireRun('dry-r1')).dryRun).toBe(true);
  });
});

describe('pause, resume, cancel', () => {
  it('a paused run holds its stage jobs; resume releases them at once; cancel ends them without work', async () => {
    process.env.TAILOR_PAUSE_RECHECK_MS = '60000'; // only resume's promotion can release the job in time
    await api('/api/campaigns', { method: 'POST', json: exampleSpec({ id: 'pausable' }) });
    await api('/api/campaigns', { method: 'POST', json: exampleSpec({ id: 'doomed' }) });

    const paused = CampaignStatusSchema.parse(
      (await api('/api/campaigns/pausable/pause', { method: 'POST' })).body,
    );
    expect(paused.paused).toBe(true);

    // A real BullMQ worker whose processor gates like the stage processors do.
    const processed: string[] = [];
    const connection = createRedisClient(h.redis.server.url);
    const worker = new Worker(
      'segment',
      async (job: Job, token?: string) => {
        const run = await h.store.requireRun(job.data.runId);
        if ((await gateRun(h.redis.client, run, job, token)) === 'cancelled') return { cancelled: true };
        processed.push(run.runId);
        return { ok: true };
      },
      { connection, prefix: h.queues.prefix },
    );
    try {
      const segment = h.queues.get('segment');
      const pausedJob = await segment.add(
        'fit',
        { runId: 'pausable-r1' },
        { jobId: jobIds.segment('pausable-r1') },
      );
      await waitFor(async () => (await pausedJob.getState()) === 'delayed');
      expect(processed).toEqual([]);
      expect(pausedJob.attemptsMade).toBe(0);

      const resumed = CampaignStatusSchema.parse(
        (await api('/api/campaigns/pausable/resume', { method: 'POST' })).body,
      );
      expect(resumed.paused).toBe(false);
      await waitFor(async () => processed.includes('pausable-r1'));

      const cancelled = CampaignStatusSchema.parse(
        (await api('/api/campaigns/doomed/cancel', { method: 'POST' })).body,
      );
      expect(cancelled.state).toBe('cancelled');
      const doomedJob = await segment.add(
        'fit',
        { runId: 'doomed-r1' },
        { jobId: jobIds.segment('doomed-r1') },
      );
      await waitFor(async () => (await doomedJob.getState()) === 'completed');
      expect(processed).not.toContain('doomed-r1');
      // The start job it no longer needs is gone from the campaigns queue.
      expect(await h.queues.get('campaigns').getJob(jobIds.start('doomed-r1'))).toBeUndefined();

      // A run that has ended cannot be paused, resumed or cancelled again.
      for (const action of ['pause', 'resume', 'cancel']) {
        const response = await api(`/api/campaigns/doomed/${action}`, { method: 'POST' });
        expect(response.status, action).toBe(409);
      }
      expect((await api('/api/campaigns/no-such/pause', { method: 'POST' })).status).toBe(404);
    } finally {
      delete process.env.TAILOR_PAUSE_RECHECK_MS;
      await worker.close();
      connection.disconnect();
    }
  });
});

describe('metrics and OpenAPI', () => {
  it('/metrics shows queue depths and campaign gauges in Prometheus text', async () => {
    const response = await api('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const waiting = Number(
      /tailor_queue_jobs\{queue="campaigns",state="waiting"\} (\d+)/.exec(response.text)?.[1],
    );
    expect(waiting).toBe(await h.queues.get('campaigns').getWaitingCount());
    expect(waiting).toBeGreaterThan(0);
    expect(response.text).toMatch(/# TYPE tailor_jobs_completed_total counter/);
    expect(response.text).toMatch(
      /tailor_campaign_sends\{campaign="listed",run="listed-r1",outcome="sent",reason=""\} 0/,
    );
    expect(response.text).toMatch(
      /tailor_campaign_copy\{campaign="listed",run="listed-r1",source="model"\} 0/,
    );
  });

  it('the OpenAPI document lists exactly the routes the server has', async () => {
    const doc = (await api('/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    const served = routesOf(h.app)
      .filter((r) => !r.url.startsWith('/admin/queues'))
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
      .sort();
    expect(documented).toEqual(served);
    expect(DOCUMENTED_ROUTES.length).toBe(served.length);
    const spec = (
      doc as unknown as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } }
    ).components.schemas.CampaignSpec;
    expect(Object.keys(spec.properties)).toEqual(
      expect.arrayContaining(['name', 'dataset', 'channels', 'sender', 'audience']),
    );
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
