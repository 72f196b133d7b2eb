import type { Floats } from './lstm-parameters.js';
import { REPEAT_FEATURES, type SequenceBatch } from './sequence-batch.js';

/** The repeat feature the final blend adds: share of the customer's baskets holding the product. */
export const BLEND_FEATURE = REPEAT_FEATURES.indexOf('share_of_baskets_with_product');

/** Blend weights tried on the validation split; 0 keeps the network's probabilities alone. */
export const BLEND_WEIGHTS = [0, 0.01, 0.03, 0.1, 0.3, 1] as const;

/**
 * Final ranking scores, in place: softmax of the network's (repeat-aware) scores, plus
 * `weight` × the share of the customer's baskets that held each product. The network learns
 * which products repeat; this validated blend keeps the customer's own purchase frequency from
 * being drowned out where the network is unsure (short histories above all).
 */
export function rankingScores(
  scores: Floats,
  batch: SequenceBatch,
  vocabulary: number,
  weight: number,
): void {
  for (let r = 0; r < batch.rows; r++) {
    const row = r * vocabulary;
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < vocabulary; v++) if (scores[row + v] > max) max = scores[row + v];
    let sum = 0;
    for (let v = 0; v < vocabulary; v++) {
      const e = Math.exp(scores[row + v] - max);
      scores[row + v] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let v = 0; v < vocabulary; v++) scores[row + v] *= inv;
    if (weight === 0) continue;
    const K = REPEAT_FEATURES.length;
    for (let e = batch.repeatStart[r]; e < batch.repeatStart[r + 1]; e++) {
      scores[row + batch.repeatItems[e]] += weight * batch.repeatFeatures[e * K + BLEND_FEATURE];
    }
  }
}
