import type { Command } from 'commander';
import { tailorHome } from '../config/paths.js';
import { ALL_METHODS, type EvaluatedMethod, evaluateOrders } from '../prediction/evaluate-orders.js';
import { RETRAIN_JOB, trainInThread } from '../workers/retrain.js';
import { printJson, withRuntime } from './cli-runtime.js';

const retrainSchedulerId = (dataset: string) => `retrain-${dataset}`;

export function registerPredictCommands(program: Command): void {
  const predict = program
    .command('predict')
    .description('next-purchase models: evaluate, train, schedule retraining');

  predict
    .command('evaluate')
    .description("hold out each customer's last basket; Recall/NDCG/HR@K of the LSTM and the baselines")
    .requiredOption('--orders <files...>', 'orders file(s)')
    .option('--format <format>', 'auto | online-retail | generic', 'auto')
    .option('--k <k>', 'cut-off K', '10')
    .option('--methods <list>', `comma-separated subset of ${ALL_METHODS.join(',')}`)
    .option('--json', 'print only the JSON line')
    .action(async (options) => {
      const k = Number(options.k);
      if (!Number.isInteger(k) || k < 1)
        throw new Error(`--k must be a positive integer (got '${options.k}')`);
      const methods = options.methods ? (String(options.methods).split(',') as EvaluatedMethod[]) : undefined;
      for (const m of methods ?? []) {
        if (!ALL_METHODS.includes(m))
          throw new Error(`--methods: unknown method '${m}' (${ALL_METHODS.join(', ')})`);
      }
      const result = await evaluateOrders({
        orders: options.orders,
        format: options.format,
        k,
        methods,
        onMethod: options.json
          ? undefined
          : (name, r) =>
              process.stderr.write(`${name}: recall ${r.recall.toFixed(4)} ndcg ${r.ndcg.toFixed(4)}\n`),
      });
      printJson(result);
    });

  predict
    .command('train')
    .description('train the LSTM on an imported dataset and register it (served once it beats the baseline)')
    .requiredOption('--dataset <name>', 'snapshot name')
    .option('--json', 'print only the JSON line')
    .action(async (options: { dataset: string; json?: boolean }) => {
      const outcome = await trainInThread(tailorHome(), options.dataset, (report) => {
        if (!options.json) process.stderr.write(`epoch ${JSON.stringify(report)}\n`);
      });
      printJson(outcome);
    });

  predict
    .command('schedule')
    .description('retrain on a cron schedule (a BullMQ job scheduler on the predict queue)')
    .requiredOption('--dataset <name>', 'snapshot name (re-import it to train on fresh orders)')
    .option('--cron <expr>', 'cron pattern', '0 3 * * 0')
    .option('--tz <zone>', 'time zone of the pattern', 'UTC')
    .option('--remove', 'remove the schedule')
    .action(async (options: { dataset: string; cron: string; tz: string; remove?: boolean }) => {
      await withRuntime(async (runtime) => {
        const queue = runtime.queues.get('predict');
        const id = retrainSchedulerId(options.dataset);
        if (options.remove) {
          printJson({ removed: await queue.removeJobScheduler(id), scheduler: id });
          return;
        }
        await queue.upsertJobScheduler(
          id,
          { pattern: options.cron, tz: options.tz },
          { name: RETRAIN_JOB, data: { dataset: options.dataset }, opts: { attempts: 2 } },
        );
        const scheduler = await queue.getJobScheduler(id);
        printJson({
          scheduler: id,
          cron: options.cron,
          tz: options.tz,
          next: scheduler?.next ? new Date(scheduler.next).toISOString() : null,
        });
      });
    });
}
