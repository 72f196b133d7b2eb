import type { Command } from 'commander';
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
  printJson(await summarizeRun(runtime.store, runId));
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
    .description('state, progress, sent, skipped by reason and failed of a campaign run')
    .action(async (id: string, options: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const summary = await summarizeRun(runtime.store, await resolveRunId(runtime, id));
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
            summary.error ? `  error: ${summary.error}` : '',
          ]
            .filter(Boolean)
            .join('\n') + '\n',
        );
      });
    });
}
