import type { CustomerFeatures } from './features.js';

/**
 * Names and descriptions of segments from where they sit in the recency / frequency / monetary
 * distribution of the customers, on the classic RFM grid of recency and frequency scores. Shared by the RFM quantile segmenter, which scores each
 * customer, and k-means, which scores each centroid.
 */
export const SEGMENT_NAMES = [
  'Champions',
  'Loyal customers',
  'Potential loyalists',
  'New customers',
  'Promising',
  'Need attention',
  'About to sleep',
  "Can't lose them",
  'At risk',
  'Hibernating',
  'Lost',
] as const;
export type SegmentName = (typeof SEGMENT_NAMES)[number];

const BLURB: Readonly<Record<SegmentName, string>> = {
  Champions: 'Bought recently, buy often and spend the most.',
  'Loyal customers': 'Order regularly and spend well; they answer loyalty offers.',
  'Potential loyalists': 'Recent customers with a few orders behind them who could become loyal.',
  'New customers': 'Placed their first order recently.',
  Promising: 'Recent shoppers who have not bought much yet.',
  'Need attention': 'Middling recency, frequency and spend; they could slip either way.',
  'About to sleep': 'Bought little and not recently; likely to lapse without a reason to return.',
  "Can't lose them": 'Among the biggest and most frequent buyers, but silent for a long time.',
  'At risk': 'Used to order often and spend well, but have not ordered for a long time.',
  Hibernating: 'Ordered rarely, and not for months.',
  Lost: 'The lowest scores: one small order, long ago.',
};

/** Sorted values of each feature over the segmented customers. */
export interface FeatureDistribution {
  names: readonly string[];
  sorted: Float64Array[];
}

/** Quintile scores, 1 (worst) to 5 (best); recency scores 5 for the most recent. */
export interface RfmScores {
  r: number;
  f: number;
  m: number;
}

export function featureDistribution(features: CustomerFeatures): FeatureDistribution {
  const sorted = features.names.map((_, j) => {
    const out = new Float64Array(features.n);
    for (let i = 0; i < features.n; i++) out[i] = features.raw[i * features.d + j];
    return out.sort();
  });
  return { names: features.names, sorted };
}

/** Percentile of a value among the customers on one feature. */
export function featurePercentile(distribution: FeatureDistribution, feature: string, x: number): number {
  const j = distribution.names.indexOf(feature);
  if (j < 0) throw new Error(`feature ${feature} is not in the distribution`);
  return percentileRank(distribution.sorted[j], x);
}

/**
 * Share of the customers strictly worse than x: below it, or with `lowerIsBetter` (recency)
 * above it. Ties count as not worse, so the third of customers with exactly one order all have
 * nobody worse on frequency and score 1, as a single order should.
 */
export function shareWorse(sorted: Float64Array, x: number, lowerIsBetter = false): number {
  const n = sorted.length;
  if (n === 0) return 0.5;
  return lowerIsBetter ? (n - upperBound(sorted, x)) / n : lowerBound(sorted, x) / n;
}

/** Mid-rank percentile of x in a sorted sample, in [0, 1] (ties share their middle rank). */
export function percentileRank(sorted: Float64Array, x: number): number {
  const n = sorted.length;
  if (n === 0) return 0.5;
  const below = lowerBound(sorted, x);
  return (below + (upperBound(sorted, x) - below) / 2) / n;
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Quintile score 1..5 of a percentile. */
export function quintileScore(percentile: number): number {
  return Math.min(5, Math.max(1, 1 + Math.floor(percentile * 5)));
}

/**
 * Quintile scores of a customer or a centroid. A centroid's order count is rounded to whole
 * orders first: a cluster of one-time buyers has a centroid of 1.2 orders, and its typical
 * member still bought once.
 */
export function rfmScoresOf(
  point: { recencyDays: number; orders: number; spend: number },
  distribution: FeatureDistribution,
): RfmScores {
  const sorted = (feature: string) => {
    const j = distribution.names.indexOf(feature);
    if (j < 0) throw new Error(`feature ${feature} is not in the distribution`);
    return distribution.sorted[j];
  };
  const orders = Math.max(1, Math.round(point.orders));
  return {
    r: quintileScore(shareWorse(sorted('recencyDays'), point.recencyDays, true)),
    f: quintileScore(shareWorse(sorted('orders'), orders)),
    m: quintileScore(shareWorse(sorted('spend'), point.spend)),
  };
}

/**
 * The classic RFM grid of recency against frequency (monetary follows frequency closely in
 * retail and is reported in the description).
 */
export function rfmSegmentName(scores: RfmScores): SegmentName {
  const { r, f } = scores;
  if (r >= 5 && f >= 4) return 'Champions';
  if (r >= 3 && f >= 4) return 'Loyal customers';
  if (r >= 4 && f >= 2) return 'Potential loyalists';
  if (r >= 5) return 'New customers';
  if (r === 4) return 'Promising';
  if (r === 3 && f === 3) return 'Need attention';
  if (r === 3) return 'About to sleep';
  if (f >= 5) return "Can't lose them";
  if (f >= 3) return 'At risk';
  if (r === 1 && f === 1) return 'Lost';
  return 'Hibernating';
}

export function describeSegment(
  name: SegmentName,
  centroid: { recencyDays: number; orders: number; spend: number },
  scores: RfmScores,
): string {
  return (
    `${BLURB[name]} Typically last ordered ${formatAmount(centroid.recencyDays)} days ago, ` +
    `${formatAmount(centroid.orders)} orders, ${formatAmount(centroid.spend)} spent in total ` +
    `(recency ${scores.r}/5, frequency ${scores.f}/5, monetary ${scores.m}/5).`
  );
}

function formatAmount(x: number): string {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return x.toLocaleString('en-GB', { maximumFractionDigits: digits });
}

export interface SegmentLabel {
  name: string;
  description: string;
  scores: RfmScores;
}

// Features that can tell apart two segments landing in the same RFM cell, with their wording.
const DISTINGUISHERS: [key: string, label: string][] = [
  ['spend', 'spend'],
  ['avgBasket', 'basket value'],
  ['orders', 'order count'],
  ['tenureDays', 'tenure'],
  ['distinctProducts', 'product range'],
];

/**
 * Names segments from their centroids (original units). Segments sharing a grid cell get a
 * qualifier from the feature on which they differ most, e.g. "Loyal customers (higher spend)".
 */
export function nameSegments(
  centroids: Record<string, number>[],
  distribution: FeatureDistribution,
): SegmentLabel[] {
  const labels = centroids.map((c) => {
    const point = { recencyDays: c.recencyDays, orders: c.orders, spend: c.spend };
    const scores = rfmScoresOf(point, distribution);
    const name = rfmSegmentName(scores);
    return { name: name as string, description: describeSegment(name, point, scores), scores };
  });
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    groups.set(label.name, [...(groups.get(label.name) ?? []), i]);
  });
  for (const [name, members] of groups) {
    if (members.length < 2) continue;
    let best = DISTINGUISHERS[0];
    let bestSpread = -1;
    for (const candidate of DISTINGUISHERS) {
      if (!distribution.names.includes(candidate[0])) continue;
      const values = members.map((i) =>
        featurePercentile(distribution, candidate[0], centroids[i][candidate[0]]),
      );
      const spread = Math.max(...values) - Math.min(...values);
      if (spread > bestSpread) {
        bestSpread = spread;
        best = candidate;
      }
    }
    const ranked = [...members].sort((a, b) => centroids[a][best[0]] - centroids[b][best[0]]);
    const words = rankWords(ranked.length);
    ranked.forEach((i, rank) => {
      labels[i].name = `${name} (${words[rank]} ${best[1]})`;
    });
  }
  return labels;
}

function rankWords(count: number): string[] {
  if (count === 2) return ['lower', 'higher'];
  if (count === 3) return ['lowest', 'middle', 'highest'];
  return Array.from({ length: count }, (_, i) => `rank ${i + 1} of ${count} by`);
}
