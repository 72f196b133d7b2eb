import { BlockWorkerPool } from './block-worker-pool.js';
import { kmeans } from './kmeans.js';
import { readNumericCsv } from './numeric-csv.js';

export interface FitCsvOptions {
  /** Plain numeric CSV: a header row, then one row per point. */
  input: string;
  k: number;
  seed: number;
  nInit: number;
  maxIter?: number;
  /** Worker threads; default one per core. */
  threads?: number;
}

/** The one-line JSON summary of `tailor segment fit`. */
export interface FitCsvSummary {
  k: number;
  n: number;
  d: number;
  inertia: number;
  iterations: number;
  /** Clustering only (worker start-up included), not reading the file. */
  fitSeconds: number;
  sizes: number[];
}

/** k-means on the points of a numeric CSV file, as the CLI's `segment fit --input FILE` runs it. */
export async function fitCsv(options: FitCsvOptions): Promise<FitCsvSummary> {
  const matrix = await readNumericCsv(options.input);
  if (matrix.n < options.k) {
    throw new Error(
      `${options.input}: k-means with k = ${options.k} needs at least ${options.k} rows, found ${matrix.n}`,
    );
  }
  const started = performance.now();
  const executor = await BlockWorkerPool.start(options.threads);
  try {
    const fit = await kmeans(matrix.data, matrix.d, {
      k: options.k,
      seed: options.seed,
      nInit: options.nInit,
      maxIter: options.maxIter,
      executor,
    });
    const fitSeconds = (performance.now() - started) / 1000;
    return {
      k: fit.k,
      n: fit.n,
      d: fit.d,
      inertia: fit.inertia,
      iterations: fit.iterations,
      fitSeconds,
      sizes: fit.sizes,
    };
  } finally {
    await executor.close();
  }
}
