import { loadRowSource, squaredDistanceSource } from './kmeans-kernels.js';

/**
 * Sum of silhouette values s(i) = (b − a) / max(a, b) over rows [start, end) of a labelled
 * sample, against every row of the sample (O(n²·d) overall, hence the sample). Rows in a cluster
 * of one score 0, as in scikit-learn's silhouette_score.
 */
export type SilhouetteKernel = (
  x: Float64Array,
  n: number,
  start: number,
  end: number,
  k: number,
  labels: Int32Array,
  sizes: Float64Array,
  scratch: Float64Array,
) => number;

const cache = new Map<number, SilhouetteKernel>();

export function silhouetteKernelFor(d: number): SilhouetteKernel {
  let kernel = cache.get(d);
  if (!kernel) {
    // Unrolled per d like the k-means kernels: this is n² distances.
    const body = `'use strict';
      let total = 0, acc = 0;
      for (let i = start; i < end; i++) {
        const o = i * ${d};
        ${loadRowSource(d, 'x', 'o')}
        scratch.fill(0, 0, k);
        for (let j = 0, q = 0; j < n; j++, q += ${d}) {
          ${squaredDistanceSource(d, 'acc', 'x', 'o', 'x', 'q')}
          scratch[labels[j]] += Math.sqrt(acc);
        }
        const own = labels[i];
        const size = sizes[own];
        if (size <= 1) continue;
        const a = scratch[own] / (size - 1);
        let b = Infinity;
        for (let c = 0; c < k; c++) {
          if (c === own || sizes[c] === 0) continue;
          const mean = scratch[c] / sizes[c];
          if (mean < b) b = mean;
        }
        if (b === Infinity) continue;
        const spread = a > b ? a : b;
        if (spread > 0) total += (b - a) / spread;
      }
      return total;`;
    kernel = new Function(
      'x',
      'n',
      'start',
      'end',
      'k',
      'labels',
      'sizes',
      'scratch',
      body,
    ) as SilhouetteKernel;
    cache.set(d, kernel);
  }
  return kernel;
}
