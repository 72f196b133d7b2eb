import { Job } from 'bullmq';
import type { CampaignStore } from '../campaigns/campaign-store.js';
import type { RunControl } from '../campaigns/run-control.js';
import { summarizeRun } from '../campaigns/run-summary.js';
import { jobIds } from '../queues/campaign-flow.js';
import type { QueueName } from '../queues/queue-names.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import type { CampaignStatus } from './api-schemas.js';

export interface StatusDeps {
  store: CampaignStore;
  queues: TailorQueues;
  control: RunControl;
}

/** A run id, or a campaign id meaning its latest run; undefined when neither exists. */
export async function resolveRun(store: CampaignStore, id: string): Promise<string | undefined> {
  if (await store.getRun(id)) return id;
  return store.latestRunId(id);
}

async function jobState(queues: TailorQueues, queue: QueueName, jobId: string): Promise<string> {
  const job = await Job.fromId(queues.get(queue), jobId);
  // Completed jobs are removed after a week; the run record still says how it ended.
  return job ? await job.getState() : 'not-started';
}

/** What the API shows for a run: the run summary, its pause flag and each stage's job state. */
export async function campaignStatus(deps: StatusDeps, runId: string): Promise<CampaignStatus> {
  const [run, summary, paused, segment, generate, dispatch] = await Promise.all([
    deps.store.requireRun(runId),
    summarizeRun(deps.store, runId),
    deps.control.isPaused(runId),
    jobState(deps.queues, 'segment', jobIds.segment(runId)),
    jobState(deps.queues, 'generate', jobIds.generate(runId)),
    jobState(deps.queues, 'dispatch', jobIds.dispatchPlan(runId)),
  ]);
  const self = `/api/campaigns/${encodeURIComponent(runId)}`;
  return {
    campaignId: summary.campaignId,
    runId,
    name: summary.name,
    state: summary.state,
    paused,
    dryRun: run.dryRun,
    dataset: summary.dataset,
    createdAt: run.createdAt,
    methods: summary.methods,
    customers: summary.customers,
    recipients: summary.recipients,
    sent: summary.sent,
    skipped: summary.skipped,
    failed: summary.failed,
    pending: summary.pending,
    adRows: summary.adRows,
    copy: summary.copy,
    stages: {
      segment: { state: segment },
      predict: { progress: summary.progress.predict },
      generate: { state: generate },
      dispatch: { state: dispatch, progress: summary.progress.dispatch },
    },
    ...(summary.seconds !== undefined ? { seconds: summary.seconds } : {}),
    ...(summary.error ? { error: summary.error } : {}),
    links: {
      self,
      ...(run.spec.channels.includes('email') ? { preview: `${self}/preview?customer={customerId}` } : {}),
    },
  };
}
