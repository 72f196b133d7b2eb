import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tailorHome } from '../config/paths.js';
import { assertLittleEndian } from './column-writer.js';
import type { RejectSample } from './data-errors.js';
import { ImportReport } from './import-report.js';
import { detectOrdersFormat, type OrdersFormat } from './import-tables.js';
import { buildSnapshot, type ImportProgress } from './snapshot-builder.js';
import { snapshotDir, snapshotsDir } from './snapshot-catalog.js';
import { assertSnapshotName, SNAPSHOT_FILES, type StoredManifest } from './snapshot-files.js';
import { TableReader } from './table-reader.js';
import { resolveTextLimits, type TextLimits } from './text-limits.js';
import { assertTimeZone } from './timestamps.js';

export type { ImportProgress } from './snapshot-builder.js';

/**
 * `tailor import`: orders (generic or UCI Online Retail) + optional customers and products
 * files → a snapshot under `<root>/snapshots/<name>/`. Every input is opened (and its header
 * checked) before any work; the snapshot is built in a hidden temporary directory beside the
 * target (snapshot-builder.ts) and renamed into place, so readers never see half a snapshot.
 */

export interface ImportOptions {
  /** Dataset name: the snapshot directory under `<root>/snapshots/`. */
  name: string;
  /** Default: `TAILOR_HOME` or `.tailor` in the working directory. */
  root?: string;
  orders: string | readonly string[];
  /** Default 'auto': UCI Online Retail when a CSV header has InvoiceNo and StockCode. */
  ordersFormat?: 'auto' | OrdersFormat;
  customers?: string;
  products?: string;
  /** Newest baskets kept per customer. Default 50. */
  maxBaskets?: number;
  /** Zone of generic `ordered_at` values without an offset. Default UTC. */
  naiveTimeZone?: string;
  limits?: Partial<TextLimits>;
  /** Rejects kept as samples in the result. Default 100. */
  rejectSamples?: number;
  /** Write every rejected row to rejects.ndjson in the snapshot. Default true. */
  writeRejects?: boolean;
  /** Customers per pass-2 partition (tuning and tests; does not change the snapshot). */
  customersPerPartition?: number;
  /** Called once per chunk read (about every 256 KiB) and when baskets are being built. */
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  dir: string;
  manifest: StoredManifest;
  /** The first `rejectSamples` rejected rows. */
  rejects: RejectSample[];
}

export async function importDataset(options: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  assertLittleEndian();
  assertSnapshotName(options.name);
  const maxBaskets = options.maxBaskets ?? 50;
  if (!Number.isInteger(maxBaskets) || maxBaskets < 1 || maxBaskets > 100_000) {
    throw new RangeError('maxBaskets must be an integer from 1 to 100000');
  }
  const naiveTimeZone = options.naiveTimeZone ?? 'UTC';
  assertTimeZone(naiveTimeZone);
  const limits = resolveTextLimits(options.limits);
  const orderFiles = typeof options.orders === 'string' ? [options.orders] : [...options.orders];
  if (orderFiles.length === 0) throw new RangeError('at least one orders file is needed');

  const [customers, products, ...orderReaders] = await openAll(
    [options.customers, options.products, ...orderFiles],
    limits,
  );
  const orders = orderReaders.map((reader) => {
    const opened = reader as TableReader;
    const auto = !options.ordersFormat || options.ordersFormat === 'auto';
    return {
      reader: opened,
      format: auto ? detectOrdersFormat(opened) : (options.ordersFormat as OrdersFormat),
    };
  });
  const root = resolve(options.root ?? tailorHome());
  let tmp = '';
  let report: ImportReport | null = null;
  try {
    await mkdir(snapshotsDir(root), { recursive: true });
    tmp = await mkdtemp(join(snapshotsDir(root), `.tmp-${options.name}-`));
    const rejectsPath = (options.writeRejects ?? true) ? join(tmp, SNAPSHOT_FILES.rejects) : null;
    report = new ImportReport(options.rejectSamples ?? 100, rejectsPath);
    const settings = { ...options, maxBaskets, naiveTimeZone, limits };
    const manifest = await buildSnapshot({ customers, products, orders }, settings, tmp, report, started);
    const dir = snapshotDir(root, options.name);
    await replaceDirectory(tmp, dir);
    return { dir, manifest, rejects: report.samples };
  } catch (error) {
    report?.close();
    await Promise.all([customers, products, ...orderReaders].map((reader) => reader?.close()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Opens each path (null stays null); on any failure closes those already open. */
async function openAll(paths: (string | undefined)[], limits: TextLimits): Promise<(TableReader | null)[]> {
  const readers: (TableReader | null)[] = [];
  try {
    for (const path of paths) readers.push(path ? await TableReader.open(path, limits) : null);
    return readers;
  } catch (error) {
    await Promise.all(readers.map((reader) => reader?.close()));
    throw error;
  }
}

/**
 * Puts the finished snapshot in place. A rename onto a missing name is atomic; an existing
 * snapshot is first renamed aside (readers holding its files keep reading them) and removed.
 */
async function replaceDirectory(from: string, to: string): Promise<void> {
  if (!existsSync(to)) {
    await rename(from, to);
    return;
  }
  const aside = join(resolve(to, '..'), `.old-${randomBytes(6).toString('hex')}`);
  await rename(to, aside);
  await rename(from, to);
  await rm(aside, { recursive: true, force: true });
}
