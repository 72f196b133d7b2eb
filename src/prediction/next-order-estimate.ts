import type { BasketSequences } from '../data/snapshot.js';

/**
 * Expected next order time per customer: last basket time + the median gap between the
 * customer's consecutive baskets. NaN for customers with fewer than two baskets (no gap seen).
 * The median, not the mean, because one long pause (a customer returning after a year) would
 * otherwise push every estimate far into the future.
 */
export function medianGapNextOrderAt(sequences: BasketSequences): Float64Array {
  const { length, basketStart, basketTime } = sequences;
  const out = new Float64Array(length);
  let gaps = new Float64Array(64);
  for (let c = 0; c < length; c++) {
    const b0 = basketStart[c];
    const b1 = basketStart[c + 1];
    const n = b1 - b0;
    if (n < 2) {
      out[c] = Number.NaN;
      continue;
    }
    if (gaps.length < n - 1) gaps = new Float64Array(2 * n);
    for (let b = b0 + 1; b < b1; b++) gaps[b - b0 - 1] = basketTime[b] - basketTime[b - 1];
    out[c] = basketTime[b1 - 1] + median(gaps.subarray(0, n - 1));
  }
  return out;
}

/** Median of a small array; sorts it in place. */
export function median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  values.sort();
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}
