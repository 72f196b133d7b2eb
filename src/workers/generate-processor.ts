import type { Job } from 'bullmq';
import { AUDIENCE } from '../campaigns/chunk-codec.js';
import { copyRequestFor, SegmentProductTally, segmentKeyOf } from '../campaigns/copy-plan.js';
import { gateRun } from '../campaigns/run-control.js';
import type { CopyRequest } from '../generation/copywriter.js';
import { chunkRanges, PREDICT_CHUNK } from '../queues/campaign-flow.js';
import { GeneratePayload } from '../queues/job-payloads.js';
import { parsePayload, type StageContext } from './stage-context.js';

/** Requests handed to the copywriter at once: bounds memory and gives progress. */
const WRITE_BATCH = 64;

/**
 * `generate` queue: collect the distinct copy keys of the audience (segment × product set ×
 * channel, or per customer), skip those already written for this run (a retried job), write
 * the rest, store them with the run.
 */
export function generateProcessor(context: StageContext) {
  return async (job: Job, token?: string) => {
    const { runId } = parsePayload(GeneratePayload, job);
    const run = await context.store.requireRun(runId);
    if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { runId, cancelled: true };
    const snapshot = await context.snapshots.get(run.dataset, run.snapshotVersion);
    const [{ result: segments, assignments }, catalogue] = await Promise.all([
      context.store.loadSegments(runId),
      snapshot.products(),
    ]);
    const profiles = new Map(segments.profiles.map((p) => [p.id, p]));
    const personal = run.spec.personalisation === 'customer';

    // Two passes over the predictions: the segments' featured products, then the copy requests.
    const ranges = chunkRanges(run.customers, PREDICT_CHUNK);
    const tally = new SegmentProductTally();
    for (const range of ranges) {
      const { batch, audience } = await context.store.loadPrediction(runId, range.chunk, range.start);
      for (let i = 0; i < batch.length; i++) {
        if (audience[i] === AUDIENCE.outside) continue;
        tally.add(
          segmentKeyOf(audience[i], assignments[range.start + i]),
          batch.products.subarray(i * batch.k, (i + 1) * batch.k),
        );
      }
    }
    const segmentProducts = tally.top();
    await context.store.saveSegmentProducts(runId, segmentProducts);

    const pending = new Map<string, CopyRequest>();
    for (const range of ranges) {
      const { batch, audience } = await context.store.loadPrediction(runId, range.chunk, range.start);
      const customers = personal ? await snapshot.customers(range.start, range.end) : undefined;
      for (let i = 0; i < batch.length; i++) {
        if (audience[i] === AUDIENCE.outside) continue;
        for (const channel of run.spec.channels) {
          const request = copyRequestFor({
            spec: run.spec,
            channel,
            audience: audience[i],
            segmentId: assignments[range.start + i],
            profiles,
            productRow: batch.products.subarray(i * batch.k, (i + 1) * batch.k),
            segmentProducts,
            catalogue,
            customer: customers?.[i],
          });
          if (!pending.has(request.key)) pending.set(request.key, request);
        }
      }
    }

    const existing = await context.store.loadCopy(runId, [...pending.keys()]);
    const todo = [...pending.values()].filter((r) => !existing.has(r.key));
    const { copywriter, usage } = await context.methods.copywriter(
      run.spec.currency,
      catalogue.map((p) => p.title),
    );
    let model = 0;
    let fallback = 0;
    for (const r of existing.values()) r.source === 'model' ? model++ : fallback++;
    for (let at = 0; at < todo.length; at += WRITE_BATCH) {
      const results = await copywriter.write(todo.slice(at, at + WRITE_BATCH));
      await context.store.saveCopy(runId, results);
      for (const r of results) r.source === 'model' ? model++ : fallback++;
      await job.updateProgress(Math.round(((at + WRITE_BATCH) / todo.length) * 100));
    }
    await context.store.setChunkStats(runId, 'generate', 0, {
      copyKeys: pending.size,
      generateCalls: usage().generations,
      generatedTokens: usage().generatedTokens,
      reused: existing.size,
      copyModel: model,
      copyFallback: fallback,
    });
    await context.store.updateRun(runId, { copywriter: copywriter.name });
    return { keys: pending.size, written: todo.length, model, fallback };
  };
}
