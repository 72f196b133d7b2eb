import type { JobSchedulerJson, Queue } from 'bullmq';
import {
  DEFAULT_CAP_WINDOW_DAYS,
  SCHEDULED_CAMPAIGN_JOB,
  type ScheduledCampaignJobData,
  type ScheduledCampaignSpec,
  ScheduleNameSchema,
} from './schedule-spec.js';

/**
 * Re-engagement schedules as BullMQ job schedulers on the `campaigns` queue. BullMQ keeps one
 * scheduler per id in Redis and adds its next job only when the previous one is taken, so a
 * schedule fires once per tick however many workers run; any `campaigns` worker processes it.
 */

export interface ScheduleInput {
  name: string;
  /** Cron pattern (5 fields, or 6 with seconds first). */
  cron?: string;
  /** Fixed interval in ms instead of a cron pattern. */
  every?: number;
  /** IANA time zone the cron pattern is read in (default UTC). */
  tz?: string;
  spec: ScheduledCampaignSpec;
}

export interface ScheduleInfo {
  name: string;
  cron?: string;
  every?: number;
  tz?: string;
  /** ISO time of the next firing. */
  next?: string;
  fired: number;
  campaign?: string;
  dataset?: string;
  frequencyCap?: ScheduledCampaignSpec['frequencyCap'];
}

export class ScheduleInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ScheduleInputError';
  }
}

/** Scheduled firings are retried a few times (Redis hiccup, snapshot being re-imported). */
const TEMPLATE_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 30 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
} as const;

export function assertTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new ScheduleInputError(
      '--tz',
      `unknown time zone '${tz}' (use an IANA name such as Europe/London)`,
    );
  }
  return tz;
}

export class CampaignSchedules {
  constructor(private readonly queue: Queue) {}

  async upsert(input: ScheduleInput): Promise<ScheduleInfo> {
    const name = ScheduleNameSchema.safeParse(input.name);
    if (!name.success) throw new ScheduleInputError('NAME', name.error.issues[0].message);
    if ((input.cron === undefined) === (input.every === undefined)) {
      throw new ScheduleInputError(
        '--cron',
        'give either a cron pattern or an interval (--every), not both or neither',
      );
    }
    if (input.every !== undefined && !(Number.isInteger(input.every) && input.every >= 1_000)) {
      throw new ScheduleInputError('--every', 'must be a whole number of milliseconds, at least 1000');
    }
    if (input.tz !== undefined) assertTimeZone(input.tz);
    if (input.every !== undefined && input.tz !== undefined) {
      throw new ScheduleInputError('--tz', 'a time zone only applies to a cron pattern');
    }
    const spec: ScheduledCampaignSpec = {
      ...input.spec,
      frequencyCap: input.spec.frequencyCap ?? { group: 'reengagement', windowDays: DEFAULT_CAP_WINDOW_DAYS },
    };
    const data: ScheduledCampaignJobData = { schedule: name.data, spec };
    const repeat =
      input.cron !== undefined ? { pattern: input.cron, tz: input.tz ?? 'UTC' } : { every: input.every };
    try {
      await this.queue.upsertJobScheduler(name.data, repeat, {
        name: SCHEDULED_CAMPAIGN_JOB,
        data,
        opts: TEMPLATE_OPTIONS,
      });
    } catch (error) {
      // cron-parser's message says what is wrong with the pattern; name the option it came from.
      if (input.cron !== undefined) {
        throw new ScheduleInputError(
          '--cron',
          `'${input.cron}' is not a valid cron pattern: ${(error as Error).message}`,
        );
      }
      throw error;
    }
    const info = await this.get(name.data);
    if (!info) throw new Error(`schedule ${name.data} was not stored`);
    return info;
  }

  async get(name: string): Promise<ScheduleInfo | undefined> {
    const scheduler = await this.queue.getJobScheduler(name);
    return scheduler && scheduler.name === SCHEDULED_CAMPAIGN_JOB ? describe(scheduler) : undefined;
  }

  /** Every re-engagement schedule, soonest first. */
  async list(): Promise<ScheduleInfo[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all.filter((s) => s.name === SCHEDULED_CAMPAIGN_JOB).map(describe);
  }

  /** True when a schedule of that name existed. Campaigns it already started keep running. */
  async remove(name: string): Promise<boolean> {
    if (!(await this.get(name))) return false;
    return this.queue.removeJobScheduler(name);
  }
}

function describe(scheduler: JobSchedulerJson): ScheduleInfo {
  const data = scheduler.template?.data as Partial<ScheduledCampaignJobData> | undefined;
  const spec = (data?.spec ?? {}) as Partial<ScheduledCampaignSpec>;
  return {
    name: scheduler.key,
    ...(scheduler.pattern ? { cron: scheduler.pattern, tz: scheduler.tz ?? 'UTC' } : {}),
    ...(scheduler.every ? { every: Number(scheduler.every) } : {}),
    next: scheduler.next ? new Date(Number(scheduler.next)).toISOString() : undefined,
    fired: Number(scheduler.iterationCount ?? 0),
    campaign: spec.name,
    dataset: spec.dataset,
    frequencyCap: spec.frequencyCap,
  };
}
