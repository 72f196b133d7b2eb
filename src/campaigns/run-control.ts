import { DelayedError, Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { chunkRanges, jobIds, PREDICT_CHUNK } from '../queues/campaign-flow.js';
import type { QueueName } from '../queues/queue-names.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import type { CampaignStore, RunRecord, RunState } from './campaign-store.js';
import { runKeys } from './run-keys.js';

/**
 * Pause, resume and cancel one campaign run, leaving every other run alone (BullMQ's queue
 * pause would stop all campaigns at once). A paused run keeps its jobs: each stage job checks
 * the run when it starts (`gateRun`) and, while the run is paused, moves itself back to delayed
 * for a few seconds without spending an attempt. Jobs already running finish their chunk, so a
 * pause takes effect at the next chunk boundary. Resume promotes the run's delayed jobs.
 * Cancel marks the run cancelled; each stage job then returns at once without doing work.
 */

export const FINAL_STATES: ReadonlySet<RunState> = new Set(['completed', 'failed', 'cancelled']);

/** How long a paused job waits before it looks again (resume promotes it sooner). */
export function pauseRecheckMs(): number {
  const ms = Number(process.env.TAILOR_PAUSE_RECHECK_MS ?? 5_000);
  return Number.isFinite(ms) && ms >= 50 ? ms : 5_000;
}

/** The pause flag sits beside the run's other keys (same hash tag) and expires with them. */
export const pausedKey = (runId: string) => `${runKeys(runId).record}:paused`;

export class RunControlError extends Error {
  constructor(
    message: string,
    readonly status: 404 | 409,
  ) {
    super(message);
    this.name = 'RunControlError';
  }
}

// Compare-and-set on the run record: a run that already ended keeps its final state.
const CANCEL_SCRIPT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state == 'completed' or state == 'failed' or state == 'cancelled' then return state end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'finishedAt', ARGV[1])
redis.call('DEL', KEYS[2])
return 'ok'
`;

export type GateDecision = 'proceed' | 'cancelled';

/**
 * The check a stage processor makes first, with the run it has already loaded:
 * `if ((await gateRun(context.redis, run, job, token)) === 'cancelled') return { cancelled: true };`
 * While the run is paused it moves the job to delayed and throws BullMQ's DelayedError, which
 * the worker treats as "not finished, no attempt spent".
 */
export async function gateRun(
  redis: Redis,
  run: RunRecord,
  job: Job,
  token: string | undefined,
): Promise<GateDecision> {
  if (run.state === 'cancelled') return 'cancelled';
  if ((await redis.exists(pausedKey(run.runId))) === 0) return 'proceed';
  await job.moveToDelayed(Date.now() + pauseRecheckMs(), token);
  throw new DelayedError(`campaign run ${run.runId} is paused`);
}

export class RunControl {
  constructor(
    private readonly redis: Redis,
    private readonly store: CampaignStore,
    private readonly queues: TailorQueues,
  ) {}

  async isPaused(runId: string): Promise<boolean> {
    return (await this.redis.exists(pausedKey(runId))) === 1;
  }

  async pause(runId: string): Promise<RunRecord> {
    const run = await this.requireActive(runId, 'pause');
    await this.redis.set(pausedKey(runId), new Date().toISOString(), 'EX', this.store.retentionSeconds);
    return run;
  }

  async resume(runId: string): Promise<RunRecord> {
    const run = await this.requireActive(runId, 'resume');
    await this.redis.del(pausedKey(runId));
    await this.promoteDelayed(run);
    return run;
  }

  async cancel(runId: string): Promise<RunRecord> {
    const result = (await this.redis.eval(
      CANCEL_SCRIPT,
      2,
      runKeys(runId).record,
      pausedKey(runId),
      new Date().toISOString(),
    )) as string;
    if (result === 'missing') throw new RunControlError(`campaign run ${runId} not found`, 404);
    if (result !== 'ok')
      throw new RunControlError(`campaign run ${runId} has already ended (${result})`, 409);
    // A start job still waiting (e.g. scheduled for later) is removed; one already running
    // sees the cancelled state itself.
    await this.queues
      .get('campaigns')
      .remove(jobIds.start(runId))
      .catch(() => 0);
    const run = await this.store.requireRun(runId);
    await this.promoteDelayed(run); // so paused or backing-off jobs end now instead of later
    return run;
  }

  private async requireActive(runId: string, action: string): Promise<RunRecord> {
    const run = await this.store.getRun(runId);
    if (!run) throw new RunControlError(`campaign run ${runId} not found`, 404);
    if (FINAL_STATES.has(run.state)) {
      throw new RunControlError(
        `cannot ${action} campaign run ${runId}: it has already ended (${run.state})`,
        409,
      );
    }
    return run;
  }

  /**
   * Stage jobs of a run have deterministic ids, so they are found without scanning the delayed
   * set. The start job is left alone: its delay is the campaign's own schedule.
   */
  private async promoteDelayed(run: RunRecord): Promise<void> {
    const ids: [QueueName, string][] = [
      ['segment', jobIds.segment(run.runId)],
      ['generate', jobIds.generate(run.runId)],
      ['dispatch', jobIds.dispatchPlan(run.runId)],
      ...chunkRanges(run.customers, PREDICT_CHUNK).map((r): [QueueName, string] => [
        'predict',
        jobIds.predict(run.runId, r.chunk),
      ]),
      ...Array.from({ length: run.chunks }, (_, c): [QueueName, string] => [
        'dispatch',
        jobIds.dispatchChunk(run.runId, c),
      ]),
    ];
    const BATCH = 100;
    for (let at = 0; at < ids.length; at += BATCH) {
      await Promise.all(
        ids.slice(at, at + BATCH).map(async ([queue, id]) => {
          const job = await Job.fromId(this.queues.get(queue), id);
          if (job && (await job.isDelayed())) await job.promote().catch(() => {});
        }),
      );
    }
  }
}
