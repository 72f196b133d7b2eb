import { type Job, MetricsTime, type Processor, Worker } from 'bullmq';
import { JOB } from '../queues/job-payloads.js';
import type { QueueName } from '../queues/queue-names.js';
import { SCHEDULED_CAMPAIGN_JOB } from '../schedules/schedule-spec.js';
import { scheduledCampaignProcessor } from '../schedules/scheduled-campaign-processor.js';
import { campaignProcessor } from './campaign-processor.js';
import { dispatchChunkProcessor, dispatchPlanProcessor } from './dispatch-processor.js';
import { generateProcessor } from './generate-processor.js';
import { predictProcessor } from './predict-processor.js';
import { RETRAIN_JOB, retrainProcessor } from './retrain.js';
import { segmentProcessor } from './segment-processor.js';
import type { StageContext } from './stage-context.js';

export const DEFAULT_CONCURRENCY: Record<QueueName, number> = {
  campaigns: 4,
  segment: 1,
  predict: 2,
  generate: 1,
  dispatch: 4,
};

/** Lock durations above each stage's p99 job time, so a busy job is not taken for stalled. */
const LOCK_MS: Record<QueueName, number> = {
  campaigns: 30_000,
  segment: 300_000,
  predict: 120_000,
  generate: 600_000,
  dispatch: 60_000,
};

function processorFor(queue: QueueName, context: StageContext): Processor {
  switch (queue) {
    case 'campaigns': {
      const start = campaignProcessor(context);
      const scheduled = scheduledCampaignProcessor(context);
      return (job: Job) => (job.name === SCHEDULED_CAMPAIGN_JOB ? scheduled(job) : start(job));
    }
    case 'segment':
      return segmentProcessor(context);
    case 'predict': {
      const predict = predictProcessor(context);
      const retrain = retrainProcessor(context);
      return (job: Job, token?: string) => (job.name === RETRAIN_JOB ? retrain(job) : predict(job, token));
    }
    case 'generate':
      return generateProcessor(context);
    case 'dispatch': {
      const plan = dispatchPlanProcessor(context);
      const chunk = dispatchChunkProcessor(context);
      return (job: Job, token?: string) =>
        job.name === JOB.dispatchPlan ? plan(job, token) : chunk(job, token);
    }
  }
}

export interface WorkerPool {
  workers: Worker[];
  close(): Promise<void>;
}

/**
 * BullMQ workers for the given queues in this process. close() stops taking jobs and waits
 * for the ones in flight, so SIGTERM never abandons a half-sent chunk.
 */
export function startWorkers(
  context: StageContext,
  options: { queues: QueueName[]; concurrency?: Partial<Record<QueueName, number>> },
): WorkerPool {
  // Shorter locks make a killed worker's jobs come back sooner (tests, chaos runs); the
  // defaults suit production, where a busy stage must never look stalled.
  const lockOverride = positiveEnv('TAILOR_LOCK_DURATION_MS');
  const stalledInterval = positiveEnv('TAILOR_STALLED_INTERVAL_MS');
  const workers = options.queues.map((queue) => {
    const worker = new Worker(queue, processorFor(queue, context), {
      connection: context.redis,
      prefix: context.queues.prefix,
      concurrency: options.concurrency?.[queue] ?? DEFAULT_CONCURRENCY[queue],
      lockDuration: lockOverride ?? LOCK_MS[queue],
      // A killed worker leaves its jobs stalled; let them be picked up again. A send chunk
      // re-run cannot send twice (ledger leases), so it may stall often before it counts as failed.
      maxStalledCount: queue === 'dispatch' ? 20 : 5,
      // Per-minute completed/failed counts kept in Redis: /metrics reports their totals.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK * 2 },
      ...(stalledInterval ? { stalledInterval } : {}),
    });
    worker.on('failed', (job, error) => {
      if (!job || job.name === JOB.dispatchChunk) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      if (final && typeof job.data?.runId === 'string') {
        void context.store
          .updateRun(job.data.runId, {
            state: 'failed',
            error: `${queue}: ${error.message}`,
            finishedAt: new Date().toISOString(),
          })
          .catch(() => {});
      }
    });
    worker.on('error', () => {}); // connection errors: BullMQ reconnects; jobs report their own failures
    return worker;
  });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

function positiveEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer (milliseconds)`);
  return value;
}
