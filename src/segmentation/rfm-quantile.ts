import { buildCustomerFeatures, FREQUENCY, MONETARY, RECENCY } from './features.js';
import {
  describeSegment,
  featureDistribution,
  rfmScoresOf,
  rfmSegmentName,
  SEGMENT_NAMES,
  type SegmentName,
} from './segment-names.js';
import { buildProfiles, customerAssignments, segmentCentroids } from './segment-profiles.js';
import type { SegmentationInput, SegmentationResult, Segmenter } from './segmenter.js';

/**
 * RFM quantile segments: every customer gets recency, frequency and monetary quintile scores
 * (ties share a score) and lands in the cell of the classic RFM grid those scores point to.
 * Deterministic and needs no fitting; `k` and `seed` are ignored (the grid decides how many
 * segments there are: the non-empty cells).
 */
export class RfmQuantileSegmenter implements Segmenter {
  readonly method = 'rfm-quantile';

  async segment(input: SegmentationInput): Promise<SegmentationResult> {
    const { aggregates, referenceTime, profilable } = input;
    const features = buildCustomerFeatures(aggregates, referenceTime, profilable);
    const distribution = featureDistribution(features);
    const { d, raw } = features;

    const cell = new Int32Array(features.n);
    const scoreSums = new Float64Array(SEGMENT_NAMES.length * 3);
    for (let i = 0; i < features.n; i++) {
      const point = {
        recencyDays: raw[i * d + RECENCY],
        orders: raw[i * d + FREQUENCY],
        spend: raw[i * d + MONETARY],
      };
      const scores = rfmScoresOf(point, distribution);
      const c = SEGMENT_NAMES.indexOf(rfmSegmentName(scores));
      cell[i] = c;
      scoreSums[c * 3] += scores.r;
      scoreSums[c * 3 + 1] += scores.f;
      scoreSums[c * 3 + 2] += scores.m;
    }

    // Dense segment ids over the non-empty cells, in grid order (best customers first).
    const cellSize = new Array<number>(SEGMENT_NAMES.length).fill(0);
    for (const c of cell) cellSize[c]++;
    const idOfCell = new Int32Array(SEGMENT_NAMES.length).fill(-1);
    const used: SegmentName[] = [];
    SEGMENT_NAMES.forEach((name, c) => {
      if (cellSize[c] > 0) {
        idOfCell[c] = used.length;
        used.push(name);
      }
    });
    const rowLabels = cell.map((c) => idOfCell[c]);
    const k = used.length;
    const { centroids, sizes } = segmentCentroids(features, rowLabels, k);
    const labels = used.map((name, id) => {
      const c = SEGMENT_NAMES.indexOf(name);
      const scores = {
        r: Math.round(scoreSums[c * 3] / cellSize[c]),
        f: Math.round(scoreSums[c * 3 + 1] / cellSize[c]),
        m: Math.round(scoreSums[c * 3 + 2] / cellSize[c]),
      };
      const { recencyDays, orders, spend } = centroids[id];
      return { name, description: describeSegment(name, { recencyDays, orders, spend }, scores) };
    });

    return {
      method: this.method,
      k,
      profiles: buildProfiles(labels, centroids, sizes),
      assignments: customerAssignments(features, rowLabels, aggregates.length),
      details: {
        segmented: features.n,
        excluded: aggregates.length - features.n,
        quintileBounds: {
          recencyDays: quintileBounds(distribution.sorted[RECENCY]),
          orders: quintileBounds(distribution.sorted[FREQUENCY]),
          spend: quintileBounds(distribution.sorted[MONETARY]),
        },
      },
    };
  }
}

/** Values at the 20th, 40th, 60th and 80th percentiles (for reports). */
function quintileBounds(sorted: Float64Array): number[] {
  if (sorted.length === 0) return [];
  return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}
