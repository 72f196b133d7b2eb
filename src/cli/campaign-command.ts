import type { Command } from 'commander';
import { attributeOrders } from '../audience/attribute-orders.js';
import { earningsLines } from '../audience/earnings-text.js';
import { type OrderFileResult, readOrderFile } from '../audience/order-file.js';
import { enqueueCampaign, sendReviewedRun, waitForRun } from '../campaigns/enqueue-campaign.js';
import { summarizeRun } from '../campaigns/run-summary.js';
import { type CliRuntime, printJson, withRuntime } from './cli-runtime.js';
import { progressBar } from './progress.js';
import { readSpecFile } from './spec-file.js';

/** Accept a campaign id (its latest run) or a run id. */
export async function resolveRunId(runtime: CliRuntime, id: string): Promise<string> {
  if (await runtime.store.getRun(id)) return id;
  const latest = await runtime.store.latestRunId(id);
  if (!latest) throw new Error(`no campaign or run named '${id}'`);
  return latest;
}

async function waitAndPrint(runtime: CliRuntime, runId: string, json?: boolean): Promise<void> {
  const bar = json ? undefined : progressBar(runId);
  await waitForRun(runtime.store, runId, async (current) => {
    if (!bar) return;
    const summary = await summarizeRun(runtime.store, current.runId);
    bar.update(Math.round(summary.progress.dispatch * 100), 100, current.state);
  });
  bar?.stop();
  printJson(await summarizeRun(runtime.store, runId, { redis: runtime.redis.client }));
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('enqueue campaigns and follow them');

  campaign
    .command('enqueue')
    .argument('<spec>', 'campaign spec JSON file (see examples/)')
    .option('--wait', 'wait until the run ends and print its summary')
    .option(
      '--dry-run',
      'segment, predict and write copy, then stop for review (send later with `campaign send`)',
    )
    .option('--json', 'print only JSON')
    .description('validate a campaign spec and enqueue a run of it')
    .action(async (specPath: string, options: { wait?: boolean; json?: boolean; dryRun?: boolean }) => {
      const spec = readSpecFile(specPath); // refused before anything touches Redis
      await withRuntime(async (runtime) => {
        const run = await enqueueCampaign(
          { store: runtime.store, queues: runtime.queues, openSnapshot: (d) => runtime.snapshots.get(d) },
          spec,
          { dryRun: options.dryRun },
        );
        if (!options.wait) {
          printJson({
            campaignId: run.campaignId,
            runId: run.runId,
            state: run.state,
            customers: run.customers,
          });
          return;
        }
        await waitAndPrint(runtime, run.runId, options.json);
      });
    });

  campaign
    .command('send')
    .argument('<id>', 'campaign id (latest run) or run id of a reviewed dry run')
    .option('--wait', 'wait until the run ends and print its summary')
    .option('--json', 'print only JSON')
    .description('send a reviewed dry run exactly as reviewed')
    .action(async (id: string, options: { wait?: boolean; json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const run = await sendReviewedRun(runtime, await resolveRunId(runtime, id));
        if (!options.wait) {
          printJson({ campaignId: run.campaignId, runId: run.runId, state: run.state });
          return;
        }
        await waitAndPrint(runtime, run.runId, options.json);
      });
    });

  campaign
    .command('status')
    .argument('<id>', 'campaign id (latest run) or run id')
    .option('--json', 'print JSON')
    .description(
      'state, progress, sent, skipped by reason and failed of a campaign run; with tracking, what it earned next to its hold-out',
    )
    .action(async (id: string, options: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const summary = await summarizeRun(runtime.store, await resolveRunId(runtime, id), {
          redis: runtime.redis.client,
        });
        if (options.json) {
          printJson(summary);
          return;
        }
        const reasons = (counts: Record<string, number>) =>
          Object.entries(counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none';
        process.stdout.write(
          [
            `${summary.name} (${summary.runId}): ${summary.state}`,
            `  recipients ${summary.recipients}, sent ${summary.sent}, pending ${summary.pending}`,
            `  skipped: ${reasons(summary.skipped)}`,
            `  failed: ${reasons(summary.failed)}`,
            `  copy: model ${summary.copy.model}, fallback ${summary.copy.fallback}; ad rows ${summary.adRows}`,
            ...(summary.earned ? earningsLines(summary.earned, summary.currency) : []),
            summary.error ? `  error: ${summary.error}` : '',
          ]
            .filter(Boolean)
            .join('\n') + '\n',
        );
      });
    });

  campaign
    .command('attribute')
    .requiredOption('--orders <files...>', 'orders since the campaigns: generic schema or UCI Online Retail')
    .option('--format <format>', 'auto | generic | online-retail', 'auto')
    .option('--time-zone <zone>', 'zone of order times written without an offset', 'UTC')
    .option(
      '--window-days <n>',
      "attribution window (default: each campaign's tracking.attributionWindowDays)",
    )
    .option('--json', 'print only the JSON summary')
    .description(
      'attribute orders imported after campaigns to the campaign that last reached each customer within its window (campaigns with tracking); an order counts once however often it is attributed',
    )
    .action(
      async (options: {
        orders: string[];
        format: string;
        timeZone: string;
        windowDays?: string;
        json?: boolean;
      }) => {
        if (!['auto', 'generic', 'online-retail'].includes(options.format)) {
          throw new Error(`--format must be auto, generic or online-retail (got '${options.format}')`);
        }
        const windowDays = options.windowDays === undefined ? undefined : Number(options.windowDays);
        if (windowDays !== undefined && !(windowDays > 0 && windowDays <= 90)) {
          throw new Error(
            `--window-days must be a number of days from 0 to 90 (got '${options.windowDays}')`,
          );
        }
        // Files are read (and refused) before anything touches Redis.
        const read: OrderFileResult[] = [];
        for (const file of options.orders) {
          const result = await readOrderFile(file, {
            format: options.format as 'auto' | 'generic' | 'online-retail',
            naiveTimeZone: options.timeZone,
          });
          if (!options.json) {
            for (const reject of result.rejects.slice(0, 20)) {
              process.stderr.write(`rejected ${reject.file}:${reject.line}: ${reject.reason}\n`);
            }
          }
          read.push(result);
        }
        await withRuntime(async (runtime) => {
          const orders = read.flatMap((r) => r.orders);
          const summary = await attributeOrders(
            { redis: runtime.redis.client, store: runtime.store },
            orders,
            {
              windowDays,
            },
          );
          printJson({
            files: options.orders.length,
            lines: read.reduce((n, r) => n + r.lines, 0),
            rejected: read.reduce((n, r) => n + r.rejected, 0),
            ...summary,
          });
        });
      },
    );
}
