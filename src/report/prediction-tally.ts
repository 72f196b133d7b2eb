import { AUDIENCE, type PredictionChunk } from '../campaigns/chunk-codec.js';
import { type SegmentKey, segmentKeyOf } from '../campaigns/copy-plan.js';
import { NO_PRODUCT } from '../prediction/predictor.js';

/** One audience member standing for a segment: whose copy the report shows for it. */
export interface Representative {
  index: number;
  audience: number;
  productRow: number[];
}

/**
 * One pass over a run's prediction chunks: audience size per segment, how often each product
 * is predicted, and one member per segment. Memory is bounded by the catalogue and the number
 * of segments, not by the audience.
 */
export class PredictionTally {
  audience = 0;
  generic = 0;
  readonly perSegment = new Map<SegmentKey, number>();
  readonly representatives = new Map<SegmentKey, Representative>();
  private readonly productCounts = new Map<number, number>();

  /** `assignments` covers the whole snapshot; the chunk starts at `chunk.batch.start`. */
  add(chunk: PredictionChunk, assignments: Int16Array): void {
    const { batch, audience } = chunk;
    for (let i = 0; i < batch.length; i++) {
      const kind = audience[i];
      if (kind === AUDIENCE.outside) continue;
      this.audience++;
      if (kind === AUDIENCE.generic) this.generic++;
      const index = batch.start + i;
      const key = segmentKeyOf(kind, assignments[index] ?? -1);
      this.perSegment.set(key, (this.perSegment.get(key) ?? 0) + 1);
      const row = batch.products.subarray(i * batch.k, (i + 1) * batch.k);
      if (!this.representatives.has(key))
        this.representatives.set(key, { index, audience: kind, productRow: Array.from(row) });
      for (const p of row)
        if (p !== NO_PRODUCT) this.productCounts.set(p, (this.productCounts.get(p) ?? 0) + 1);
    }
  }

  /** Most predicted products first (ties by product index, so the order is stable). */
  topProducts(limit: number): { product: number; customers: number }[] {
    return [...this.productCounts]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, limit)
      .map(([product, customers]) => ({ product, customers }));
  }
}
