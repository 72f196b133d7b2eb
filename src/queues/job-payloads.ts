import { z } from 'zod';

/**
 * Job payloads carry ids and chunk ranges, never customer data. Every processor parses its
 * payload with these schemas first; a payload that does not parse is an UnrecoverableError.
 */
const runId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,80}$/);

export const StartCampaignPayload = z.object({ runId });
export const SegmentPayload = z.object({ runId });
export const ChunkPayload = z.object({
  runId,
  chunk: z.number().int().min(0),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
});
export const GeneratePayload = z.object({ runId });
export const DispatchPlanPayload = z.object({
  runId,
  step: z.enum(['fan-out', 'wait', 'finish']).default('fan-out'),
});

export type ChunkJob = z.infer<typeof ChunkPayload>;

/** Job names per queue (a queue may carry more than one kind of job). */
export const JOB = {
  start: 'start',
  segment: 'fit',
  predict: 'predict-chunk',
  generate: 'write-copy',
  dispatchPlan: 'plan',
  dispatchChunk: 'send-chunk',
} as const;
