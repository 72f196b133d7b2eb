import { z } from 'zod';

/**
 * Path and query parameters of the API, parsed with zod in the handlers and described from the
 * same schemas in the OpenAPI document. A bad parameter is a 400 naming it.
 */

export const CampaignIdParams = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,80}$/, 'a campaign id or run id: lower-case letters, digits and dashes')
    .describe('campaign id (its latest run) or run id'),
});

export const CreateCampaignQuery = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .describe('run segment, predict and generate only; stop before dispatch'),
});

export const ListCampaignsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('most recent campaigns to list'),
});

export const PreviewQuery = z.object({
  customer: z.string().min(1).max(200).describe('customer id as imported'),
});

export const SegmentsQuery = z.object({
  dataset: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a dataset name')
    .optional()
    .describe('only runs on this dataset'),
});

export class InvalidParameterError extends Error {
  constructor(
    readonly location: 'path' | 'query' | 'header',
    readonly issues: { field: string; message: string }[],
  ) {
    super(`invalid ${location} parameter: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidParameterError';
  }
}

export function parseParams<T extends z.ZodType>(
  schema: T,
  value: unknown,
  location: 'path' | 'query',
): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new InvalidParameterError(
    location,
    result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(root)', message: issue.message })),
  );
}
