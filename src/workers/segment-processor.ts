import type { Job } from 'bullmq';
import { gateRun } from '../campaigns/run-control.js';
import { FLAG_PROFILING_OBJECTION } from '../data/snapshot.js';
import { SegmentPayload } from '../queues/job-payloads.js';
import { parsePayload, type StageContext } from './stage-context.js';

/** `segment` queue: fit the run's segmentation on every profilable customer and store it. */
export function segmentProcessor(context: StageContext) {
  return async (job: Job, token?: string) => {
    const { runId } = parsePayload(SegmentPayload, job);
    const run = await context.store.requireRun(runId);
    if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { runId, cancelled: true };
    const snapshot = await context.snapshots.get(run.dataset, run.snapshotVersion);
    const n = snapshot.manifest.customers;
    const [aggregates, flags] = await Promise.all([snapshot.aggregates(0, n), snapshot.flags()]);
    const profilable = new Uint8Array(n);
    for (let i = 0; i < n; i++)
      profilable[i] = flags[i] & FLAG_PROFILING_OBJECTION || aggregates.orders[i] === 0 ? 0 : 1;

    const segmenter = context.methods.segmenter(run.spec.segmentation.method);
    await job.updateProgress(10);
    const result = await segmenter.segment({
      aggregates,
      referenceTime: snapshot.manifest.referenceTime,
      profilable,
      k: run.spec.segmentation.k,
      seed: run.spec.seed,
    });
    await context.store.saveSegments(
      runId,
      { method: result.method, k: result.k, profiles: result.profiles, details: result.details },
      result.assignments,
    );
    await context.store.updateRun(runId, { segmenter: result.method });
    return { method: result.method, k: result.k, sizes: result.profiles.map((p) => p.size) };
  };
}
