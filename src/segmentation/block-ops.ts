import {
  type HamerlyParams,
  type KMeansAlgorithm,
  kernelsFor,
  PART_INERTIA,
  stepPartStride,
} from './kmeans-kernels.js';
import { silhouetteKernelFor } from './silhouette-kernel.js';

/**
 * Work on a matrix is cut into fixed blocks of rows. Each block writes its own partial results,
 * and the driver combines them in block order, so a result is the same whichever thread ran a
 * block and however many threads there were.
 */
export const BLOCK_ROWS = 8192;

export function blockCount(n: number): number {
  return Math.ceil(n / BLOCK_ROWS);
}

/**
 * Silhouette rows each cost a pass over the whole sample, so its blocks are small: a 5,000-row
 * sample still makes enough blocks to share between threads.
 */
export const SILHOUETTE_BLOCK_ROWS = 64;

export function rowsPerBlock(space: Space): number {
  return space.kind === 'silhouette' ? SILHOUETTE_BLOCK_ROWS : BLOCK_ROWS;
}

/** Blocks of a space. */
export function spaceBlocks(space: Space): number {
  return Math.ceil(space.n / rowsPerBlock(space));
}

/** State of one k-means problem, in memory that worker threads share with the driver. */
export interface KMeansSpace {
  kind: 'kmeans';
  id: number;
  n: number;
  d: number;
  k: number;
  /** Points, row-major [n × d]. */
  data: Float64Array;
  labels: Int32Array;
  /** Hamerly bounds: distance to the assigned centroid (upper) and to the second closest (lower). */
  upper: Float64Array;
  lower: Float64Array;
  /** k-means++: squared distance of each point to its nearest chosen centre. */
  closest: Float64Array;
  /**
   * Centroids [k × d], then drifts [k], then half separations [k]; during k-means++, the
   * centre to apply and the candidates, row after row.
   */
  params: Float64Array;
  /** Per-block partial results [blocks × stride]. */
  partials: Float64Array;
  stride: number;
}

/** A labelled sample whose silhouette is wanted. */
export interface SilhouetteSpace {
  kind: 'silhouette';
  id: number;
  n: number;
  d: number;
  k: number;
  data: Float64Array;
  labels: Int32Array;
  /** Cluster sizes within the sample [k]. */
  sizes: Float64Array;
  /** One silhouette sum per block. */
  partials: Float64Array;
  stride: number;
}

export type Space = KMeansSpace | SilhouetteSpace;

export type BlockOp =
  /**
   * A k-means++ round: `reset` sets closest to +∞ first; with `apply`, row 0 of the centres in
   * params is folded into closest; then the potentials of the `trials` candidates in rows 1...
   */
  | { op: 'potential'; reset: boolean; apply: boolean; trials: number }
  /** One assignment step against the centroids in params. */
  | { op: 'step'; algorithm: KMeansAlgorithm; maxDrift: number }
  | { op: 'inertia' }
  /** Per-block count, column means and sums of squared deviations. */
  | { op: 'moments' }
  /** Per-block `count` rows farthest from their centroid: [dist², row] pairs, largest first. */
  | { op: 'farthest'; count: number }
  | { op: 'silhouette' };

/** Partials stride that fits every op of a k-means space. */
export function kmeansStride(k: number, d: number, trials: number): number {
  return Math.max(stepPartStride(k, d), 1 + 2 * d, 2 * k, 1 + trials);
}

export function hamerlyParams(space: KMeansSpace, op: Extract<BlockOp, { op: 'step' }>): HamerlyParams {
  const { k, d, params } = space;
  return {
    centroids: params.subarray(0, k * d),
    drift: params.subarray(k * d, k * d + k),
    halfSeparation: params.subarray(k * d + k, k * d + 2 * k),
    maxDrift: op.maxDrift,
    queue: new Int32Array(BLOCK_ROWS),
    tally: new Float64Array(k + k * d),
  };
}

/**
 * Prepares `op` on `space` and returns the function that runs it on one block. Shared by worker
 * threads and the in-thread executor; prepared once per op and thread.
 */
export function blockRunner(space: Space, op: BlockOp): (block: number) => void {
  const { partials, stride, n } = space;
  const rows = rowsPerBlock(space);
  const range = (block: number) => [block * rows, Math.min(n, (block + 1) * rows)];
  if (space.kind === 'silhouette') {
    if (op.op !== 'silhouette') throw new Error(`op ${op.op} does not apply to a silhouette space`);
    const kernel = silhouetteKernelFor(space.d);
    const scratch = new Float64Array(space.k);
    return (block) => {
      const [start, end] = range(block);
      partials[block * stride] = kernel(
        space.data,
        n,
        start,
        end,
        space.k,
        space.labels,
        space.sizes,
        scratch,
      );
    };
  }
  const kernels = kernelsFor(space.d);
  const { data, d, k, labels } = space;
  const centroids = space.params.subarray(0, k * d);
  switch (op.op) {
    case 'potential':
      return (block) => {
        const [start, end] = range(block);
        if (op.reset) space.closest.fill(Number.POSITIVE_INFINITY, start, end);
        kernels.potentials(
          data,
          start,
          end,
          space.closest,
          op.apply,
          space.params,
          op.trials,
          partials,
          block * stride,
        );
      };
    case 'step': {
      const params = hamerlyParams(space, op);
      const width = stepPartStride(k, d);
      return (block) => {
        const [start, end] = range(block);
        const p = block * stride;
        partials.fill(0, p, p + width);
        if (op.algorithm === 'lloyd') kernels.lloyd(data, start, end, k, centroids, labels, partials, p);
        else kernels.hamerly(data, start, end, k, labels, space.upper, space.lower, params, partials, p);
      };
    }
    case 'inertia':
      return (block) => {
        const [start, end] = range(block);
        partials[block * stride + PART_INERTIA] = kernels.inertia(data, start, end, centroids, labels);
      };
    case 'moments':
      return (block) => {
        const [start, end] = range(block);
        kernels.moments(data, start, end, partials, block * stride);
      };
    case 'farthest':
      return (block) => {
        const [start, end] = range(block);
        const p = block * stride;
        const top: [number, number][] = [];
        for (let i = start; i < end; i++) {
          const c = labels[i] * d;
          let acc = 0;
          for (let j = 0; j < d; j++) {
            const t = data[i * d + j] - centroids[c + j];
            acc += t * t;
          }
          if (top.length < op.count || acc > top[top.length - 1][0]) {
            top.push([acc, i]);
            top.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
            if (top.length > op.count) top.pop();
          }
        }
        for (let t = 0; t < op.count; t++) {
          partials[p + 2 * t] = t < top.length ? top[t][0] : -1;
          partials[p + 2 * t + 1] = t < top.length ? top[t][1] : -1;
        }
      };
    case 'silhouette':
      throw new Error('silhouette runs on a silhouette space');
  }
}
