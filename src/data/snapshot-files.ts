import type { SnapshotManifest } from './snapshot.js';

/**
 * The on-disk layout of a snapshot directory (format 1), shared by writer and reader. Every
 * column is one file of little-endian typed values, indexed by customer (C entries), basket
 * (B stored baskets) or product (P entries):
 *
 * | file | type | entries |
 * | --- | --- | --- |
 * | customers.ndjson | JSON per line | C |
 * | customers.offsets.f64 | byte offset of each line, then the file length | C + 1 |
 * | customers.flags.u8 | bit 0 consent, bit 1 profiling objection | C |
 * | agg.<name>.f64 | first_order_at, last_order_at, orders, spend, units, lines, distinct_products | C |
 * | baskets.start.u32 | first stored basket of each customer, then B | C + 1 |
 * | baskets.time.f64, baskets.spend.f64 | per stored basket | B |
 * | baskets.item_start.u32 | first item of each basket, then the item count | B + 1 |
 * | baskets.items.u32 | distinct product indices, ascending within a basket | items |
 * | products.ndjson | JSON per line (the catalogue) | P |
 * | products.offsets.f64 | byte offset of each line, then the file length | P + 1 |
 * | products.popularity.u32 | baskets containing the product (all, not just stored) | P |
 * | rejects.ndjson | every rejected row: file, line, reason | rejects |
 */
export const SNAPSHOT_FILES = {
  manifest: 'manifest.json',
  customers: 'customers.ndjson',
  customerOffsets: 'customers.offsets.f64',
  flags: 'customers.flags.u8',
  basketStart: 'baskets.start.u32',
  basketTime: 'baskets.time.f64',
  basketSpend: 'baskets.spend.f64',
  itemStart: 'baskets.item_start.u32',
  items: 'baskets.items.u32',
  products: 'products.ndjson',
  productOffsets: 'products.offsets.f64',
  popularity: 'products.popularity.u32',
  rejects: 'rejects.ndjson',
} as const;

/** Per-customer aggregate columns, named as in CustomerAggregates. */
export const AGGREGATE_COLUMNS = [
  ['firstOrderAt', 'agg.first_order_at.f64'],
  ['lastOrderAt', 'agg.last_order_at.f64'],
  ['orders', 'agg.orders.f64'],
  ['spend', 'agg.spend.f64'],
  ['units', 'agg.units.f64'],
  ['lines', 'agg.lines.f64'],
  ['distinctProducts', 'agg.distinct_products.f64'],
] as const;

export type AggregateName = (typeof AGGREGATE_COLUMNS)[number][0];

/** What one input file contributed, recorded so a snapshot says exactly what it was built from. */
export interface SnapshotInput {
  role: 'customers' | 'products' | 'orders';
  file: string;
  format: string;
  bytes: number;
  sha256: string;
}

/** manifest.json: the SnapshotManifest every stage reads, plus what the reader needs to check files. */
export interface StoredManifest extends SnapshotManifest {
  /** Baskets kept on disk after truncation to `maxBaskets` per customer (manifest.baskets counts all). */
  storedBaskets: number;
  storedItems: number;
  inputs: SnapshotInput[];
  options: Record<string, unknown>;
  /** Total rejected rows, and whether rejects.ndjson lists them. */
  rejected: number;
  rejectsFile: boolean;
}

/** Directory names under `<root>/snapshots/`: no path tricks, no hidden or temp names. */
export const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function assertSnapshotName(name: string): void {
  if (!SNAPSHOT_NAME.test(name) || name.includes('..')) {
    throw new RangeError(
      `invalid dataset name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
}
