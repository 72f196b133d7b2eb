import type { CustomerAggregates } from '../data/snapshot.js';

/** A segment as a campaign manager sees it. */
export interface SegmentProfile {
  id: number;
  /** Human-readable name from where the centroid sits in the RFM distribution, e.g. "Champions". */
  name: string;
  description: string;
  size: number;
  /** Centroid in original units: recencyDays, orders, spend, ... */
  centroid: Record<string, number>;
}

export interface SegmentationInput {
  /** Aggregates of every customer in the snapshot (index 0..n-1). */
  aggregates: CustomerAggregates;
  /** Epoch ms that counts as "now" for recency. */
  referenceTime: number;
  /** 1 where the customer may be profiled; 0 excludes them (they get assignment -1). */
  profilable: Uint8Array;
  /** Fixed k, or undefined to let the segmenter choose. */
  k?: number;
  seed: number;
}

export interface SegmentationResult {
  method: string;
  k: number;
  profiles: SegmentProfile[];
  /** Segment id per customer index; -1 for customers excluded from profiling or with no orders. */
  assignments: Int16Array;
  /** Method-specific figures worth reporting (inertia, silhouette scores, scaler, ...). */
  details: Record<string, unknown>;
}

/** The segment stage's interface: RFM quantiles in the foundation, k-means later. */
export interface Segmenter {
  readonly method: string;
  segment(input: SegmentationInput): Promise<SegmentationResult>;
}
