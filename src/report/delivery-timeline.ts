import { Job } from 'bullmq';
import type { RunRecord } from '../campaigns/campaign-store.js';
import { jobIds } from '../queues/campaign-flow.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import type { DeliverySection, TimelineBucket } from './report-model.js';

/** What one finished send chunk did, and when. */
export interface ChunkEvent {
  startedAt: number;
  finishedAt: number;
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * Bucket widths tried, smallest first: the first giving at most MAX_BUCKETS buckets is used.
 * Sub-second widths too: a small campaign is sent in under a second.
 */
const BUCKET_SECONDS = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400,
];
const MAX_BUCKETS = 60;
/** Chunk jobs fetched from Redis at once. */
const FETCH_BATCH = 200;

/** The chunk counts a dispatch chunk job returns: sent, skipped:<reason>, failed:<code>. */
export function chunkOutcome(
  counts: Record<string, unknown>,
): Pick<ChunkEvent, 'sent' | 'skipped' | 'failed'> {
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  for (const [name, value] of Object.entries(counts)) {
    const n = typeof value === 'number' && Number.isFinite(value) ? value : 0;
    if (name === 'sent') sent += n;
    else if (name.startsWith('skipped:')) skipped += n;
    else if (name.startsWith('failed:')) failed += n;
  }
  return { sent, skipped, failed };
}

export function bucketSecondsFor(spanMs: number): number {
  // Two buckets of slack: aligning the first bucket to a whole width can add one.
  for (const seconds of BUCKET_SECONDS) if (spanMs / (seconds * 1000) <= MAX_BUCKETS - 2) return seconds;
  return BUCKET_SECONDS.at(-1) as number;
}

/**
 * Outcomes per time bucket, by the time each chunk finished, with empty buckets kept so the
 * chart's gaps are real pauses. Bucket width adapts to the span (at most 60 buckets).
 */
export function buildTimeline(events: readonly ChunkEvent[]): {
  bucketSeconds: number;
  buckets: TimelineBucket[];
} {
  if (events.length === 0) return { bucketSeconds: 60, buckets: [] };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    first = Math.min(first, e.finishedAt);
    last = Math.max(last, e.finishedAt);
  }
  const bucketSeconds = bucketSecondsFor(last - first);
  const width = bucketSeconds * 1000;
  const origin = Math.floor(first / width) * width;
  const count = Math.floor((last - origin) / width) + 1;
  const buckets: TimelineBucket[] = Array.from({ length: count }, (_, i) => ({
    at: origin + i * width,
    sent: 0,
    skipped: 0,
    failed: 0,
  }));
  for (const e of events) {
    const bucket = buckets[Math.floor((e.finishedAt - origin) / width)];
    bucket.sent += e.sent;
    bucket.skipped += e.skipped;
    bucket.failed += e.failed;
  }
  return { bucketSeconds, buckets };
}

export function throughputOf(events: readonly ChunkEvent[]): DeliverySection['throughput'] {
  if (events.length === 0) return undefined;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let sent = 0;
  let handled = 0;
  for (const e of events) {
    first = Math.min(first, e.startedAt);
    last = Math.max(last, e.finishedAt);
    sent += e.sent;
    handled += e.sent + e.skipped + e.failed;
  }
  // A chunk finishes at least a millisecond after it starts: never divide by zero.
  const seconds = Math.max(last - first, 1) / 1000;
  return {
    sentPerSecond: round2(sent / seconds),
    handledPerSecond: round2(handled / seconds),
    seconds: round2(seconds),
    firstAt: new Date(first).toISOString(),
    lastAt: new Date(last).toISOString(),
  };
}

/**
 * The run's send chunks as BullMQ recorded them: each completed chunk job's start, finish and
 * returned counts. Completed jobs are kept a week (DEFAULT_JOB_OPTIONS); after that the
 * timeline is gone while the run's totals remain.
 */
export async function readChunkEvents(
  queues: TailorQueues,
  run: Pick<RunRecord, 'runId' | 'chunks'>,
): Promise<{ events: ChunkEvent[]; found: number; failedChunks: number }> {
  const queue = queues.get('dispatch');
  const events: ChunkEvent[] = [];
  let found = 0;
  let failedChunks = 0;
  for (let from = 0; from < run.chunks; from += FETCH_BATCH) {
    const ids = Array.from({ length: Math.min(FETCH_BATCH, run.chunks - from) }, (_, i) =>
      jobIds.dispatchChunk(run.runId, from + i),
    );
    const jobs = await Promise.all(ids.map((id) => Job.fromId(queue, id)));
    for (const job of jobs) {
      if (!job) continue;
      found++;
      const value = job.returnvalue as Record<string, unknown> | null | undefined;
      if (value && typeof value === 'object' && job.finishedOn) {
        events.push({
          startedAt: job.processedOn ?? job.finishedOn,
          finishedAt: job.finishedOn,
          ...chunkOutcome(value),
        });
      } else if (job.finishedOn && job.failedReason) {
        failedChunks++;
      }
    }
  }
  return { events, found, failedChunks };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
