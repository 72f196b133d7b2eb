/**
 * A fitted standardisation (zero mean, unit variance per column), stored with the model as plain
 * JSON so new customers can be placed in the same space later.
 */
export interface StandardScaler {
  /** Column means. */
  mean: number[];
  /** Column population standard deviations; 1 where a column is constant (as scikit-learn does). */
  scale: number[];
}

export function fitStandardScaler(rows: Float64Array, d: number): StandardScaler {
  const n = rows.length / d;
  if (!Number.isInteger(n)) throw new Error(`matrix of ${rows.length} values is not a multiple of d = ${d}`);
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(1);
  if (n === 0) return { mean, scale };
  for (let o = 0; o < rows.length; o += d) for (let j = 0; j < d; j++) mean[j] += rows[o + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  // Two passes: sums of squared deviations, not E[x²] − E[x]², which cancels badly.
  const ss = new Array<number>(d).fill(0);
  for (let o = 0; o < rows.length; o += d) {
    for (let j = 0; j < d; j++) {
      const dev = rows[o + j] - mean[j];
      ss[j] += dev * dev;
    }
  }
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(ss[j] / n);
    scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
  }
  return { mean, scale };
}

/** Standardises a row-major matrix into a new array (a SharedArrayBuffer one when asked). */
export function applyStandardScaler(
  scaler: StandardScaler,
  rows: Float64Array,
  shared = false,
): Float64Array {
  const d = scaler.mean.length;
  const out = shared
    ? new Float64Array(new SharedArrayBuffer(rows.length * Float64Array.BYTES_PER_ELEMENT))
    : new Float64Array(rows.length);
  for (let o = 0; o < rows.length; o += d) {
    for (let j = 0; j < d; j++) out[o + j] = (rows[o + j] - scaler.mean[j]) / scaler.scale[j];
  }
  return out;
}

/** Maps one standardised row back to the scaler's input space. */
export function invertStandardScaler(scaler: StandardScaler, row: ArrayLike<number>): number[] {
  return scaler.mean.map((m, j) => row[j] * scaler.scale[j] + m);
}
