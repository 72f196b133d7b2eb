import type { SnapshotReader } from '../data/snapshot.js';
import { jobIds, PREDICT_CHUNK } from '../queues/campaign-flow.js';
import { type CampaignSpec, campaignIdOf } from '../queues/campaign-spec.js';
import { JOB } from '../queues/job-payloads.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import type { CampaignStore, RunRecord } from './campaign-store.js';

/** Customers per dispatch job. Divides PREDICT_CHUNK, so a send chunk reads one prediction chunk. */
export function dispatchChunkSize(): number {
  const size = Number(process.env.TAILOR_CHUNK_SIZE ?? 500);
  if (!Number.isInteger(size) || size <= 0 || PREDICT_CHUNK % size !== 0) {
    throw new Error(
      `TAILOR_CHUNK_SIZE must be a positive divisor of ${PREDICT_CHUNK} (got ${process.env.TAILOR_CHUNK_SIZE})`,
    );
  }
  return size;
}

/**
 * Record a new run of the campaign and put its start job on the `campaigns` queue (delayed
 * when the spec schedules it). A second enqueue of the same campaign is a new run whose sends
 * the ledger turns into `already-sent` skips.
 */
export async function enqueueCampaign(
  deps: {
    store: CampaignStore;
    queues: TailorQueues;
    openSnapshot: (dataset: string) => Promise<SnapshotReader>;
  },
  spec: CampaignSpec,
  options: { dryRun?: boolean; now?: number } = {},
): Promise<RunRecord> {
  const snapshot = await deps.openSnapshot(spec.dataset);
  const run = await deps.store.createRun(spec, campaignIdOf(spec), {
    dataset: spec.dataset,
    snapshotVersion: snapshot.manifest.version,
    customers: snapshot.manifest.customers,
    chunkSize: dispatchChunkSize(),
    dryRun: options.dryRun ?? false,
  });
  const now = options.now ?? Date.now();
  const delay = spec.schedule.type === 'at' ? Math.max(0, Date.parse(spec.schedule.at) - now) : 0;
  await deps.queues
    .get('campaigns')
    .add(JOB.start, { runId: run.runId }, { jobId: jobIds.start(run.runId), delay });
  return run;
}

/**
 * Send a reviewed dry run: the same run (its stored segments, predictions and copy) goes on to
 * dispatch, so what goes out is exactly what the report showed. Consent and suppression are
 * still checked at send time.
 */
export async function sendReviewedRun(
  deps: { store: CampaignStore; queues: TailorQueues },
  runId: string,
): Promise<RunRecord> {
  const run = await deps.store.requireRun(runId);
  if (run.state !== 'reviewed') {
    throw new Error(`run ${runId} is ${run.state}: only a reviewed dry run (state 'reviewed') can be sent`);
  }
  await deps.store.updateRun(runId, { dryRun: false, state: 'dispatching', finishedAt: '' });
  await deps.queues
    .get('dispatch')
    .add(JOB.dispatchPlan, { runId, step: 'fan-out' }, { jobId: jobIds.dispatchReviewed(runId) });
  return deps.store.requireRun(runId);
}

const FINAL_STATES = new Set(['completed', 'failed', 'cancelled', 'reviewed']);

/** Poll a run until it ends; onTick gets the record for progress display. */
export async function waitForRun(
  store: CampaignStore,
  runId: string,
  onTick?: (run: RunRecord) => void | Promise<void>,
  intervalMs = 200,
): Promise<RunRecord> {
  for (;;) {
    const run = await store.requireRun(runId);
    await onTick?.(run);
    if (FINAL_STATES.has(run.state)) return run;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
