import type { BasketSequences } from '../data/snapshot.js';
import { medianGapNextOrderAt } from './next-order-estimate.js';
import { popularityOrder } from './popularity-order.js';
import { NO_PRODUCT, type PredictionBatch, type PredictionContext, type Predictor } from './predictor.js';

/**
 * Global popularity: every customer gets the same k most popular products. The floor any
 * personal method must clear.
 */
export class PopularityPredictor implements Predictor {
  readonly method = 'popularity';
  readonly version = 'baseline';

  async predict(sequences: BasketSequences, k: number, context: PredictionContext): Promise<PredictionBatch> {
    return {
      start: sequences.start,
      length: sequences.length,
      k,
      products: rankPopular(sequences.length, k, context.popularity),
      expectedNextOrderAt: medianGapNextOrderAt(sequences),
    };
  }
}

/** The same top-k popular products for each of `customers` rows, NO_PRODUCT-padded. */
export function rankPopular(customers: number, k: number, popularity: Uint32Array): Uint32Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const top = popularityOrder(popularity).subarray(0, k);
  const out = new Uint32Array(customers * k).fill(NO_PRODUCT);
  for (let c = 0; c < customers; c++) out.set(top, c * k);
  return out;
}
