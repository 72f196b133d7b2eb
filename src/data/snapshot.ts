/**
 * The customer snapshot: what every stage reads. Built once by `tailor import` from customers,
 * products and orders, stored under `.tailor/snapshots/<name>/` as columnar binary files, and
 * read in chunks of customer indices, so no stage needs every order line in memory.
 *
 * Customers are addressed by their dense snapshot index (0..customers-1); products likewise.
 * The original ids are kept for display and joins.
 */

export interface SnapshotManifest {
  /** Format version of the files on disk. */
  format: 1;
  /** Dataset name (directory name under `.tailor/snapshots/`). */
  name: string;
  /** Content hash of the inputs + options, so a campaign records exactly what it read. */
  version: string;
  createdAt: string;
  /** Epoch ms of the newest order: "now" for recency, so old datasets behave like fresh ones. */
  referenceTime: number;
  customers: number;
  products: number;
  orderLines: number;
  baskets: number;
  /** Basket sequences are truncated to the newest `maxBaskets` baskets per customer. */
  maxBaskets: number;
  /** What the import accepted and rejected, per input file. */
  import: ImportSummary;
}

export interface ImportSummary {
  files: Record<string, { accepted: number; rejected: number; skipped: Record<string, number> }>;
  seconds: number;
}

/** Contact and consent data of one customer. Read in chunks; never all at once at scale. */
export interface CustomerRecord {
  index: number;
  id: string;
  email: string;
  firstName: string;
  country: string;
  /** IANA zone or '' when unknown. */
  timezone: string;
  /** Marketing consent: false means no marketing mail. */
  consent: boolean;
  /** The customer objects to profiling: excluded from segmentation, prediction and personal copy. */
  profilingObjection: boolean;
}

export interface ProductRecord {
  index: number;
  id: string;
  title: string;
  description: string;
  category: string;
  /** Latest unit price seen (catalogue price when given). */
  price: number;
  url: string;
}

/**
 * Per-customer aggregates as parallel typed-array columns over a contiguous range of
 * customer indices [start, start + length). Times are epoch ms. A customer with no order has
 * orders = 0 and NaN times.
 */
export interface CustomerAggregates {
  start: number;
  length: number;
  firstOrderAt: Float64Array;
  lastOrderAt: Float64Array;
  /** Distinct orders (baskets). */
  orders: Float64Array;
  /** Total spend (sum of quantity × unit price over accepted lines). */
  spend: Float64Array;
  /** Total units (sum of quantities). */
  units: Float64Array;
  /** Accepted order lines. */
  lines: Float64Array;
  /** Distinct products ever bought. */
  distinctProducts: Float64Array;
}

/**
 * Basket sequences of a contiguous range of customers, in CSR form.
 * Customer i (relative to `start`) owns baskets basketStart[i] .. basketStart[i+1]-1;
 * basket b holds items itemStart[b] .. itemStart[b+1]-1 (distinct product indices) and was
 * ordered at basketTime[b]. Baskets are in time order, oldest first, at most `maxBaskets`.
 */
export interface BasketSequences {
  start: number;
  length: number;
  basketStart: Uint32Array; // length + 1
  basketTime: Float64Array; // baskets
  basketSpend: Float64Array; // baskets
  itemStart: Uint32Array; // baskets + 1
  items: Uint32Array;
}

export interface SnapshotReader {
  readonly dir: string;
  readonly manifest: SnapshotManifest;
  /** The whole catalogue (small: thousands to a few hundred thousand rows). */
  products(): Promise<ProductRecord[]>;
  /** Number of baskets each product appears in, over all customers (global popularity). */
  productPopularity(): Promise<Uint32Array>;
  customers(start: number, end: number): Promise<CustomerRecord[]>;
  aggregates(start: number, end: number): Promise<CustomerAggregates>;
  baskets(start: number, end: number): Promise<BasketSequences>;
  /** Per-customer flags for the whole snapshot: bit 0 consent, bit 1 profiling objection. */
  flags(): Promise<Uint8Array>;
  close(): Promise<void>;
}

export const FLAG_CONSENT = 1;
export const FLAG_PROFILING_OBJECTION = 2;
