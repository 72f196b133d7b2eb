/**
 * k-means over a flat row-major Float64Array: greedy k-means++ initialisation, several inits,
 * Hamerly's bounds, blocks of rows spread over worker threads, deterministic under a seed.
 *
 * Why not a library: `ml-kmeans` (the maintained JavaScript one) takes `number[][]`, copies the
 * points into a matrix, runs plain Lloyd on one thread and stops on exact label stability. On
 * 1,000,000 × 8 points with k = 8 it needs 51–93 s and 870 MB (FACTS.md, and bench/segment.ts,
 * which measures it in the same run), against scikit-learn's 0.8–2.7 s. Scikit-learn's algorithm
 * is the model followed here: greedy k-means++ with 2 + ⌊ln k⌋ local trials, a tolerance
 * relative to the mean column variance, strict convergence when no label changes, a last
 * assignment to the final centroids, and empty clusters refilled with the points farthest from
 * their centres. From the same starting centres both take the same iterations to the same
 * inertia; this takes about 0.75× scikit-learn's time (bench/segment.ts, sameInit).
 */
import type { BlockExecutor } from './block-executor.js';
import { asShared, newSpaceId, sharedFloat64, sharedInt32 } from './block-executor.js';
import { BLOCK_ROWS, blockCount, type KMeansSpace, kmeansStride } from './block-ops.js';
import { sharedBlockPool } from './block-worker-pool.js';
import { type KMeansAlgorithm, PART_CHANGED, PART_COUNTS, PART_INERTIA } from './kmeans-kernels.js';
import { SeededRandom } from './seeded-random.js';

export interface KMeansOptions {
  k: number;
  seed: number;
  /** Independent k-means++ initialisations; the lowest inertia wins. Default 1. */
  nInit?: number;
  /** Default 300. */
  maxIter?: number;
  /** Stop when the squared centre shifts sum to at most tol × the mean column variance. Default 1e-4. */
  tol?: number;
  /** 'hamerly' (default) prunes distance computations with bounds; 'lloyd' is the plain reference. */
  algorithm?: KMeansAlgorithm;
  /** Threads to run on; default: the process's shared worker pool (one thread per core). */
  executor?: BlockExecutor;
  /** Start from these centroids [k × d] instead of k-means++ (one init). */
  initialCentroids?: Float64Array;
}

export interface KMeansInitResult {
  inertia: number;
  iterations: number;
  converged: boolean;
}

export interface KMeansResult {
  k: number;
  n: number;
  d: number;
  /** Row-major [k × d]. */
  centroids: Float64Array;
  labels: Int32Array;
  sizes: number[];
  /** Sum of squared distances of points to their centroid. */
  inertia: number;
  /** Iterations of the winning init. */
  iterations: number;
  converged: boolean;
  /** Every init, in order. */
  inits: KMeansInitResult[];
  /** Where the winning init started (k-means++ centres or the given initialCentroids). */
  initialCentroids: Float64Array;
}

export async function kmeans(data: Float64Array, d: number, options: KMeansOptions): Promise<KMeansResult> {
  const { k, seed } = options;
  const nInit = options.nInit ?? 1;
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  if (!Number.isInteger(d) || d < 1) throw new Error(`d must be a positive integer, got ${d}`);
  if (data.length % d !== 0) throw new Error(`${data.length} values do not make rows of d = ${d}`);
  const n = data.length / d;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (n < k) throw new Error(`k-means needs at least k = ${k} points, got ${n}`);
  if (!Number.isInteger(nInit) || nInit < 1)
    throw new Error(`nInit must be a positive integer, got ${nInit}`);
  if (!Number.isInteger(maxIter) || maxIter < 1)
    throw new Error(`maxIter must be a positive integer, got ${maxIter}`);
  if (!(tol >= 0)) throw new Error(`tol must be ≥ 0, got ${tol}`);
  if (options.initialCentroids && options.initialCentroids.length !== k * d) {
    throw new Error(`initialCentroids must hold k × d = ${k * d} values`);
  }
  if (options.initialCentroids && nInit !== 1) throw new Error('initialCentroids allows only one init');

  const executor = options.executor ?? (await sharedBlockPool());
  const space: KMeansSpace = {
    kind: 'kmeans',
    id: newSpaceId(),
    n,
    d,
    k,
    data: executor.threads === 0 ? data : asShared(data),
    labels: sharedInt32(n),
    upper: sharedFloat64(n),
    lower: sharedFloat64(n),
    closest: sharedFloat64(n),
    params: sharedFloat64(Math.max(k * d + 2 * k, (1 + localTrials(k)) * d)),
    partials: sharedFloat64(blockCount(n) * kmeansStride(k, d, localTrials(k))),
    stride: kmeansStride(k, d, localTrials(k)),
  };
  const fitOptions: SpaceFitOptions = {
    seed,
    nInit,
    maxIter,
    tol,
    algorithm: options.algorithm ?? 'hamerly',
    initialCentroids: options.initialCentroids,
  };
  try {
    await executor.bind(space);
    // A worker pool drives the fit from one of its own threads; otherwise it is driven here.
    const fit = executor.fit
      ? await executor.fit(space, fitOptions)
      : await fitSpace(space, executor, fitOptions);
    return { k, n, d, ...fit, labels: space.labels };
  } finally {
    await executor.unbind(space);
  }
}

/** How to fit a space: plain data, so it can travel to the thread that drives the fit. */
export interface SpaceFitOptions {
  seed: number;
  nInit: number;
  maxIter: number;
  tol: number;
  algorithm: KMeansAlgorithm;
  initialCentroids?: Float64Array;
}

/** A fit of a space; the winner's labels are left in the space. */
export type SpaceFit = Omit<KMeansResult, 'k' | 'n' | 'd' | 'labels'>;

/**
 * Every init of k-means on a bound space, the ops run by `executor`. Leaves the winning init's
 * labels in space.labels. Runs in whichever thread drives the fit.
 */
export async function fitSpace(
  space: KMeansSpace,
  executor: BlockExecutor,
  options: SpaceFitOptions,
): Promise<SpaceFit> {
  const run = new KMeansRun(space, executor, options.algorithm, options.maxIter);
  const tolerance = options.tol * (await run.meanVariance());
  const random = new SeededRandom(options.seed);
  const inits: KMeansInitResult[] = [];
  let best: { init: number; start: Float64Array; centroids: Float64Array; sizes: number[] } | undefined;
  let bestLabels: Int32Array | undefined;
  for (let init = 0; init < options.nInit; init++) {
    const start = options.initialCentroids ?? (await run.kmeansPlusPlus(random.fork()));
    const outcome = await run.fit(start, tolerance);
    inits.push(outcome.init);
    if (!best || outcome.init.inertia < inits[best.init].inertia) {
      best = { init, start, centroids: outcome.centroids, sizes: outcome.sizes };
      // The next init overwrites the labels: keep these only when one follows.
      if (init + 1 < options.nInit) bestLabels = space.labels.slice();
    }
  }
  const winner = best!;
  if (winner.init + 1 < options.nInit) space.labels.set(bestLabels!);
  const { inertia, iterations, converged } = inits[winner.init];
  return {
    centroids: winner.centroids,
    sizes: winner.sizes,
    inertia,
    iterations,
    converged,
    inits,
    initialCentroids: Float64Array.from(winner.start),
  };
}

/** Local trials per centre of greedy k-means++, as in scikit-learn. */
export function localTrials(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

/** One k-means problem bound to an executor: the steps of the algorithm, driven from here. */
class KMeansRun {
  private readonly blocks: number;

  constructor(
    private readonly space: KMeansSpace,
    private readonly executor: BlockExecutor,
    private readonly algorithm: KMeansAlgorithm,
    private readonly maxIter: number,
  ) {
    this.blocks = blockCount(space.n);
  }

  /** Mean over columns of the column variances (Chan's pairwise combination of block moments). */
  async meanVariance(): Promise<number> {
    const { d, stride, partials } = this.space;
    await this.executor.run(this.space, { op: 'moments' });
    let count = 0;
    const mean = new Float64Array(d);
    const m2 = new Float64Array(d);
    for (let b = 0; b < this.blocks; b++) {
      const p = b * stride;
      const nb = partials[p];
      const total = count + nb;
      for (let j = 0; j < d; j++) {
        const delta = partials[p + 1 + j] - mean[j];
        mean[j] += (delta * nb) / total;
        m2[j] += partials[p + 1 + d + j] + (delta * delta * count * nb) / total;
      }
      count = total;
    }
    let sum = 0;
    for (let j = 0; j < d; j++) sum += m2[j] / count;
    if (!Number.isFinite(sum)) throw new Error('the points contain NaN or infinite values');
    return sum / d;
  }

  /**
   * Greedy k-means++: each centre is the best of 2 + ⌊ln k⌋ candidates drawn by D² weighting.
   * Each round is one pass over the rows: it folds in the centre chosen last round and scores
   * this round's candidates together.
   */
  async kmeansPlusPlus(random: SeededRandom): Promise<Float64Array> {
    const { k, d, n, data, params, partials, stride } = this.space;
    const trials = localTrials(k);
    const row = (i: number) => data.subarray(i * d, (i + 1) * d);
    const centres = new Float64Array(k * d);
    const first = random.int(n);
    centres.set(row(first), 0);
    params.set(row(first), 0);
    await this.executor.run(this.space, { op: 'potential', reset: true, apply: true, trials: 0 });
    let blockPotential = this.column(0);
    let pending = -1;
    for (let c = 1; c < k; c++) {
      const total = sum(blockPotential);
      const candidates: number[] = [];
      for (let t = 0; t < trials; t++) {
        candidates.push(this.drawByPotential(random.next() * total, blockPotential, pending));
      }
      if (pending >= 0) params.set(row(pending), 0);
      candidates.forEach((candidate, t) => {
        params.set(row(candidate), (1 + t) * d);
      });
      await this.executor.run(this.space, { op: 'potential', reset: false, apply: pending >= 0, trials });
      let bestTrial = 0;
      let bestPotential = Number.POSITIVE_INFINITY;
      for (let t = 0; t < trials; t++) {
        let potential = 0;
        for (let b = 0; b < this.blocks; b++) potential += partials[b * stride + 1 + t];
        if (potential < bestPotential) {
          bestPotential = potential;
          bestTrial = t;
        }
      }
      pending = candidates[bestTrial];
      centres.set(row(pending), c * d);
      blockPotential = this.column(1 + bestTrial);
    }
    return centres;
  }

  /**
   * The first row whose cumulative potential reaches `target` (scikit-learn's searchsorted),
   * with the centre `pending` (chosen but not yet folded into closest) taken into account.
   */
  private drawByPotential(target: number, blockPotential: Float64Array, pending: number): number {
    const { n, d, data, closest } = this.space;
    let before = 0;
    let b = 0;
    while (b < this.blocks - 1 && before + blockPotential[b] < target) before += blockPotential[b++];
    const end = Math.min(n, (b + 1) * BLOCK_ROWS);
    let running = before;
    const q = pending * d;
    for (let i = b * BLOCK_ROWS; i < end; i++) {
      let weight = closest[i];
      if (pending >= 0) {
        let acc = 0;
        for (let j = 0; j < d; j++) {
          const t = data[i * d + j] - data[q + j];
          acc += t * t;
        }
        if (acc < weight) weight = acc;
      }
      running += weight;
      if (running >= target) return i;
    }
    return end - 1;
  }

  /** Values at offset `t` of every block's partials. */
  private column(t: number): Float64Array {
    const out = new Float64Array(this.blocks);
    for (let b = 0; b < this.blocks; b++) out[b] = this.space.partials[b * this.space.stride + t];
    return out;
  }

  /** Lloyd iterations (pruned by Hamerly's bounds) from `start` until convergence or maxIter. */
  async fit(
    start: Float64Array,
    tolerance: number,
  ): Promise<{ centroids: Float64Array; sizes: number[]; init: KMeansInitResult }> {
    const { k, d, params, labels } = this.space;
    const centroids = Float64Array.from(start);
    const next = new Float64Array(k * d);
    const drift = { perCentroid: new Float64Array(k), max: 0 };
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    labels.fill(-1);
    let iterations = 0;
    let strict = false;
    let converged = false;
    while (iterations < this.maxIter) {
      await this.step(centroids, drift, sums, counts);
      iterations++;
      const changed = this.changed();
      if (counts.some((c) => c === 0)) await this.refillEmptyClusters(sums, counts);
      let total = 0;
      let largest = 0;
      for (let c = 0; c < k; c++) {
        let moved = 0;
        for (let j = 0; j < d; j++) {
          const o = c * d + j;
          next[o] = counts[c] > 0 ? sums[o] / counts[c] : centroids[o];
          const delta = next[o] - centroids[o];
          moved += delta * delta;
        }
        const shift = Math.sqrt(moved);
        drift.perCentroid[c] += shift;
        if (shift > largest) largest = shift;
        total += moved;
      }
      drift.max += largest;
      centroids.set(next);
      if (changed === 0) {
        strict = true;
        converged = true;
        break;
      }
      if (total <= tolerance) {
        converged = true;
        break;
      }
    }
    // Labels must belong to the final centroids (scikit-learn's last E-step); not needed when
    // no label changed, since the centroids then did not move.
    if (!strict) await this.step(centroids, drift, sums, counts);
    params.set(centroids);
    await this.executor.run(this.space, { op: 'inertia' });
    const inertia = sum(this.column(PART_INERTIA));
    return { centroids, sizes: Array.from(counts), init: { inertia, iterations, converged } };
  }

  /** One assignment step against `centroids`; folds the blocks' count and sum changes in. */
  private async step(
    centroids: Float64Array,
    drift: { perCentroid: Float64Array; max: number },
    sums: Float64Array,
    counts: Float64Array,
  ): Promise<void> {
    const { k, d, params, partials, stride } = this.space;
    params.set(centroids, 0);
    params.set(drift.perCentroid, k * d);
    params.set(halfSeparations(centroids, k, d), k * d + k);
    await this.executor.run(this.space, { op: 'step', algorithm: this.algorithm, maxDrift: drift.max });
    // Lloyd blocks report full counts and sums; Hamerly blocks report changes to them.
    if (this.algorithm === 'lloyd') {
      sums.fill(0);
      counts.fill(0);
    }
    for (let b = 0; b < this.blocks; b++) {
      const p = b * stride + PART_COUNTS;
      for (let c = 0; c < k; c++) counts[c] += partials[p + c];
      for (let o = 0; o < k * d; o++) sums[o] += partials[p + k + o];
    }
  }

  private changed(): number {
    return sum(this.column(PART_CHANGED));
  }

  /**
   * Gives each empty cluster the point farthest from its own centroid (as scikit-learn does),
   * never emptying another cluster. The moved points' bounds are reset so the next step
   * computes them from scratch.
   */
  private async refillEmptyClusters(sums: Float64Array, counts: Float64Array): Promise<void> {
    const { k, d, data, labels, upper, lower, partials, stride } = this.space;
    const empty: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
    const want = Math.min(k, 2 * empty.length);
    await this.executor.run(this.space, { op: 'farthest', count: want });
    const candidates: [number, number][] = [];
    for (let b = 0; b < this.blocks; b++) {
      for (let t = 0; t < want; t++) {
        const row = partials[b * stride + 2 * t + 1];
        if (row >= 0) candidates.push([partials[b * stride + 2 * t], row]);
      }
    }
    candidates.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    let next = 0;
    for (const cluster of empty) {
      while (next < candidates.length && counts[labels[candidates[next][1]]] <= 1) next++;
      if (next >= candidates.length) return;
      const row = candidates[next++][1];
      const from = labels[row];
      labels[row] = cluster;
      counts[from]--;
      counts[cluster]++;
      for (let j = 0; j < d; j++) {
        sums[from * d + j] -= data[row * d + j];
        sums[cluster * d + j] += data[row * d + j];
      }
      upper[row] = Number.POSITIVE_INFINITY;
      lower[row] = Number.NEGATIVE_INFINITY;
    }
  }
}

/** Half the distance from each centroid to its nearest other centroid. */
function halfSeparations(centroids: Float64Array, k: number, d: number): Float64Array {
  const out = new Float64Array(k).fill(Number.POSITIVE_INFINITY);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      let acc = 0;
      for (let j = 0; j < d; j++) {
        const t = centroids[a * d + j] - centroids[b * d + j];
        acc += t * t;
      }
      const half = Math.sqrt(acc) / 2;
      if (half < out[a]) out[a] = half;
      if (half < out[b]) out[b] = half;
    }
  }
  return out;
}

function sum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}
