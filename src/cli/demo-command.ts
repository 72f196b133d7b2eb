import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CampaignStore } from '../campaigns/campaign-store.js';
import { enqueueCampaign, waitForRun } from '../campaigns/enqueue-campaign.js';
import { summarizeRun } from '../campaigns/run-summary.js';
import { projectRoot, tailorHome } from '../config/paths.js';
import { importDataset } from '../data/import-dataset.js';
import { campaignOutboxDir } from '../dispatch/outbox-transport.js';
import { QUEUE_NAMES } from '../queues/queue-names.js';
import { openRedis } from '../queues/redis-runtime.js';
import { TailorQueues } from '../queues/tailor-queues.js';
import { writeCampaignReport } from '../report/report-file.js';
import { trainInThread } from '../workers/retrain.js';
import { closeStageContext, createStageContext } from '../workers/stage-context.js';
import { startWorkers } from '../workers/worker-pool.js';
import { printJson } from './cli-runtime.js';
import { progressBar } from './progress.js';
import { readSpecFile } from './spec-file.js';

export const SAMPLE = {
  orders: join(projectRoot, 'data', 'sample', 'online_retail_sample.csv.gz'),
  customers: join(projectRoot, 'data', 'sample', 'customers.csv'),
  spec: join(projectRoot, 'examples', 'demo-campaign.json'),
};

/**
 * `tailor demo`: the whole system in one process on the shipped sample. It owns a sandbox under
 * `<home>/demo/` (wiped at start, so every demo run is a first send): a private Redis, the
 * snapshot, and the file outbox.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'import the sample, run every worker in-process and send the demo campaign to the .eml outbox',
    )
    .option('--spec <file>', 'campaign spec', SAMPLE.spec)
    .action(async (options: { spec: string }) => {
      const started = performance.now();
      const spec = readSpecFile(options.spec);
      const home = join(tailorHome(), 'demo');
      rmSync(home, { recursive: true, force: true });
      const redis = await openRedis({ home, url: process.env.TAILOR_DEMO_REDIS_URL ?? '' });
      const queues = new TailorQueues(redis.client);
      const context = createStageContext({
        redis: redis.client,
        queues,
        home,
        delivery: { transport: 'outbox' },
      });
      const pool = startWorkers(context, { queues: [...QUEUE_NAMES] });
      const bar = progressBar('demo');
      try {
        const imported = await importDataset({
          name: spec.dataset,
          root: home,
          orders: SAMPLE.orders,
          customers: SAMPLE.customers,
          onProgress: (p) =>
            bar.update(p.bytesRead, Math.max(p.bytesTotal, 1), `import: ${p.linesRead} lines`),
        });
        // Train the next-purchase model on the sample; it serves only if it beats the baseline.
        bar.update(0, 1, 'training the LSTM');
        const model = await trainInThread(home, spec.dataset);
        const store = new CampaignStore(redis.client);
        const run = await enqueueCampaign(
          { store, queues, openSnapshot: (d) => context.snapshots.get(d) },
          spec,
        );
        const finished = await waitForRun(store, run.runId, async (current) => {
          const s = await summarizeRun(store, current.runId);
          bar.update(
            s.sent + Object.values(s.skipped).reduce((a, b) => a + b, 0),
            Math.max(s.recipients, 1),
            current.state,
          );
        });
        bar.stop();
        const summary = await summarizeRun(store, finished.runId);
        // The campaign report, openable offline: what a manager looks at after the send.
        const report = await writeCampaignReport(
          {
            redis: redis.client,
            store,
            queues,
            openSnapshot: (dataset, version) => context.snapshots.get(dataset, version),
            home,
          },
          finished.runId,
          join(home, 'reports', `${finished.runId}.html`),
        );
        printJson({
          campaignId: summary.campaignId,
          runId: summary.runId,
          state: summary.state,
          imported: { customers: imported.manifest.customers, orderLines: imported.manifest.orderLines },
          recipients: summary.recipients,
          sent: summary.sent,
          skipped: summary.skipped,
          failed: summary.failed,
          predictor: { method: summary.methods.predictor, version: summary.methods.predictorVersion },
          model: model.trained
            ? {
                version: model.version,
                passed: model.passed,
                recall: model.metrics.lstm.recall,
                baselineRecall: model.metrics.baseline.recall,
              }
            : { trained: false, reason: model.reason },
          copy: summary.copy,
          generateCalls: summary.generateCalls,
          adRows: summary.adRows,
          seconds: Math.round((performance.now() - started) / 10) / 100,
          outbox: campaignOutboxDir(context.delivery.config.outboxDir, summary.campaignId),
          report: report.path,
          ...(summary.error ? { error: summary.error } : {}),
        });
        if (summary.state !== 'completed') process.exitCode = 1;
      } finally {
        bar.stop();
        await pool.close();
        await closeStageContext(context);
        await queues.close();
        await redis.close();
      }
    });
}
