import type { Command } from 'commander';
import { writeCampaignReport } from '../report/report-file.js';
import { resolveRunId } from './campaign-command.js';
import { printJson, withRuntime } from './cli-runtime.js';

/**
 * `tailor campaign report ID --out FILE.html`: the run's report as one self-contained HTML file
 * (opens offline). Registers under the `campaign` command, so call it after
 * registerCampaignCommands.
 */
export function registerReportCommand(program: Command): void {
  const campaign = program.commands.find((command) => command.name() === 'campaign');
  if (!campaign) throw new Error('registerReportCommand: register the campaign command first');
  campaign
    .command('report')
    .argument('<id>', 'campaign id (latest run) or run id')
    .option('--out <file>', 'HTML file to write (default: <run id>-report.html here)')
    .description('write the campaign report (segments, predictions, copy, delivery) as one HTML file')
    .action(async (id: string, options: { out?: string }) => {
      const started = performance.now();
      await withRuntime(async (runtime) => {
        const runId = await resolveRunId(runtime, id);
        const written = await writeCampaignReport(
          {
            redis: runtime.redis.client,
            store: runtime.store,
            queues: runtime.queues,
            openSnapshot: (dataset, version) => runtime.snapshots.get(dataset, version),
            home: runtime.home,
          },
          runId,
          options.out ?? `${runId}-report.html`,
        );
        printJson({
          runId,
          report: written.path,
          bytes: written.bytes,
          seconds: Math.round((performance.now() - started) / 10) / 100,
        });
      });
    });
}
