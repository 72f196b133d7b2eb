import { z } from 'zod';

/**
 * The shapes the API answers with. The OpenAPI document is generated from these (and from
 * CampaignSpecSchema for the request), and the API tests parse real responses with them, so
 * the document cannot drift from what the server sends.
 */

const counts = z.record(z.string(), z.number());

export const ErrorResponseSchema = z.object({
  error: z.string().describe('machine-readable error kind'),
  message: z.string(),
  issues: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('for invalid input: each field and what is wrong with it'),
});

const jobState = z
  .string()
  .describe(
    'BullMQ job state (waiting, delayed, active, completed, failed, waiting-children), not-started or unknown',
  );

export const CampaignStatusSchema = z.object({
  campaignId: z.string(),
  runId: z.string(),
  name: z.string(),
  state: z.enum(['queued', 'running', 'reviewed', 'dispatching', 'completed', 'failed', 'cancelled']),
  paused: z.boolean(),
  dryRun: z.boolean(),
  dataset: z.string(),
  createdAt: z.string(),
  methods: z.object({
    segmenter: z.string().optional(),
    predictor: z.string().optional(),
    predictorVersion: z.string().optional(),
    copywriter: z.string().optional(),
  }),
  customers: z.number().int(),
  recipients: z.number().int(),
  sent: z.number().int(),
  skipped: counts.describe('skips by reason'),
  failed: counts.describe('failures by reason'),
  pending: z.number().int(),
  adRows: z.number().int(),
  copy: z.object({ model: z.number().int(), fallback: z.number().int() }),
  stages: z.object({
    segment: z.object({ state: jobState }),
    predict: z.object({ progress: z.number().min(0).max(1) }),
    generate: z.object({ state: jobState }),
    dispatch: z.object({ state: jobState, progress: z.number().min(0).max(1) }),
  }),
  seconds: z.number().optional(),
  error: z.string().optional(),
  links: z.object({ self: z.string(), preview: z.string().optional() }),
});

export const CampaignCreatedSchema = z.object({
  campaignId: z.string(),
  runId: z.string(),
  state: z.string(),
  dryRun: z.boolean(),
  customers: z.number().int(),
  links: z.object({ self: z.string() }),
});

export const CampaignListSchema = z.object({ campaigns: z.array(CampaignStatusSchema) });

export const SegmentsResponseSchema = z.object({
  campaignId: z.string(),
  runId: z.string(),
  dataset: z.string(),
  method: z.string(),
  k: z.number().int(),
  profiles: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      description: z.string(),
      size: z.number().int(),
      centroid: counts,
    }),
  ),
});

export const HealthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  redis: z.object({ ok: z.boolean(), latencyMs: z.number().optional(), error: z.string().optional() }),
});

export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;
export type SegmentsResponse = z.infer<typeof SegmentsResponseSchema>;
