import type { BlockExecutor } from './block-executor.js';
import { newSpaceId, sharedFloat64, sharedInt32 } from './block-executor.js';
import { SILHOUETTE_BLOCK_ROWS, type SilhouetteSpace } from './block-ops.js';
import { SeededRandom } from './seeded-random.js';

export interface SilhouetteOptions {
  executor: BlockExecutor;
  /** Rows drawn (seeded, without replacement) when there are more; default 5,000. */
  sampleSize?: number;
  seed: number;
}

export interface SilhouetteResult {
  /** Mean silhouette over the sample, in [−1, 1]. */
  score: number;
  sampleSize: number;
}

/**
 * Mean silhouette of a labelling, on a seeded sample of rows: exact silhouette costs n² distances,
 * the sample keeps it to a fraction of a second while the estimate stays within a few thousandths.
 */
export async function sampledSilhouette(
  data: Float64Array,
  d: number,
  labels: Int32Array,
  k: number,
  options: SilhouetteOptions,
): Promise<SilhouetteResult> {
  const n = labels.length;
  if (data.length !== n * d) throw new Error(`data holds ${data.length} values, expected ${n} × ${d}`);
  const rows = new SeededRandom(options.seed).sample(n, Math.min(n, options.sampleSize ?? 5000));
  const m = rows.length;
  const space: SilhouetteSpace = {
    kind: 'silhouette',
    id: newSpaceId(),
    n: m,
    d,
    k,
    data: sharedFloat64(m * d),
    labels: sharedInt32(m),
    sizes: sharedFloat64(k),
    partials: sharedFloat64(Math.ceil(m / SILHOUETTE_BLOCK_ROWS)),
    stride: 1,
  };
  rows.forEach((row, i) => {
    space.data.set(data.subarray(row * d, (row + 1) * d), i * d);
    const label = labels[row];
    if (label < 0 || label >= k) throw new Error(`label ${label} of row ${row} is outside 0..${k - 1}`);
    space.labels[i] = label;
    space.sizes[label]++;
  });
  if (m === 0 || space.sizes.filter((s) => s > 0).length < 2) return { score: 0, sampleSize: m };
  await options.executor.bind(space);
  try {
    await options.executor.run(space, { op: 'silhouette' });
  } finally {
    await options.executor.unbind(space);
  }
  let total = 0;
  for (let b = 0; b < space.partials.length; b++) total += space.partials[b];
  return { score: total / m, sampleSize: m };
}
