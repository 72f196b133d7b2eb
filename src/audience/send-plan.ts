import { z } from 'zod';
import { jobIds } from '../queues/campaign-flow.js';
import { ChunkPayload, DispatchPlanPayload } from '../queues/job-payloads.js';

/**
 * How a run's send chunks are spread over time. The dispatch plan step fixes `plannedAt` once
 * (stored in its own job data, so a retried plan computes the same instants), computes each
 * audience member's send instant (SendTimePlanner) and adds one send job per (chunk, instant):
 * the chunk's job with its usual id for everyone due now, and a BullMQ delayed job per later
 * instant. A send job carries only the chunk range, `plannedAt` and its instant; it recomputes
 * who of the chunk belongs to that instant, so no customer list ever travels in a payload.
 */

export const DispatchPlanData = DispatchPlanPayload.extend({
  /** Epoch ms the send instants are computed from; set by the first attempt of the fan-out. */
  plannedAt: z.number().int().positive().optional(),
});

export const DispatchChunkData = ChunkPayload.extend({
  plannedAt: z.number().int().positive().optional(),
  /** The instant this job sends for; absent: every audience member of the chunk (no timing). */
  sendAt: z.number().int().positive().optional(),
});
export type DispatchChunkData = z.infer<typeof DispatchChunkData>;

/**
 * Id of a chunk's send job for one instant. Due now: the chunk's usual id (pause, resume and
 * cancel know it). Later: a distinct id, which resume never promotes, so a resumed run cannot
 * send before a customer's local time.
 */
export function sendJobId(runId: string, chunk: number, sendAt: number, plannedAt: number): string {
  return sendAt <= plannedAt ? jobIds.dispatchChunk(runId, chunk) : `${runId}-dispatch-${chunk}-at-${sendAt}`;
}

/**
 * Where a send job stores its counts (CampaignStore.setChunkStats, summed by stage prefix
 * `dispatch:`): per chunk and instant, so the jobs of one chunk never overwrite each other.
 */
export function sendStatsStage(sendAt: number | undefined, plannedAt: number | undefined): string {
  return sendAt === undefined || plannedAt === undefined || sendAt <= plannedAt
    ? 'dispatch'
    : `dispatch:at${sendAt}`;
}

/** The distinct instants of a chunk, earliest first. */
export function distinctInstants(instants: Iterable<number>): number[] {
  return [...new Set(instants)].sort((a, b) => a - b);
}
