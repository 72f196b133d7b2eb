import { type CustomerFeatures, transformFeatures, untransformRow } from './features.js';
import type { SegmentProfile } from './segmenter.js';

/**
 * Centroids in original units of each segment: the mean of the members' transformed features
 * (log1p where skewed), mapped back. For k-means this is exactly the cluster centre mapped out of
 * the scaled space; on the raw scale it is a typical member rather than an average dragged up by
 * the few largest buyers.
 */
export function segmentCentroids(
  features: CustomerFeatures,
  rowLabels: Int32Array,
  k: number,
): { centroids: Record<string, number>[]; sizes: number[] } {
  const { d, names } = features;
  const transformed = transformFeatures(features.raw, names);
  const sums = new Float64Array(k * d);
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < features.n; i++) {
    const label = rowLabels[i];
    if (label < 0) continue;
    if (label >= k) throw new Error(`segment label ${label} out of range for k = ${k}`);
    sizes[label]++;
    for (let j = 0; j < d; j++) sums[label * d + j] += transformed[i * d + j];
  }
  const centroids = sizes.map((size, c) => {
    const mean = Array.from(sums.subarray(c * d, (c + 1) * d), (s) => (size > 0 ? s / size : Number.NaN));
    const original = untransformRow(mean, names);
    return Object.fromEntries(names.map((name, j) => [name, original[j]]));
  });
  return { centroids, sizes };
}

/** Per-customer assignments (-1 for everyone not segmented) from per-row labels. */
export function customerAssignments(
  features: CustomerFeatures,
  rowLabels: Int32Array,
  customers: number,
): Int16Array {
  const assignments = new Int16Array(customers).fill(-1);
  for (let i = 0; i < features.n; i++) assignments[features.customer[i]] = rowLabels[i];
  return assignments;
}

export function buildProfiles(
  labels: { name: string; description: string }[],
  centroids: Record<string, number>[],
  sizes: number[],
): SegmentProfile[] {
  return labels.map((label, id) => ({
    id,
    name: label.name,
    description: label.description,
    size: sizes[id],
    centroid: centroids[id],
  }));
}
