import { Job } from 'bullmq';
import type { RunRecord } from '../src/campaigns/campaign-store.js';
import { chunkRanges, jobIds, PREDICT_CHUNK } from '../src/queues/campaign-flow.js';
import type { QueueName } from '../src/queues/queue-names.js';
import type { TailorQueues } from '../src/queues/tailor-queues.js';

/** Wall-clock span of one stage: its first job's start to its last job's end, in seconds. */
export interface StageSpan {
  jobs: number;
  /** Seconds from the run's enqueue to the stage's first job start. */
  startedAfter: number;
  seconds: number;
}

/**
 * Where a run's time went, from BullMQ's own job timestamps (processedOn, finishedOn) of the
 * run's deterministic job ids. Parallel chunks of a stage count once: first start to last end.
 */
export async function stageTimings(
  queues: TailorQueues,
  run: RunRecord,
  enqueuedAt: number,
): Promise<Record<'segment' | 'predict' | 'generate' | 'dispatch', StageSpan>> {
  const span = async (queue: QueueName, ids: string[]): Promise<StageSpan> => {
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let jobs = 0;
    for (let at = 0; at < ids.length; at += 200) {
      const found = await Promise.all(ids.slice(at, at + 200).map((id) => Job.fromId(queues.get(queue), id)));
      for (const job of found) {
        if (!job?.processedOn || !job.finishedOn) continue;
        jobs++;
        first = Math.min(first, job.processedOn);
        last = Math.max(last, job.finishedOn);
      }
    }
    if (jobs === 0) return { jobs, startedAfter: Number.NaN, seconds: Number.NaN };
    return { jobs, startedAfter: round((first - enqueuedAt) / 1000), seconds: round((last - first) / 1000) };
  };
  const predictIds = chunkRanges(run.customers, PREDICT_CHUNK).map((r) => jobIds.predict(run.runId, r.chunk));
  const dispatchIds = Array.from({ length: run.chunks }, (_, c) => jobIds.dispatchChunk(run.runId, c));
  return {
    segment: await span('segment', [jobIds.segment(run.runId)]),
    predict: await span('predict', predictIds),
    generate: await span('generate', [jobIds.generate(run.runId)]),
    dispatch: await span('dispatch', dispatchIds),
  };
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
