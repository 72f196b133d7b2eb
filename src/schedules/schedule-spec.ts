import { z } from 'zod';
import { CampaignSpecSchema, InvalidSpecError } from '../queues/campaign-spec.js';
import { FrequencyCapSchema } from './frequency-cap.js';

/** Job name of a schedule's firing on the `campaigns` queue (beside `start`). */
export const SCHEDULED_CAMPAIGN_JOB = 'scheduled-campaign';

/** Cap applied when a schedule's spec names none: a re-engagement mail at most monthly. */
export const DEFAULT_CAP_WINDOW_DAYS = 30;

/** Short enough that `<name>-<YYYYMMDD-HHMMSSmmm>` stays a valid campaign id (63 characters). */
export const ScheduleNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,39}$/,
    'a schedule name is lower-case letters, digits and dashes (at most 40)',
  );

/**
 * A campaign spec as a schedule runs it: the ordinary spec plus its frequency cap.
 * (When CampaignSpecSchema gains `frequencyCap` itself, this extension is a no-op.)
 */
export const ScheduledCampaignSpecSchema = CampaignSpecSchema.extend({
  frequencyCap: FrequencyCapSchema.optional(),
});
export type ScheduledCampaignSpec = z.infer<typeof ScheduledCampaignSpecSchema>;

/** What a schedule's job carries: its name and the spec (a page of JSON, no customer data). */
export const ScheduledCampaignPayload = z.object({
  schedule: ScheduleNameSchema,
  spec: z.unknown(),
});
export type ScheduledCampaignJobData = z.infer<typeof ScheduledCampaignPayload>;

export function parseScheduledSpec(input: unknown, source: string): ScheduledCampaignSpec {
  const result = ScheduledCampaignSpecSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidSpecError(
      source,
      result.error.issues.map((issue) => ({
        field: issue.path.length ? issue.path.join('.') : '(root)',
        message: issue.message,
      })),
    );
  }
  const spec = result.data;
  if (spec.schedule.type !== 'now') {
    throw new InvalidSpecError(source, [
      {
        field: 'schedule',
        message:
          'a scheduled campaign runs when its schedule fires: remove "schedule" or use {"type": "now"}',
      },
    ]);
  }
  // `pastPredictedNextOrder` is read loosely: it exists once the audience schema gains it.
  const audience = spec.audience as { lapsedForDays?: number; pastPredictedNextOrder?: boolean };
  if (audience.lapsedForDays === undefined && !audience.pastPredictedNextOrder) {
    throw new InvalidSpecError(source, [
      {
        field: 'audience.lapsedForDays',
        message:
          'a re-engagement schedule needs an audience of lapsed customers (lapsedForDays or pastPredictedNextOrder)',
      },
    ]);
  }
  return spec;
}

/**
 * Each firing is its own campaign (the send ledger is per campaign, so reusing one id would
 * turn every later firing into `already-sent` skips); the id comes from the firing time, so a
 * retried firing finds the campaign it already created.
 */
export function scheduledCampaignId(schedule: string, firedAt: number): string {
  // Milliseconds included: interval schedules can fire twice within one second.
  const iso = new Date(firedAt).toISOString(); // 2025-01-31T09:00:00.000Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 23).replace(/[:.]/g, '')}`;
  return `${schedule}-${stamp}`;
}
