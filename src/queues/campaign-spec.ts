import { z } from 'zod';
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
      })
      .strict(),
    schedule: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('now') }).strict(),
        z.object({ type: z.literal('at'), at: z.iso.datetime({ offset: true }) }).strict(),
      ])
      .default({ type: 'now' }),
    segmentation: z
      .object({
        method: z.enum(['rfm-quantile', 'kmeans']).default('rfm-quantile'),
        k: z.number().int().min(2).max(20).optional(),
      })
      .strict()
      .default({ method: 'rfm-quantile' }),
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
    /** Landing pages and unsubscribe links are built on this URL. */
    publicUrl: z.url().default('http://localhost:8080'),
    seed: z.number().int().default(42),
    /** At most one mail of the cap's group per customer per window, across campaigns. */
    frequencyCap: FrequencyCapSchema.optional(),
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
