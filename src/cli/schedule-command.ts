import type { Command } from 'commander';
import { CampaignSchedules, type ScheduleInfo } from '../schedules/campaign-schedules.js';
import {
  DEFAULT_CAP_WINDOW_DAYS,
  parseScheduledSpec,
  type ScheduledCampaignSpec,
} from '../schedules/schedule-spec.js';
import { printJson, withRuntime } from './cli-runtime.js';
import { readSpecJson } from './spec-file.js';

/** A scheduled campaign spec file: the campaign spec plus an optional `frequencyCap`. */
export function readScheduledSpecFile(path: string): ScheduledCampaignSpec {
  return parseScheduledSpec(readSpecJson(path), path);
}

function positiveNumber(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${option} must be a positive number (got '${value}')`);
  return n;
}

function describeLine(s: ScheduleInfo): string {
  const when = s.cron ? `cron "${s.cron}" ${s.tz}` : `every ${s.every} ms`;
  const cap = s.frequencyCap
    ? `cap 1 per ${s.frequencyCap.windowDays} d (${s.frequencyCap.group})`
    : 'no cap';
  return `${s.name}: ${when}; next ${s.next ?? '-'}; fired ${s.fired}; ${s.campaign ?? '?'} on ${s.dataset ?? '?'}; ${cap}`;
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('re-engagement campaigns that run by themselves on a schedule');

  schedule
    .command('upsert')
    .argument('<name>', 'schedule name (lower-case letters, digits, dashes; at most 40)')
    .requiredOption('--spec <file>', 'campaign spec JSON with a lapsed audience (audience.lapsedForDays)')
    .option('--cron <pattern>', 'cron pattern, e.g. "0 9 * * 1" (Mondays 09:00); 6 fields = seconds first')
    .option('--tz <zone>', 'IANA time zone of the cron pattern (default UTC)')
    .option('--every <ms>', 'fire every this many milliseconds instead of a cron pattern')
    .option(
      '--cap-days <n>',
      `at most one mail of the cap group per customer in this many days (default: the spec's, else ${DEFAULT_CAP_WINDOW_DAYS})`,
    )
    .description('create or replace a schedule; each firing enqueues a campaign for lapsed customers')
    .action(
      async (
        name: string,
        options: { spec: string; cron?: string; tz?: string; every?: string; capDays?: string },
      ) => {
        const spec = readScheduledSpecFile(options.spec); // refused before anything touches Redis
        if (options.capDays !== undefined) {
          spec.frequencyCap = {
            group: spec.frequencyCap?.group ?? 'reengagement',
            windowDays: positiveNumber(options.capDays, '--cap-days'),
          };
        }
        const every = options.every === undefined ? undefined : positiveNumber(options.every, '--every');
        await withRuntime(async (runtime) => {
          const schedules = new CampaignSchedules(runtime.queues.get('campaigns'));
          printJson(await schedules.upsert({ name, cron: options.cron, tz: options.tz, every, spec }));
        });
      },
    );

  schedule
    .command('list')
    .option('--json', 'print JSON')
    .description('schedules with their next firing and cap')
    .action(async (options: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const list = await new CampaignSchedules(runtime.queues.get('campaigns')).list();
        if (options.json) printJson(list);
        else process.stdout.write(list.length ? `${list.map(describeLine).join('\n')}\n` : 'no schedules\n');
      });
    });

  schedule
    .command('remove')
    .argument('<name>', 'schedule name')
    .description('stop a schedule (campaigns it already started keep running)')
    .action(async (name: string) => {
      await withRuntime(async (runtime) => {
        const removed = await new CampaignSchedules(runtime.queues.get('campaigns')).remove(name);
        if (!removed) throw new Error(`no schedule named '${name}' (see \`tailor schedule list\`)`);
        printJson({ removed: name });
      });
    });
}
