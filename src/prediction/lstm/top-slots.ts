import { NO_PRODUCT } from '../predictor.js';
import type { Floats } from './lstm-parameters.js';

/**
 * Writes the k best-scoring vocabulary slots of one score row as product indices, best first,
 * skipping slots without a product (the rare slot); NO_PRODUCT pads when the vocabulary is smaller than k. A bounded
 * insertion list: O(V) for the usual case where few scores beat the current k-th.
 */
export function topProducts(
  scores: Floats,
  rowAt: number,
  vocabulary: number,
  productOf: Uint32Array,
  k: number,
  out: Uint32Array,
  outAt: number,
  bestScores: Float64Array,
): void {
  let filled = 0;
  for (let v = 0; v < vocabulary; v++) {
    if (productOf[v] === NO_PRODUCT) continue; // the rare slot, or a product gone from the catalogue
    const s = scores[rowAt + v];
    if (filled === k && s <= bestScores[k - 1]) continue;
    let j = filled < k ? filled++ : k - 1;
    while (j > 0 && bestScores[j - 1] < s) {
      bestScores[j] = bestScores[j - 1];
      out[outAt + j] = out[outAt + j - 1];
      j--;
    }
    bestScores[j] = s;
    out[outAt + j] = productOf[v];
  }
  for (let j = filled; j < k; j++) out[outAt + j] = NO_PRODUCT;
}
