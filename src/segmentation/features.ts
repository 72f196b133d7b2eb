import type { CustomerAggregates } from '../data/snapshot.js';

const DAY_MS = 86_400_000;

/**
 * Per-customer features, in the order of the columns of every feature matrix. Recency, frequency
 * and monetary come first because segment names are read from them.
 */
export const FEATURE_NAMES = [
  'recencyDays',
  'orders',
  'spend',
  'avgBasket',
  'tenureDays',
  'distinctProducts',
  'meanGapDays',
  'unitsPerOrder',
  'linesPerOrder',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export const RECENCY = 0;
export const FREQUENCY = 1;
export const MONETARY = 2;

/**
 * Which features are log1p-transformed before scaling. Retail counts and amounts are
 * heavy-tailed (a few wholesalers spend 100× the median), so without the log a handful of
 * customers would own whole clusters. Tenure is spread roughly evenly over the history and
 * stays linear.
 */
export const LOG_FEATURES: Readonly<Record<FeatureName, boolean>> = {
  recencyDays: true,
  orders: true,
  spend: true,
  avgBasket: true,
  tenureDays: false,
  distinctProducts: true,
  meanGapDays: true,
  unitsPerOrder: true,
  linesPerOrder: true,
};

/** Features of the customers that can be segmented, as a row-major matrix in original units. */
export interface CustomerFeatures {
  names: readonly FeatureName[];
  /** Rows (segmentable customers). */
  n: number;
  /** Columns (features). */
  d: number;
  /** Row-major [n × d], original units (days, orders, money, ...). */
  raw: Float64Array;
  /** Customer index (relative to `aggregates.start`) of each row. */
  customer: Int32Array;
}

/**
 * Builds the feature matrix of every customer who may be profiled and has at least one order.
 * `profilable` runs parallel to the aggregates (index i is customer aggregates.start + i).
 */
export function buildCustomerFeatures(
  aggregates: CustomerAggregates,
  referenceTime: number,
  profilable: Uint8Array,
): CustomerFeatures {
  const { length } = aggregates;
  if (profilable.length !== length) {
    throw new Error(
      `profilable has ${profilable.length} entries but the aggregates cover ${length} customers`,
    );
  }
  if (!Number.isFinite(referenceTime)) throw new Error(`referenceTime must be a finite epoch ms value`);
  const d = FEATURE_NAMES.length;
  let n = 0;
  for (let i = 0; i < length; i++) if (segmentable(aggregates, profilable, i)) n++;
  const raw = new Float64Array(n * d);
  const customer = new Int32Array(n);
  let row = 0;
  for (let i = 0; i < length; i++) {
    if (!segmentable(aggregates, profilable, i)) continue;
    const orders = aggregates.orders[i];
    const first = aggregates.firstOrderAt[i];
    const last = aggregates.lastOrderAt[i];
    const spend = Math.max(0, aggregates.spend[i]);
    const tenureDays = Math.max(0, (referenceTime - first) / DAY_MS);
    // One order gives no gap to measure; the wait since it is a lower bound of the next gap.
    const meanGapDays = orders > 1 ? (last - first) / DAY_MS / (orders - 1) : tenureDays;
    const o = row * d;
    raw[o] = Math.max(0, (referenceTime - last) / DAY_MS);
    raw[o + 1] = orders;
    raw[o + 2] = spend;
    raw[o + 3] = spend / orders;
    raw[o + 4] = tenureDays;
    raw[o + 5] = Math.max(0, aggregates.distinctProducts[i]);
    raw[o + 6] = Math.max(0, meanGapDays);
    raw[o + 7] = Math.max(0, aggregates.units[i]) / orders;
    raw[o + 8] = Math.max(0, aggregates.lines[i]) / orders;
    customer[row++] = i;
  }
  return { names: FEATURE_NAMES, n, d, raw, customer };
}

function segmentable(aggregates: CustomerAggregates, profilable: Uint8Array, i: number): boolean {
  return (
    profilable[i] !== 0 &&
    aggregates.orders[i] > 0 &&
    Number.isFinite(aggregates.firstOrderAt[i]) &&
    Number.isFinite(aggregates.lastOrderAt[i])
  );
}

/** Applies the per-feature log1p of `LOG_FEATURES` to a row-major matrix (a new array). */
export function transformFeatures(raw: Float64Array, names: readonly FeatureName[]): Float64Array {
  const d = names.length;
  const out = new Float64Array(raw.length);
  const logged = names.map((name) => LOG_FEATURES[name]);
  for (let o = 0; o < raw.length; o += d) {
    for (let j = 0; j < d; j++) out[o + j] = logged[j] ? Math.log1p(raw[o + j]) : raw[o + j];
  }
  return out;
}

/** Maps one transformed row back to original units. */
export function untransformRow(row: ArrayLike<number>, names: readonly FeatureName[]): number[] {
  return names.map((name, j) => (LOG_FEATURES[name] ? Math.expm1(row[j]) : row[j]));
}
