import type { CustomerAggregates } from '../data/snapshot.js';
import { type BlockExecutor, InThreadExecutor } from './block-executor.js';
import { BlockWorkerPool, sharedBlockPool } from './block-worker-pool.js';
import { chooseK, type KScore } from './choose-k.js';
import { buildCustomerFeatures, LOG_FEATURES, transformFeatures } from './features.js';
import { kmeans } from './kmeans.js';
import { featureDistribution, nameSegments, SEGMENT_NAMES } from './segment-names.js';
import { buildProfiles, customerAssignments, segmentCentroids } from './segment-profiles.js';
import type { SegmentationInput, SegmentationResult, Segmenter } from './segmenter.js';
import { sampledSilhouette } from './silhouette.js';
import { applyStandardScaler, fitStandardScaler } from './standard-scaler.js';

export interface KMeansSegmenterOptions {
  /** k-means++ initialisations per fit; default 10. */
  nInit?: number;
  /** Range searched when the input does not fix k; default 3..8. */
  kMin?: number;
  kMax?: number;
  /** Rows the silhouette is computed on; default 5,000. */
  silhouetteSample?: number;
  maxIter?: number;
  /**
   * Worker threads: default the process's shared pool (one per core); a number starts a pool of
   * its own for this call. 0 computes in the calling thread, which blocks its event loop: for
   * tests only.
   */
  threads?: number;
}

/**
 * Customer segments by k-means on standardised behaviour features (log1p where skewed), k fixed
 * or chosen by silhouette, each segment named from where its centroid sits in the RFM
 * distribution.
 */
export class KMeansSegmenter implements Segmenter {
  readonly method = 'kmeans';

  constructor(private readonly options: KMeansSegmenterOptions = {}) {}

  async segment(input: SegmentationInput): Promise<SegmentationResult> {
    const started = performance.now();
    const { aggregates, referenceTime, profilable, seed } = input;
    const nInit = this.options.nInit ?? 10;
    const features = buildCustomerFeatures(aggregates, referenceTime, profilable);
    const { n, d, names } = features;
    const transformed = transformFeatures(features.raw, names);
    const scaler = fitStandardScaler(transformed, d);
    const baseDetails = {
      features: [...names],
      logFeatures: names.filter((name) => LOG_FEATURES[name]),
      scaler,
      nInit,
      segmented: n,
      excluded: aggregates.length - n,
    };
    if (input.k !== undefined && (!Number.isInteger(input.k) || input.k < 1)) {
      throw new Error(`k must be a positive integer, got ${input.k}`);
    }
    if (n === 0) {
      return {
        method: this.method,
        k: 0,
        profiles: [],
        assignments: new Int16Array(aggregates.length).fill(-1),
        details: { ...baseDetails, seconds: (performance.now() - started) / 1000 },
      };
    }
    const threads = this.options.threads;
    const ownPool = threads !== undefined && threads > 0;
    const executor: BlockExecutor =
      threads === 0
        ? new InThreadExecutor()
        : ownPool
          ? await BlockWorkerPool.start(threads)
          : await sharedBlockPool();
    try {
      const scaled = applyStandardScaler(scaler, transformed, executor.threads > 0);
      const fixedK = input.k === undefined ? undefined : Math.min(input.k, n);
      let fit: Awaited<ReturnType<typeof kmeans>>;
      let silhouette: KScore[] = [];
      let silhouetteSample = 0;
      if (fixedK !== undefined || n < 4) {
        const k = fixedK ?? Math.min(n, this.options.kMin ?? 3);
        fit = await kmeans(scaled, d, { k, seed, nInit, maxIter: this.options.maxIter, executor });
        if (k >= 2 && k < n) {
          const score = await sampledSilhouette(scaled, d, fit.labels, k, {
            executor,
            seed,
            sampleSize: this.options.silhouetteSample,
          });
          silhouette = [{ k, silhouette: score.score, inertia: fit.inertia, iterations: fit.iterations }];
          silhouetteSample = score.sampleSize;
        }
      } else {
        const chosen = await chooseK(scaled, d, {
          min: this.options.kMin,
          max: this.options.kMax,
          seed,
          nInit,
          maxIter: this.options.maxIter,
          executor,
          silhouetteSample: this.options.silhouetteSample,
        });
        fit = chosen.fit;
        silhouette = chosen.scores;
        silhouetteSample = chosen.silhouetteSample;
      }

      const { k } = fit;
      const { centroids, sizes } = segmentCentroids(features, fit.labels, k);
      const labels = nameSegments(centroids, featureDistribution(features));
      // Segment ids in RFM grid order (best customers first), then by spend, so the same
      // segments get the same ids whatever labels a fit happened to use.
      const rank = (c: number) => {
        const base = labels[c].name.replace(/ \(.*\)$/, '');
        return SEGMENT_NAMES.indexOf(base as (typeof SEGMENT_NAMES)[number]);
      };
      const order = Array.from({ length: k }, (_, c) => c).sort(
        (a, b) => rank(a) - rank(b) || centroids[b].spend - centroids[a].spend || a - b,
      );
      const idOf = new Int32Array(k);
      order.forEach((c, id) => {
        idOf[c] = id;
      });
      const rowLabels = fit.labels.map((c) => idOf[c]);
      return {
        method: this.method,
        k,
        profiles: buildProfiles(
          order.map((c) => labels[c]),
          order.map((c) => centroids[c]),
          order.map((c) => sizes[c]),
        ),
        assignments: customerAssignments(features, rowLabels, aggregates.length),
        details: {
          ...baseDetails,
          chosenBy: fixedK === undefined && n >= 4 ? 'silhouette' : 'fixed',
          silhouette,
          silhouetteSample,
          inertia: fit.inertia,
          iterations: fit.iterations,
          converged: fit.converged,
          initInertias: fit.inits.map((init) => init.inertia),
          threads: executor.threads,
          seconds: (performance.now() - started) / 1000,
        },
      };
    } finally {
      if (ownPool) await executor.close();
    }
  }
}

/** The segment stage on a snapshot's aggregates: k-means segments, k chosen when not given. */
export function segmentSnapshotAggregates(
  aggregates: CustomerAggregates,
  referenceTime: number,
  profilable: Uint8Array,
  options: { k?: number; seed: number; nInit?: number; threads?: number },
): Promise<SegmentationResult> {
  return new KMeansSegmenter({ nInit: options.nInit, threads: options.threads }).segment({
    aggregates,
    referenceTime,
    profilable,
    k: options.k,
    seed: options.seed,
  });
}
