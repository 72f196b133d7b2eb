import type { Redis } from 'ioredis';
import type { CampaignEarnings } from '../audience/attribution.js';
import { campaignEarnings } from '../audience/earnings-store.js';
import type { CampaignStore, RunRecord } from './campaign-store.js';

/** What `campaign status` and the demo print: one run's outcome, by reason. */
export interface RunSummary {
  campaignId: string;
  runId: string;
  name: string;
  state: RunRecord['state'];
  dataset: string;
  methods: { segmenter?: string; predictor?: string; predictorVersion?: string; copywriter?: string };
  customers: number;
  recipients: number;
  sent: number;
  skipped: Record<string, number>;
  failed: Record<string, number>;
  /** Audience members no dispatch chunk has accounted for yet (or whose chunk failed). */
  pending: number;
  adRows: number;
  copy: { model: number; fallback: number };
  copyKeys: number;
  generateCalls: number;
  progress: { predict: number; dispatch: number };
  seconds?: number;
  error?: string;
  /** ISO 4217 code of the revenue figures. */
  currency: string;
  /**
   * What the campaign earned (every run of it): clicks, opens, attributed orders and revenue
   * per recipient next to its hold-out group, and the uplift. Present when the spec turns
   * tracking on and the summary was asked with a Redis connection.
   */
  earned?: CampaignEarnings;
}

/** `options.redis` adds what the campaign earned (campaigns whose spec turns tracking on). */
export async function summarizeRun(
  store: CampaignStore,
  runId: string,
  options: { redis?: Redis } = {},
): Promise<RunSummary> {
  const run = await store.requireRun(runId);
  const earned = options.redis ? await campaignEarnings(options.redis, run.campaignId, run.spec) : undefined;
  const { predict = {}, generate = {}, dispatch = {} } = await store.chunkTotalsByStage(runId);
  const skipped: Record<string, number> = {};
  const failed: Record<string, number> = {};
  for (const [name, n] of Object.entries(dispatch)) {
    if (name.startsWith('skipped:')) skipped[name.slice(8)] = n;
    else if (name.startsWith('failed:')) failed[name.slice(7)] = n;
  }
  const recipients = predict.audience ?? 0;
  const sent = dispatch.sent ?? 0;
  const accounted = sent + sum(skipped) + sum(failed);
  const started = run.startedAt ? Date.parse(run.startedAt) : undefined;
  const finished = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  return {
    campaignId: run.campaignId,
    runId,
    name: run.name,
    state: run.state,
    dataset: run.dataset,
    methods: {
      segmenter: run.segmenter,
      predictor: run.predictor,
      predictorVersion: run.predictorVersion,
      copywriter: run.copywriter,
    },
    customers: run.customers,
    recipients,
    sent,
    skipped,
    failed,
    pending: Math.max(0, recipients - accounted),
    adRows: dispatch.adRows ?? 0,
    copy: { model: generate.copyModel ?? 0, fallback: generate.copyFallback ?? 0 },
    copyKeys: generate.copyKeys ?? 0,
    generateCalls: generate.generateCalls ?? 0,
    progress: {
      predict: run.customers ? Math.min(1, (predict.customers ?? 0) / run.customers) : 1,
      dispatch: recipients ? Math.min(1, accounted / recipients) : run.state === 'completed' ? 1 : 0,
    },
    seconds: started ? Math.round((finished - started) / 10) / 100 : undefined,
    error: run.error,
    currency: run.spec.currency,
    ...(earned ? { earned } : {}),
  };
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
