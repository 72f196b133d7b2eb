import type { FlowJob } from 'bullmq';
import type { RunRecord } from '../campaigns/campaign-store.js';
import { JOB } from './job-payloads.js';
import { DEFAULT_JOB_OPTIONS } from './tailor-queues.js';

/** Customers per predict job: large, since prediction is batched and cheap per customer. */
export const PREDICT_CHUNK = 10_000;

export interface ChunkRange {
  chunk: number;
  start: number;
  end: number;
}

export function chunkRanges(customers: number, size: number): ChunkRange[] {
  const out: ChunkRange[] = [];
  for (let chunk = 0, start = 0; start < customers; chunk++, start += size) {
    out.push({ chunk, start, end: Math.min(customers, start + size) });
  }
  return out;
}

/** Deterministic job ids: re-adding a run's jobs (a retried start) is a no-op in BullMQ. */
export const jobIds = {
  start: (runId: string) => `${runId}-start`,
  segment: (runId: string) => `${runId}-segment`,
  predict: (runId: string, chunk: number) => `${runId}-predict-${chunk}`,
  generate: (runId: string) => `${runId}-generate`,
  dispatchPlan: (runId: string) => `${runId}-dispatch`,
  /** The plan job that sends a reviewed dry run. */
  dispatchReviewed: (runId: string) => `${runId}-dispatch-reviewed`,
  dispatchChunk: (runId: string, chunk: number) => `${runId}-dispatch-${chunk}`,
};

/**
 * One BullMQ flow per campaign run. Children finish before their parent, so the tree reads
 * bottom-up: segment and the predict chunks run in parallel, generate waits for all of them,
 * and the dispatch plan job fans out the send chunks (it needs the audience, known only now)
 * and waits for them. A failed upstream stage fails the run instead of leaving it waiting.
 */
export function buildCampaignFlow(run: RunRecord): FlowJob {
  const upstream = { ...DEFAULT_JOB_OPTIONS, failParentOnFailure: true };
  const predictJobs: FlowJob[] = chunkRanges(run.customers, PREDICT_CHUNK).map((range) => ({
    name: JOB.predict,
    queueName: 'predict',
    data: { runId: run.runId, ...range },
    opts: { ...upstream, jobId: jobIds.predict(run.runId, range.chunk) },
  }));
  return {
    name: JOB.dispatchPlan,
    queueName: 'dispatch',
    data: { runId: run.runId, step: 'fan-out' },
    opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIds.dispatchPlan(run.runId) },
    children: [
      {
        name: JOB.generate,
        queueName: 'generate',
        data: { runId: run.runId },
        opts: { ...upstream, jobId: jobIds.generate(run.runId) },
        children: [
          {
            name: JOB.segment,
            queueName: 'segment',
            data: { runId: run.runId },
            opts: { ...upstream, jobId: jobIds.segment(run.runId) },
          },
          ...predictJobs,
        ],
      },
    ],
  };
}
