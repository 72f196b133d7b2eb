import { type Job, UnrecoverableError } from 'bullmq';
import { enqueueCampaign } from '../campaigns/enqueue-campaign.js';
import { InvalidSpecError } from '../queues/campaign-spec.js';
import { parsePayload, type StageContext } from '../workers/stage-context.js';
import {
  DEFAULT_CAP_WINDOW_DAYS,
  parseScheduledSpec,
  ScheduledCampaignPayload,
  type ScheduledCampaignSpec,
  scheduledCampaignId,
} from './schedule-spec.js';

export interface ScheduledCampaignResult {
  campaignId: string;
  runId: string;
  /** True when a retried firing found the run it had already created. */
  reused: boolean;
}

/**
 * `campaigns` queue, job name `scheduled-campaign`: one firing of a re-engagement schedule.
 * Enqueues a new campaign (id `<schedule>-<firing time>`) for the spec's lapsed audience with
 * its frequency cap; the dispatch stage applies the cap customer by customer.
 */
export function scheduledCampaignProcessor(context: StageContext) {
  return async (job: Job): Promise<ScheduledCampaignResult> => {
    const payload = parsePayload(ScheduledCampaignPayload, job);
    let spec: ScheduledCampaignSpec;
    try {
      spec = parseScheduledSpec(payload.spec, `schedule ${payload.schedule}`);
    } catch (error) {
      if (error instanceof InvalidSpecError) throw new UnrecoverableError(error.message);
      throw error;
    }
    // prevMillis is the tick this job was created for: the same on every retry of this firing.
    const firedAt = Number(job.opts.prevMillis ?? job.timestamp);
    const campaignId = scheduledCampaignId(payload.schedule, firedAt);
    const existing = await context.store.latestRunId(campaignId);
    if (existing) return { campaignId, runId: existing, reused: true };
    // The cap travels in the run's stored spec, where dispatch reads it (capOfSpec).
    const runSpec: ScheduledCampaignSpec = {
      ...spec,
      id: campaignId,
      frequencyCap: spec.frequencyCap ?? { group: 'reengagement', windowDays: DEFAULT_CAP_WINDOW_DAYS },
    };
    const run = await enqueueCampaign(
      {
        store: context.store,
        queues: context.queues,
        openSnapshot: (dataset) => context.snapshots.get(dataset),
      },
      runSpec,
    );
    return { campaignId, runId: run.runId, reused: false };
  };
}
