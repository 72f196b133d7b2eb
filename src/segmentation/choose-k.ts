import { type BlockExecutor, sharedFloat64 } from './block-executor.js';
import { type KMeansResult, kmeans } from './kmeans.js';
import { SeededRandom } from './seeded-random.js';
import { sampledSilhouette } from './silhouette.js';

export interface KScore {
  k: number;
  /** Mean silhouette on the sample. */
  silhouette: number;
  inertia: number;
  iterations: number;
}

export interface ChooseKOptions {
  /** Candidate k, inclusive; default 3..8. */
  min?: number;
  max?: number;
  seed: number;
  nInit: number;
  maxIter?: number;
  executor: BlockExecutor;
  /** Rows the silhouette is computed on; default 5,000. */
  silhouetteSample?: number;
  /**
   * Above this many rows the candidates are fitted on a seeded sample of this size and only the
   * chosen k on every row; default 50,000: plenty to place a handful of centroids, and it keeps
   * the search over k to seconds for a million customers.
   */
  maxFitRows?: number;
}

export interface ChooseKResult {
  k: number;
  /** Every candidate, in order of k. */
  scores: KScore[];
  /** The fit of the chosen k on every row. */
  fit: KMeansResult;
  /** Rows the candidates were fitted on. */
  candidateRows: number;
  silhouetteSample: number;
}

/** Fits each k of a range and keeps the one with the highest silhouette (the smaller k on ties). */
export async function chooseK(
  data: Float64Array,
  d: number,
  options: ChooseKOptions,
): Promise<ChooseKResult> {
  const n = data.length / d;
  if (n < 3) throw new Error(`choosing k needs at least 3 rows, got ${n}`);
  const min = Math.max(2, options.min ?? 3);
  const max = Math.min(n - 1, options.max ?? 8);
  if (min > max) throw new Error(`no k in ${options.min ?? 3}..${options.max ?? 8} fits ${n} rows`);
  const maxFitRows = options.maxFitRows ?? 50_000;
  let candidateData = data;
  if (n > maxFitRows) {
    const rows = new SeededRandom(options.seed).sample(n, maxFitRows);
    candidateData = sharedFloat64(rows.length * d);
    rows.forEach((row, i) => {
      candidateData.set(data.subarray(row * d, (row + 1) * d), i * d);
    });
  }
  const fitOptions = {
    seed: options.seed,
    nInit: options.nInit,
    maxIter: options.maxIter,
    executor: options.executor,
  };
  const scores: KScore[] = [];
  let best: { score: KScore; fit: KMeansResult } | undefined;
  let sampleSize = 0;
  for (let k = min; k <= max; k++) {
    const fit = await kmeans(candidateData, d, { ...fitOptions, k });
    const silhouette = await sampledSilhouette(candidateData, d, fit.labels, k, {
      executor: options.executor,
      seed: options.seed,
      sampleSize: options.silhouetteSample,
    });
    sampleSize = silhouette.sampleSize;
    const score = { k, silhouette: silhouette.score, inertia: fit.inertia, iterations: fit.iterations };
    scores.push(score);
    if (!best || score.silhouette > best.score.silhouette) best = { score, fit };
  }
  const chosen = best!;
  const fit =
    candidateData === data ? chosen.fit : await kmeans(data, d, { ...fitOptions, k: chosen.score.k });
  return {
    k: chosen.score.k,
    scores,
    fit,
    candidateRows: candidateData.length / d,
    silhouetteSample: sampleSize,
  };
}
