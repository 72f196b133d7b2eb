import { Worker } from 'node:worker_threads';
import { type Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { compiledSibling } from '../config/compiled-path.js';
import type { TrainAndRegisterResult } from '../prediction/train-and-register.js';
import { parsePayload, type StageContext } from './stage-context.js';

export const RETRAIN_JOB = 'retrain';
export const RetrainPayload = z.object({ dataset: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/) });

export type RetrainOutcome =
  | ({ trained: true } & Pick<TrainAndRegisterResult, 'version' | 'passed' | 'metrics'>)
  | { trained: false; reason: string };

/**
 * Train the LSTM on a snapshot and register it, on a worker thread: training is a minute of
 * synchronous arithmetic that would otherwise stop BullMQ renewing the job's lock. Too little
 * history is not an error: the predict stage keeps serving the newest passing model or the
 * baseline.
 */
export function trainInThread(
  home: string,
  dataset: string,
  onEpoch?: (report: Record<string, unknown>) => void,
): Promise<RetrainOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(compiledSibling(import.meta.url, './train-thread.js'), {
      workerData: { home, dataset },
    });
    let outcome: RetrainOutcome | undefined;
    worker.on(
      'message',
      (message: { type: string; report?: Record<string, unknown>; result?: RetrainOutcome }) => {
        if (message.type === 'epoch' && message.report) onEpoch?.(message.report);
        if (message.type === 'done')
          outcome = { trained: true, ...(message.result as object) } as RetrainOutcome;
      },
    );
    worker.on('error', (error) => {
      if (/too little history/i.test(error.message)) resolve({ trained: false, reason: error.message });
      else reject(error);
    });
    worker.on('exit', (code) => {
      if (outcome) resolve(outcome);
      else if (code !== 0) reject(new Error(`training thread exited with code ${code}`));
    });
  });
}

/** `predict` queue job `retrain` (fired by the retraining job scheduler). */
export function retrainProcessor(context: StageContext) {
  return async (job: Job) => {
    const { dataset } = parsePayload(RetrainPayload, job);
    try {
      return await trainInThread(
        context.home,
        dataset,
        (report) => void job.updateProgress(report).catch(() => {}),
      );
    } catch (error) {
      if ((error as Error).name === 'SnapshotNotFoundError')
        throw new UnrecoverableError((error as Error).message);
      throw error;
    }
  };
}
