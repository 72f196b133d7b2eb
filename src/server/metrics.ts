import type { CampaignStore } from '../campaigns/campaign-store.js';
import { type RunSummary, summarizeRun } from '../campaigns/run-summary.js';
import { QUEUE_NAMES } from '../queues/queue-names.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import { formatPrometheus, type MetricFamily, type MetricSample } from './prometheus-text.js';

/** Job states reported per queue (BullMQ's own names). */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

/** Campaigns whose latest run is reported: bounds label cardinality and the work per scrape. */
const RECENT_CAMPAIGNS = 20;

/** Scrapes closer together than this share one collection. */
const CACHE_MS = 2_000;

/**
 * Everything /metrics shows. Queue depths and job totals come from BullMQ (the totals are
 * BullMQ's persistent metrics counters, so they survive restarts and count every worker; they
 * stay 0 unless workers run with the `metrics` option). Per-campaign figures are gauges of the
 * latest run of the most recent campaigns: sends by outcome and reason, copy written by the
 * model versus the template fallback, and tokens generated when the generate stage reports them.
 */
export class MetricsCollector {
  private cached?: { at: number; text: Promise<string> };

  constructor(
    private readonly queues: TailorQueues,
    private readonly store: CampaignStore,
  ) {}

  collect(): Promise<string> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.text;
    const text = this.build();
    this.cached = { at: now, text };
    text.catch(() => {
      this.cached = undefined;
    });
    return text;
  }

  private async build(): Promise<string> {
    const [queueFamilies, runFamilies] = await Promise.all([this.queueFamilies(), this.runFamilies()]);
    return formatPrometheus([...queueFamilies, ...runFamilies]);
  }

  private async queueFamilies(): Promise<MetricFamily[]> {
    const depth: MetricSample[] = [];
    const completed: MetricSample[] = [];
    const failed: MetricSample[] = [];
    await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const queue = this.queues.get(name);
        const [counts, done, failures] = await Promise.all([
          queue.getJobCounts(...QUEUE_STATES),
          queue.getMetrics('completed', 0, 0),
          queue.getMetrics('failed', 0, 0),
        ]);
        for (const state of QUEUE_STATES)
          depth.push({ labels: { queue: name, state }, value: counts[state] ?? 0 });
        completed.push({ labels: { queue: name }, value: Number(done.meta.count ?? 0) });
        failed.push({ labels: { queue: name }, value: Number(failures.meta.count ?? 0) });
      }),
    );
    const byQueue = (a: MetricSample, b: MetricSample) =>
      QUEUE_NAMES.indexOf(a.labels?.queue as never) - QUEUE_NAMES.indexOf(b.labels?.queue as never);
    return [
      {
        name: 'tailor_queue_jobs',
        help: 'Jobs in each queue by state.',
        type: 'gauge',
        samples: depth.sort(byQueue),
      },
      {
        name: 'tailor_jobs_completed_total',
        help: 'Jobs completed per queue (BullMQ metrics); rate() of it is jobs per second.',
        type: 'counter',
        samples: completed.sort(byQueue),
      },
      {
        name: 'tailor_jobs_failed_total',
        help: 'Jobs failed per queue, retries included (BullMQ metrics).',
        type: 'counter',
        samples: failed.sort(byQueue),
      },
    ];
  }

  private async runFamilies(): Promise<MetricFamily[]> {
    const campaigns = await this.store.listCampaigns(RECENT_CAMPAIGNS);
    const runs: { summary: RunSummary; tokens?: number }[] = [];
    for (const campaignId of campaigns) {
      const runId = await this.store.latestRunId(campaignId);
      if (!runId) continue;
      try {
        const [summary, generate] = await Promise.all([
          summarizeRun(this.store, runId),
          this.store.chunkTotals(runId, 'generate'),
        ]);
        runs.push({ summary, tokens: generate.generatedTokens });
      } catch {
        // the run expired between listing and reading it
      }
    }
    const sends: MetricSample[] = [];
    const copy: MetricSample[] = [];
    const tokens: MetricSample[] = [];
    const recipients: MetricSample[] = [];
    const states = new Map<string, number>();
    for (const { summary: s, tokens: t } of runs) {
      const labels = { campaign: s.campaignId, run: s.runId };
      sends.push({ labels: { ...labels, outcome: 'sent', reason: '' }, value: s.sent });
      for (const [reason, n] of Object.entries(s.skipped))
        sends.push({ labels: { ...labels, outcome: 'skipped', reason }, value: n });
      for (const [reason, n] of Object.entries(s.failed))
        sends.push({ labels: { ...labels, outcome: 'failed', reason }, value: n });
      copy.push({ labels: { ...labels, source: 'model' }, value: s.copy.model });
      copy.push({ labels: { ...labels, source: 'fallback' }, value: s.copy.fallback });
      if (t !== undefined) tokens.push({ labels, value: t });
      recipients.push({ labels, value: s.recipients });
      states.set(s.state, (states.get(s.state) ?? 0) + 1);
    }
    return [
      {
        name: 'tailor_campaign_runs',
        help: `Latest runs of the ${RECENT_CAMPAIGNS} most recent campaigns, by state.`,
        type: 'gauge',
        samples: [...states].map(([state, value]) => ({ labels: { state }, value })),
      },
      {
        name: 'tailor_campaign_recipients',
        help: 'Audience size of the run.',
        type: 'gauge',
        samples: recipients,
      },
      {
        name: 'tailor_campaign_sends',
        help: 'Deliveries of the run by outcome (sent, skipped, failed) and reason.',
        type: 'gauge',
        samples: sends,
      },
      {
        name: 'tailor_campaign_copy',
        help: 'Copy variants of the run written by the model or by the template fallback.',
        type: 'gauge',
        samples: copy,
      },
      {
        name: 'tailor_campaign_tokens_generated',
        help: 'Tokens the language model generated for the run (0 with template copy; absent before generate ran).',
        type: 'gauge',
        samples: tokens,
      },
    ];
  }
}
