import type { BasketSequences } from '../data/snapshot.js';
import { medianGapNextOrderAt } from './next-order-estimate.js';
import { popularityOrder, popularityRank } from './popularity-order.js';
import { NO_PRODUCT, type PredictionBatch, type PredictionContext, type Predictor } from './predictor.js';

/**
 * How equal purchase counts are ordered: by global popularity (the stronger baseline), or by
 * when the customer first bought the product (oldest first, what a plain `Counter.most_common`
 * gives; kept as the weaker reference baseline).
 */
export type TieBreak = 'popularity' | 'first-seen';

export interface TopFrequencyOptions {
  tieBreak?: TieBreak;
}

/**
 * Personal top-frequency: a customer's products ranked by the number of their baskets that
 * contain them, then globally popular products they have not bought. The repeat-purchase
 * baseline every learned model has to beat, and the predict stage's fallback.
 */
export class TopFrequencyPredictor implements Predictor {
  readonly method: string;
  readonly version = 'baseline';
  readonly tieBreak: TieBreak;

  constructor(options: TopFrequencyOptions = {}) {
    this.tieBreak = options.tieBreak ?? 'popularity';
    this.method = this.tieBreak === 'popularity' ? 'top-frequency' : 'top-frequency-first-seen';
  }

  async predict(sequences: BasketSequences, k: number, context: PredictionContext): Promise<PredictionBatch> {
    return {
      start: sequences.start,
      length: sequences.length,
      k,
      products: rankTopFrequency(sequences, k, context.popularity, this.tieBreak),
      expectedNextOrderAt: medianGapNextOrderAt(sequences),
    };
  }
}

/** Top-k product indices per customer, row-major [length × k], NO_PRODUCT-padded. */
export function rankTopFrequency(
  sequences: BasketSequences,
  k: number,
  popularity: Uint32Array,
  tieBreak: TieBreak = 'popularity',
): Uint32Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const { length, basketStart, itemStart, items } = sequences;
  const catalogue = catalogueSize(items, popularity.length);
  const order = popularityOrder(popularity);
  const rank = extendedRank(popularityRank(order), catalogue);

  // Per-customer scratch sized to the catalogue and reset through `touched`: no Map per customer.
  const counts = new Uint32Array(catalogue);
  const firstSeen = new Uint32Array(catalogue);
  const touched = new Uint32Array(catalogue);
  const byCount =
    tieBreak === 'popularity'
      ? (a: number, b: number) => counts[b] - counts[a] || rank[a] - rank[b]
      : (a: number, b: number) => counts[b] - counts[a] || firstSeen[a] - firstSeen[b];

  const out = new Uint32Array(length * k).fill(NO_PRODUCT);
  for (let c = 0; c < length; c++) {
    let distinct = 0;
    const firstItem = itemStart[basketStart[c]];
    const endItem = itemStart[basketStart[c + 1]];
    for (let i = firstItem; i < endItem; i++) {
      const p = items[i];
      if (counts[p] === 0) {
        firstSeen[p] = distinct;
        touched[distinct++] = p;
      }
      counts[p]++;
    }
    const own = touched.subarray(0, distinct);
    own.sort(byCount);
    const row = c * k;
    const taken = Math.min(k, distinct);
    for (let j = 0; j < taken; j++) out[row + j] = own[j];
    for (let r = 0, j = taken; j < k && r < order.length; r++) {
      const p = order[r];
      if (counts[p] === 0) out[row + j++] = p;
    }
    for (let j = 0; j < distinct; j++) counts[own[j]] = 0;
  }
  return out;
}

/** Products seen in sequences may lie beyond the popularity array (a catalogue grown since). */
function catalogueSize(items: Uint32Array, known: number): number {
  let max = known - 1;
  for (let i = 0; i < items.length; i++) if (items[i] > max) max = items[i];
  return max + 1;
}

function extendedRank(rank: Uint32Array, catalogue: number): Uint32Array {
  if (rank.length === catalogue) return rank;
  const out = new Uint32Array(catalogue);
  out.set(rank);
  for (let p = rank.length; p < catalogue; p++) out[p] = p;
  return out;
}
