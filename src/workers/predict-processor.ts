import type { Job } from 'bullmq';
import { profiledHistoryOnly, selectAudience } from '../campaigns/audience.js';
import { AUDIENCE } from '../campaigns/chunk-codec.js';
import { gateRun } from '../campaigns/run-control.js';
import { rankPopular } from '../prediction/popularity.js';
import { ChunkPayload } from '../queues/job-payloads.js';
import { parsePayload, type StageContext } from './stage-context.js';

/**
 * `predict` queue, one job per chunk of customers: decide who of the chunk is in the audience,
 * predict their next products, and give customers who object to profiling (or have no history)
 * the globally popular products instead of personal ones.
 */
export function predictProcessor(context: StageContext) {
  return async (job: Job, token?: string) => {
    const { runId, chunk, start, end } = parsePayload(ChunkPayload, job);
    const run = await context.store.requireRun(runId);
    if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { runId, cancelled: true };
    const snapshot = await context.snapshots.get(run.dataset, run.snapshotVersion);
    const [customers, aggregates, sequences, popularity] = await Promise.all([
      snapshot.customers(start, end),
      snapshot.aggregates(start, end),
      snapshot.baskets(start, end),
      snapshot.productPopularity(),
    ]);
    const audience = selectAudience(run.spec, customers, aggregates, snapshot.manifest.referenceTime);

    const predictor = await context.methods.predictor(snapshot);
    const k = run.spec.products;
    const batch = await predictor.predict(profiledHistoryOnly(sequences, audience), k, {
      popularity,
      referenceTime: snapshot.manifest.referenceTime,
    });
    const popular = rankPopular(1, k, popularity);
    let generic = 0;
    for (let i = 0; i < batch.length; i++) {
      if (audience[i] !== AUDIENCE.generic) continue;
      batch.products.set(popular, i * k);
      batch.expectedNextOrderAt[i] = Number.NaN;
      generic++;
    }
    await context.store.savePrediction(runId, chunk, { batch, audience });
    const inAudience = audience.reduce((sum, a) => sum + (a === AUDIENCE.outside ? 0 : 1), 0);
    await context.store.setChunkStats(runId, 'predict', chunk, {
      audience: inAudience,
      generic,
      customers: batch.length,
    });
    await context.store.updateRun(runId, {
      predictor: predictor.method,
      predictorVersion: predictor.version,
    });
    return { chunk, customers: batch.length, audience: inAudience };
  };
}
