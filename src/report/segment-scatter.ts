import type { SnapshotReader } from '../data/snapshot.js';
import { coveringRanges, evenRanks } from './even-sample.js';
import type { SegmentSection } from './report-model.js';

const DAY_MS = 86_400_000;
/** Rows read past a gap between two sampled customers instead of a second read. */
const READ_GAP = 1_024;
const READ_MAX = 65_536;

/** Snapshot indices of at most `limit` segmented customers, spread evenly over all of them. */
export function scatterIndices(
  assignments: Int16Array,
  limit: number,
): { population: number; indices: number[] } {
  let population = 0;
  for (const a of assignments) if (a >= 0) population++;
  const ranks = evenRanks(population, limit);
  const indices: number[] = [];
  let rank = 0;
  let next = 0;
  for (let i = 0; i < assignments.length && next < ranks.length; i++) {
    if (assignments[i] < 0) continue;
    if (rank === ranks[next]) {
      indices.push(i);
      next++;
    }
    rank++;
  }
  return { population, indices };
}

/**
 * Recency × frequency (and spend) of a bounded sample of segmented customers: the points of the
 * segment scatter. Reads the aggregates of the sampled rows only (in merged ranges).
 */
export async function segmentScatter(
  snapshot: SnapshotReader,
  assignments: Int16Array,
  limit: number,
): Promise<SegmentSection['scatter']> {
  const { population, indices } = scatterIndices(assignments, limit);
  const referenceTime = snapshot.manifest.referenceTime;
  const points: SegmentSection['scatter']['points'] = [];
  let at = 0;
  for (const range of coveringRanges(indices, READ_GAP, READ_MAX)) {
    const aggregates = await snapshot.aggregates(range.start, range.end);
    for (; at < indices.length && indices[at] < range.end; at++) {
      const i = indices[at] - range.start;
      points.push([
        round1((referenceTime - aggregates.lastOrderAt[i]) / DAY_MS),
        aggregates.orders[i],
        Math.round(aggregates.spend[i] * 100) / 100,
        assignments[indices[at]],
      ]);
    }
  }
  return { population, points };
}

function round1(x: number): number {
  return Math.round(Math.max(0, x) * 10) / 10;
}
