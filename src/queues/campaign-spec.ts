import { z } from 'zod';
import { isTimeZone } from '../data/timestamps.js';
import { FrequencyCapSchema } from '../schedules/frequency-cap.js';

/**
 * A campaign as a campaign manager writes it (JSON). Validated at every boundary (CLI, API,
 * schedules); an invalid spec is refused with the field named and nothing is enqueued.
 */
const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and dashes (at most 63)');

export const AudienceSchema = z
  .object({
    /** Only customers with at least this many orders. */
    minOrders: z.number().int().min(0).default(1),
    /** Only customers whose last order is within this many days of the data's reference time. */
    lastOrderWithinDays: z.number().positive().optional(),
    /** Only customers with no order for at least this many days (re-engagement). */
    lapsedForDays: z.number().positive().optional(),
    countries: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const SenderSchema = z
  .object({
    name: z.string().min(1).max(80),
    email: z.email(),
    /** Postal address shown in the footer (CAN-SPAM and similar laws ask for one). */
    postalAddress: z.string().max(200).default(''),
  })
  .strict();

/** A wall-clock time of day, `HH:MM` or `HH:MM:SS` (24-hour). */
export const LocalTimeSchema = z
  .string()
  .regex(/^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$/, 'a time of day such as 09:30 (24-hour HH:MM)');

const timeZone = z.string().refine(isTimeZone, 'an IANA time zone such as Europe/London');

export const ScheduleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('now') }).strict(),
  z.object({ type: z.literal('at'), at: z.iso.datetime({ offset: true }) }).strict(),
  /**
   * At a wall-clock time in each customer's own time zone (the customer's, else their
   * country's, else `brand.timeZone`): the next such time after the run is planned, or on
   * `date` (a customer whose time on that date has already passed gets it at once).
   */
  z
    .object({
      type: z.literal('local'),
      time: LocalTimeSchema,
      date: z.iso.date().optional(),
    })
    .strict(),
]);

/** No marketing mail between these local times of the customer (wraps past midnight when start > end). */
export const QuietHoursSchema = z
  .object({ start: LocalTimeSchema, end: LocalTimeSchema })
  .strict()
  .refine((q) => q.start !== q.end, 'start and end must differ');

/** Longest rolling window a mail cap may have: the mail history is kept this long. */
export const MAX_MAIL_CAP_DAYS = 31;

/** At most `maxMails` marketing mails per customer in any `windowDays`, counting every campaign. */
export const MailCapSchema = z
  .object({
    maxMails: z.number().int().min(1).max(100),
    windowDays: z.number().positive().max(MAX_MAIL_CAP_DAYS),
  })
  .strict();

/**
 * What the campaign measures; absent means nothing is tracked. Click links are signed
 * redirects through `tailor server`; the open pixel is optional (mail clients block or prefetch
 * images, so opens are a weak signal). `holdout` is the share of the eligible audience that is
 * deliberately not mailed, so the uplift is measured against it.
 */
export const TrackingSchema = z
  .object({
    clicks: z.boolean().default(true),
    opens: z.boolean().default(false),
    holdout: z.number().min(0).max(0.5).default(0),
    /** Orders within this many days after the mail (or the hold-out decision) are attributed. */
    attributionWindowDays: z.number().positive().max(90).default(5),
  })
  .strict();

export const CampaignSpecSchema = z
  .object({
    id: slug.optional(),
    name: z.string().min(1).max(120),
    /** Snapshot name, as given to `tailor import --name`. */
    dataset: slug,
    audience: AudienceSchema.default({ minOrders: 1 }),
    channels: z
      .array(z.enum(['email', 'ads']))
      .min(1)
      .refine((list) => new Set(list).size === list.length, 'channels must not repeat'),
    template: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'template names are lower-case letters, digits and dashes'),
    sender: SenderSchema,
    brand: z
      .object({
        name: z.string().min(1).max(80),
        voice: z.string().max(500).default('Friendly and concise.'),
        /** Send-time zone of customers whose record and country give none. */
        timeZone: timeZone.default('UTC'),
      })
      .strict(),
    schedule: ScheduleSchema.default({ type: 'now' }),
    quietHours: QuietHoursSchema.optional(),
    segmentation: z
      .object({
        method: z.enum(['rfm-quantile', 'kmeans']).default('kmeans'),
        k: z.number().int().min(2).max(20).optional(),
      })
      .strict()
      .default({ method: 'kmeans' }),
    /** ISO 4217 currency of the dataset's prices, for display. */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP')
      .default('USD'),
    /** Products shown per customer. */
    products: z.number().int().min(1).max(6).default(3),
    personalisation: z.enum(['segment', 'customer']).default('segment'),
    /** What customers who object to profiling get: the generic copy, or nothing. */
    objectors: z.enum(['generic', 'skip']).default('generic'),
    /** Where `tailor server` is reachable: unsubscribe and tracking links (TAILOR_PUBLIC_URL wins). */
    publicUrl: z.url().default('http://localhost:8080'),
    seed: z.number().int().default(42),
    /** At most one mail of the cap's group per customer per window, across campaigns. */
    frequencyCap: FrequencyCapSchema.optional(),
    mailCap: MailCapSchema.optional(),
    tracking: TrackingSchema.optional(),
  })
  .strict();

export type CampaignSpec = z.infer<typeof CampaignSpecSchema>;
export type CampaignSpecInput = z.input<typeof CampaignSpecSchema>;

export class InvalidSpecError extends Error {
  constructor(
    readonly source: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(`${source}: invalid campaign spec: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidSpecError';
  }
}

export function parseCampaignSpec(input: unknown, source = 'campaign spec'): CampaignSpec {
  const result = CampaignSpecSchema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidSpecError(
    source,
    result.error.issues.map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : '(root)',
      message: issue.message,
    })),
  );
}

export function campaignIdOf(spec: CampaignSpec): string {
  if (spec.id) return spec.id;
  const fromName = spec.name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return fromName || 'campaign';
}
