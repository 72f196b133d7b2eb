import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { LinkSigner } from '../audience/signed-token.js';
import type { CampaignStore, SegmentsResult } from '../campaigns/campaign-store.js';
import { enqueueCampaign } from '../campaigns/enqueue-campaign.js';
import { type RunControl, RunControlError } from '../campaigns/run-control.js';
import { runKeys } from '../campaigns/run-keys.js';
import type { SnapshotReader } from '../data/snapshot.js';
import { SnapshotNotFoundError } from '../data/snapshot-catalog.js';
import { EmailTemplateError, loadEmailTemplate } from '../dispatch/email-templates.js';
import { parseCampaignSpec } from '../queues/campaign-spec.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import { UnprocessableSpecError } from './api-errors.js';
import {
  CampaignIdParams,
  CreateCampaignQuery,
  ListCampaignsQuery,
  PreviewQuery,
  parseParams,
  SegmentsQuery,
} from './api-params.js';
import type { CampaignStatus, SegmentsResponse } from './api-schemas.js';
import { previewEmail } from './campaign-preview.js';
import { campaignStatus, resolveRun } from './campaign-status.js';
import { fingerprintOf, type IdempotencyStore, validateIdempotencyKey } from './idempotency.js';

export interface ApiDeps {
  redis: Redis;
  store: CampaignStore;
  queues: TailorQueues;
  control: RunControl;
  idempotency: IdempotencyStore;
  /** Open a dataset's snapshot (the expected version, when given, must match). */
  openSnapshot: (dataset: string, version?: string) => Promise<SnapshotReader>;
  signer?: LinkSigner;
}

/** How many recent campaigns /api/segments looks through for one with segments. */
const SEGMENT_SEARCH = 50;

export async function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const requireRun = async (id: string): Promise<string> => {
    const runId = await resolveRun(deps.store, id);
    if (!runId) throw new RunControlError(`no campaign or run named '${id}'`, 404);
    return runId;
  };
  const status = (runId: string): Promise<CampaignStatus> => campaignStatus(deps, runId);

  app.post('/api/campaigns', async (request, reply) => {
    const { dryRun } = parseParams(CreateCampaignQuery, request.query, 'query');
    const key = validateIdempotencyKey(request.headers['idempotency-key']);
    // Validation first: an invalid request never claims the key, so its corrected retry can.
    const spec = parseCampaignSpec(request.body, 'request body');
    const dry = dryRun === 'true';
    const claim = key
      ? await deps.idempotency.begin('campaigns', key, fingerprintOf({ body: request.body, dry }))
      : undefined;
    if (claim?.kind === 'replay') {
      return reply
        .code(claim.response.status)
        .header('idempotent-replayed', 'true')
        .send(claim.response.body);
    }
    if (claim?.kind === 'in-progress') {
      return reply.code(409).send({
        error: 'idempotency-in-progress',
        message: 'a request with this Idempotency-Key is still being processed; retry shortly',
      });
    }
    if (claim?.kind === 'mismatch') {
      return reply.code(422).send({
        error: 'idempotency-key-reused',
        message: 'this Idempotency-Key was used with a different request body',
        issues: [{ field: 'Idempotency-Key', message: 'already used with a different request body' }],
      });
    }
    try {
      await preflight(deps, spec);
      const run = await enqueueCampaign(
        { store: deps.store, queues: deps.queues, openSnapshot: (dataset) => deps.openSnapshot(dataset) },
        spec,
        { dryRun: dry },
      );
      const body = {
        campaignId: run.campaignId,
        runId: run.runId,
        state: run.state,
        dryRun: run.dryRun,
        customers: run.customers,
        links: { self: `/api/campaigns/${encodeURIComponent(run.runId)}` },
      };
      await claim?.commit({ status: 201, body });
      return reply.code(201).header('location', body.links.self).send(body);
    } catch (error) {
      await claim?.abandon();
      throw error;
    }
  });

  app.get('/api/campaigns', async (request) => {
    const { limit } = parseParams(ListCampaignsQuery, request.query, 'query');
    const campaigns: CampaignStatus[] = [];
    for (const campaignId of await deps.store.listCampaigns(limit)) {
      const runId = await deps.store.latestRunId(campaignId);
      if (!runId || !(await deps.store.getRun(runId))) continue; // expired
      campaigns.push(await status(runId));
    }
    return { campaigns };
  });

  app.get('/api/campaigns/:id', async (request) => {
    const { id } = parseParams(CampaignIdParams, request.params, 'path');
    return status(await requireRun(id));
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/api/campaigns/:id/${action}`, async (request) => {
      const { id } = parseParams(CampaignIdParams, request.params, 'path');
      const runId = await requireRun(id);
      await deps.control[action](runId);
      return status(runId);
    });
  }

  app.get('/api/campaigns/:id/preview', async (request, reply) => {
    const { id } = parseParams(CampaignIdParams, request.params, 'path');
    const { customer } = parseParams(PreviewQuery, request.query, 'query');
    const preview = await previewEmail(
      {
        store: deps.store,
        openSnapshot: (dataset, version) => deps.openSnapshot(dataset, version),
        signer: deps.signer,
      },
      await requireRun(id),
      customer,
    );
    if (preview.wouldSkip) reply.header('x-tailor-would-skip', preview.wouldSkip);
    return (
      reply
        .type('text/html; charset=utf-8')
        // The mail's own HTML, shown as a page: no scripts, nothing fetched but images.
        .header(
          'content-security-policy',
          "default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'",
        )
        .header('x-content-type-options', 'nosniff')
        .send(preview.rendered.html)
    );
  });

  app.get('/api/segments', async (request, reply) => {
    const { dataset } = parseParams(SegmentsQuery, request.query, 'query');
    for (const campaignId of await deps.store.listCampaigns(SEGMENT_SEARCH)) {
      const runId = await deps.store.latestRunId(campaignId);
      const run = runId ? await deps.store.getRun(runId) : undefined;
      if (!run || (dataset && run.dataset !== dataset)) continue;
      // The profiles alone (the per-customer assignments beside them can be megabytes).
      const json = await deps.redis.get(runKeys(run.runId).segments);
      if (!json) continue;
      const result = JSON.parse(json) as SegmentsResult;
      const body: SegmentsResponse = {
        campaignId: run.campaignId,
        runId: run.runId,
        dataset: run.dataset,
        method: result.method,
        k: result.k,
        profiles: result.profiles.map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          size: p.size,
          centroid: p.centroid,
        })),
      };
      return body;
    }
    return reply.code(404).send({
      error: 'not-found',
      message: dataset
        ? `no recent campaign run on dataset ${dataset} has segments yet`
        : 'no recent campaign run has segments yet',
    });
  });
}

/** Names in the spec that must exist before anything is enqueued. */
async function preflight(deps: ApiDeps, spec: ReturnType<typeof parseCampaignSpec>): Promise<void> {
  const issues: { field: string; message: string }[] = [];
  try {
    await deps.openSnapshot(spec.dataset);
  } catch (error) {
    if (!(error instanceof SnapshotNotFoundError)) throw error;
    issues.push({ field: 'dataset', message: error.message });
  }
  if (spec.channels.includes('email')) {
    try {
      loadEmailTemplate(spec.template);
    } catch (error) {
      if (!(error instanceof EmailTemplateError)) throw error;
      issues.push({ field: 'template', message: error.message });
    }
  }
  if (issues.length > 0) throw new UnprocessableSpecError(issues);
}
