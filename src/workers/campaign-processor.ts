import type { Job } from 'bullmq';
import { buildCampaignFlow } from '../queues/campaign-flow.js';
import { StartCampaignPayload } from '../queues/job-payloads.js';
import { parsePayload, type StageContext } from './stage-context.js';

/** `campaigns` queue: turn a queued run into its BullMQ flow. Idempotent: job ids are fixed. */
export function campaignProcessor(context: StageContext) {
  return async (job: Job) => {
    const { runId } = parsePayload(StartCampaignPayload, job);
    const run = await context.store.requireRun(runId);
    if (run.state === 'cancelled') return { runId, state: run.state };
    await context.queues.flows.add(buildCampaignFlow(run));
    if (run.state === 'queued')
      await context.store.updateRun(runId, { state: 'running', startedAt: new Date().toISOString() });
    return { runId, chunks: run.chunks };
  };
}
