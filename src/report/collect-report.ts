import type { Redis } from 'ioredis';
import { openLinkSigner } from '../audience/link-secret.js';
import type { LinkSigner } from '../audience/signed-token.js';
import type { CampaignStore, RunRecord, SegmentsResult } from '../campaigns/campaign-store.js';
import { AUDIENCE, type PredictionChunk } from '../campaigns/chunk-codec.js';
import { copyRequestFor, GENERIC_SEGMENT, type SegmentKey, segmentKeyOf } from '../campaigns/copy-plan.js';
import { summarizeRun } from '../campaigns/run-summary.js';
import type { ProductRecord, SnapshotReader } from '../data/snapshot.js';
import { ledgerField, SendLedger } from '../dispatch/send-ledger.js';
import { displayTitle } from '../generation/product-text.js';
import { chunkRanges, PREDICT_CHUNK } from '../queues/campaign-flow.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import { previewEmail } from '../server/campaign-preview.js';
import { copyVariant, tallyFallbackReasons } from './copy-overview.js';
import { describeSample, outcomeLabel, pickSampleIndices } from './customer-sample.js';
import { buildTimeline, readChunkEvents, throughputOf } from './delivery-timeline.js';
import { modelScores } from './model-scores.js';
import { PredictionTally } from './prediction-tally.js';
import {
  type CampaignReport,
  type CopySection,
  type DeliverySection,
  type LookupSection,
  type PredictionSection,
  SAMPLE_LIMIT,
  SCATTER_LIMIT,
  type SegmentCopy,
  type SegmentSection,
  TOP_PRODUCTS,
} from './report-model.js';
import { segmentScatter } from './segment-scatter.js';

export interface ReportDeps {
  redis: Redis;
  store: CampaignStore;
  queues: TailorQueues;
  /** Open a dataset's snapshot; with a version, refuse another one (SnapshotCache.get). */
  openSnapshot: (dataset: string, version?: string) => Promise<SnapshotReader>;
  /** Tailor home: model versions and their evaluation records live under it. */
  home: string;
  /**
   * Signs the mails' links as dispatch does, so the embedded emails are the ones sent. When
   * absent the report opens the home's signer (TAILOR_SECRET or `<home>/secret`), like a worker.
   */
  signer?: LinkSigner;
}

/** The live preview route of `tailor server`; `{customer}` is replaced by the URL-encoded id. */
export const previewPathOf = (runId: string) =>
  `/api/campaigns/${encodeURIComponent(runId)}/preview?customer={customer}`;

/**
 * Everything the report shows about one run, read from what the stages stored (nothing is
 * predicted or written again, and the emails come from the API's preview, so the report shows
 * what was or will be sent; only the baselines' offline scores are measured here). Bounded at
 * any audience size: one pass over the prediction chunks, a sampled scatter, one chunk's
 * customers as examples. Works at every state of a run: a stage not finished yet leaves its
 * section marked not ready.
 */
export async function collectCampaignReport(deps: ReportDeps, runId: string): Promise<CampaignReport> {
  const run = await deps.store.requireRun(runId);
  const summary = await summarizeRun(deps.store, runId);
  const snapshot = await deps.openSnapshot(run.dataset, run.snapshotVersion);
  const [catalogue, segments] = await Promise.all([
    snapshot.products(),
    deps.store.loadSegments(runId).catch(() => undefined),
  ]);
  const assignments = segments?.assignments ?? new Int16Array(run.customers).fill(-1);
  const profiles = segments?.result.profiles ?? [];
  const nameOf = (key: SegmentKey) =>
    key === 'generic' ? GENERIC_SEGMENT.name : (profiles.find((p) => p.id === key)?.name ?? `Segment ${key}`);

  const predictions = await readPredictions(deps.store, run, assignments);
  const tally = predictions.tally;
  const order: SegmentKey[] = [...profiles.map((p) => p.id), 'generic'];

  const segmentSection: SegmentSection = {
    ready: Boolean(segments),
    method: segments?.result.method,
    k: segments?.result.k,
    rows: [
      ...profiles.map((p) => ({
        key: p.id,
        name: p.name,
        description: p.description,
        size: p.size,
        audience: tally.perSegment.get(p.id) ?? 0,
        recencyDays: finite(p.centroid.recencyDays),
        orders: finite(p.centroid.orders),
        spend: finite(p.centroid.spend),
      })),
      ...(tally.perSegment.get('generic')
        ? [
            {
              key: 'generic' as const,
              name: GENERIC_SEGMENT.name,
              description: GENERIC_SEGMENT.description,
              size: tally.perSegment.get('generic') ?? 0,
              audience: tally.perSegment.get('generic') ?? 0,
            },
          ]
        : []),
    ],
    unsegmented: segments ? assignments.reduce((n, a) => n + (a < 0 ? 1 : 0), 0) : run.customers,
    scatter: segments
      ? await segmentScatter(snapshot, assignments, SCATTER_LIMIT)
      : { population: 0, points: [] },
  };

  const first = predictions.first;
  const sampleIndices = first ? pickSampleIndices(first, assignments, order, SAMPLE_LIMIT) : [];
  const segmentOfIndex = (index: number) =>
    nameOf(segmentKeyOf(first ? first.audience[index - first.batch.start] : 0, assignments[index] ?? -1));
  const sample = first ? await describeSample(snapshot, first, sampleIndices, catalogue, segmentOfIndex) : [];
  if (run.spec.channels.includes('email') && sample.length > 0) {
    const states = await new SendLedger(deps.redis).states(
      run.campaignId,
      sample.map((c) => ledgerField(c.customerId, 'email')),
    );
    sample.forEach((c, i) => {
      const outcome = outcomeLabel(states[i]);
      if (outcome) c.outcome = outcome;
    });
  }
  const scored = predictions.ready ? await modelScores(deps.home, run, snapshot) : {};
  const predictionSection: PredictionSection = {
    ready: predictions.ready,
    method: run.predictor,
    version: run.predictorVersion,
    audience: tally.audience,
    generic: tally.generic,
    topProducts: tally.topProducts(TOP_PRODUCTS).map(({ product, customers }) => ({
      productId: catalogue[product]?.id ?? String(product),
      title: catalogue[product] ? displayTitle(catalogue[product].title) : `#${product}`,
      customers,
    })),
    ...(scored.scores ? { scores: scored.scores } : {}),
    ...(scored.note ? { scoresNote: scored.note } : {}),
    sample,
    sampleNote:
      first && run.customers > PREDICT_CHUNK
        ? `${sample.length} customers across segments, from customers ${(first.batch.start + 1).toLocaleString('en-GB')}–${(first.batch.start + first.batch.length).toLocaleString('en-GB')} of the dataset`
        : `${sample.length} customers across segments`,
  };

  const copySection = await collectCopy(deps, run, {
    summary,
    tally,
    order,
    assignments,
    profiles,
    catalogue,
    snapshot,
    nameOf,
  });
  const delivery = await collectDelivery(deps, run, summary);
  const lookup = await collectLookup(deps, run, snapshot, sample);

  return {
    version: 1,
    generatedAt: new Date().toISOString(),
    run: {
      runId: run.runId,
      campaignId: run.campaignId,
      name: run.name,
      state: run.state,
      dryRun: run.dryRun || run.state === 'reviewed',
      dataset: run.dataset,
      snapshotVersion: run.snapshotVersion,
      createdAt: run.createdAt,
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
      channels: run.spec.channels,
      personalisation: run.spec.personalisation,
      audience: describeAudience(run.spec),
      brand: run.spec.brand.name,
      template: run.spec.template,
      currency: run.spec.currency,
      productsPerCustomer: run.spec.products,
      ...(run.error ? { error: run.error } : {}),
    },
    totals: {
      customers: run.customers,
      audience: summary.recipients,
      sent: summary.sent,
      skipped: sum(summary.skipped),
      failed: sum(summary.failed),
      pending: summary.pending,
      adRows: summary.adRows,
    },
    segments: segmentSection,
    predictions: predictionSection,
    copy: copySection,
    delivery,
    lookup,
  };
}

/** One pass over the stored prediction chunks; the first chunk is kept for the examples. */
async function readPredictions(
  store: CampaignStore,
  run: RunRecord,
  assignments: Int16Array,
): Promise<{ ready: boolean; tally: PredictionTally; first?: PredictionChunk }> {
  const tally = new PredictionTally();
  let first: PredictionChunk | undefined;
  for (const range of chunkRanges(run.customers, PREDICT_CHUNK)) {
    const chunk = await store.loadPrediction(run.runId, range.chunk, range.start).catch(() => undefined);
    if (!chunk) return { ready: false, tally: new PredictionTally() };
    tally.add(chunk, assignments);
    // The examples come from one chunk (the preview finds a customer by scanning from the
    // start, so an early chunk keeps it cheap): the first with anyone in the audience.
    if (!first && chunk.audience.some((a) => a !== AUDIENCE.outside)) first = chunk;
  }
  return { ready: run.customers > 0, tally, first };
}

async function collectCopy(
  deps: ReportDeps,
  run: RunRecord,
  context: {
    summary: Awaited<ReturnType<typeof summarizeRun>>;
    tally: PredictionTally;
    order: SegmentKey[];
    assignments: Int16Array;
    profiles: SegmentsResult['profiles'];
    catalogue: ProductRecord[];
    snapshot: SnapshotReader;
    nameOf: (key: SegmentKey) => string;
  },
): Promise<CopySection> {
  const { summary, tally } = context;
  const segmentProducts = await deps.store.loadSegmentProducts(run.runId).catch(() => undefined);
  const base = {
    copywriter: run.copywriter,
    pieces: summary.copyKeys,
    model: summary.copy.model,
    fallback: summary.copy.fallback,
    generateCalls: summary.generateCalls,
  };
  if (!segmentProducts) {
    return { ready: false, ...base, fallbackReasons: {}, reasonsCounted: 0, perSegment: [] };
  }
  const { reasons, counted } = await tallyFallbackReasons(deps.redis, run.runId);
  const profileMap = new Map(context.profiles.map((p) => [p.id, p]));
  const perSegment: SegmentCopy[] = [];
  for (const key of context.order) {
    const representative = tally.representatives.get(key);
    if (!representative) continue;
    const [customer] = await context.snapshot.customers(representative.index, representative.index + 1);
    const requests = run.spec.channels.map((channel) =>
      copyRequestFor({
        spec: run.spec,
        channel,
        audience: representative.audience,
        segmentId: context.assignments[representative.index] ?? -1,
        profiles: profileMap,
        productRow: representative.productRow,
        segmentProducts,
        catalogue: context.catalogue,
        customer,
      }),
    );
    const copy = await deps.store.loadCopy(
      run.runId,
      requests.map((r) => r.key),
    );
    perSegment.push({
      segment: context.nameOf(key),
      audience: tally.perSegment.get(key) ?? 0,
      variants: requests.flatMap((r) => {
        const result = copy.get(r.key);
        return result ? [copyVariant(result)] : [];
      }),
      example: run.spec.personalisation === 'customer' && key !== 'generic',
    });
  }
  return { ready: true, ...base, fallbackReasons: reasons, reasonsCounted: counted, perSegment };
}

async function collectDelivery(
  deps: ReportDeps,
  run: RunRecord,
  summary: Awaited<ReturnType<typeof summarizeRun>>,
): Promise<DeliverySection> {
  const totals = {
    sent: summary.sent,
    skipped: summary.skipped,
    failed: summary.failed,
    pending: summary.pending,
    adRows: summary.adRows,
  };
  const empty = { available: false, bucketSeconds: 60, buckets: [], chunks: 0, failedChunks: 0 };
  const beforeDispatch = run.state === 'queued' || run.state === 'running' || run.state === 'reviewed';
  if (beforeDispatch) {
    return {
      status: 'not-sent',
      note:
        run.state === 'reviewed'
          ? 'This dry run waits for review: segments, predictions and copy are ready.'
          : 'The run has not reached dispatch yet.',
      ...totals,
      timeline: empty,
    };
  }
  const { events, found, failedChunks } = await readChunkEvents(deps.queues, run);
  const timeline = buildTimeline(events);
  const status =
    run.state === 'dispatching' ? 'sending' : events.length > 0 || summary.sent > 0 ? 'done' : 'not-sent';
  return {
    status,
    ...(status === 'not-sent'
      ? { note: `Nothing was sent: the run ended ${run.state} before dispatch.` }
      : {}),
    ...(found === 0 && status !== 'not-sent'
      ? { note: 'The send chunks are no longer in the queue (kept a week): totals only.' }
      : {}),
    ...totals,
    timeline: { available: events.length > 0, ...timeline, chunks: found, failedChunks },
    ...(events.length > 0 ? { throughput: throughputOf(events) } : {}),
  };
}

/**
 * The emails of the sampled customers, rendered by the same function as the API's preview (so
 * byte for byte what dispatch sends), embedded so the report file works offline.
 */
async function collectLookup(
  deps: ReportDeps,
  run: RunRecord,
  snapshot: SnapshotReader,
  sample: CampaignReport['predictions']['sample'],
): Promise<LookupSection> {
  const email = run.spec.channels.includes('email');
  const section: LookupSection = { email, previewPath: previewPathOf(run.runId), customers: [] };
  if (!email) return section;
  // The preview reads the whole catalogue per call; the report renders up to 50 of them.
  const view = withCachedProducts(snapshot);
  const signer = deps.signer ?? (await openLinkSigner({ home: deps.home, redis: deps.redis }));
  const missing: string[] = [];
  for (const customer of sample) {
    try {
      const preview = await previewEmail(
        { store: deps.store, openSnapshot: async () => view, signer },
        run.runId,
        customer.customerId,
      );
      section.customers.push({
        customerId: customer.customerId,
        segment: customer.segment,
        subject: preview.rendered.subject,
        html: preview.rendered.html,
        ...(preview.wouldSkip ? { wouldSkip: preview.wouldSkip } : {}),
      });
    } catch (error) {
      missing.push(`${customer.customerId} (${(error as Error).message})`);
    }
  }
  if (missing.length > 0) section.note = `no preview for ${missing.slice(0, 3).join(', ')}`;
  return section;
}

/** The snapshot with its catalogue read once; closing the view leaves the shared reader open. */
function withCachedProducts(snapshot: SnapshotReader): SnapshotReader {
  let products: Promise<ProductRecord[]> | undefined;
  return {
    dir: snapshot.dir,
    manifest: snapshot.manifest,
    products: () => {
      products ??= snapshot.products();
      return products;
    },
    productPopularity: () => snapshot.productPopularity(),
    customers: (start, end) => snapshot.customers(start, end),
    aggregates: (start, end) => snapshot.aggregates(start, end),
    baskets: (start, end) => snapshot.baskets(start, end),
    flags: () => snapshot.flags(),
    close: async () => {},
  };
}

function describeAudience(spec: CampaignSpec): string {
  const { audience } = spec;
  const parts = [`at least ${audience.minOrders} order${audience.minOrders === 1 ? '' : 's'}`];
  if (audience.lastOrderWithinDays !== undefined)
    parts.push(`last order within ${audience.lastOrderWithinDays} days`);
  if (audience.lapsedForDays !== undefined) parts.push(`no order for ${audience.lapsedForDays} days`);
  if (audience.countries) parts.push(`in ${audience.countries.join(', ')}`);
  return parts.join('; ');
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? Math.round(x * 10) / 10 : undefined;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
