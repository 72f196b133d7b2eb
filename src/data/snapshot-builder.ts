import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBaskets } from './basket-builder.js';
import { CustomerDirectory } from './customer-directory.js';
import type { ImportReport } from './import-report.js';
import { loadCustomers, loadOrders, loadProducts, type OrdersFormat } from './import-tables.js';
import { LineSpill } from './line-spill.js';
import { onlineRetailProductUrl, titleFromDescription } from './online-retail.js';
import { type DeriveProduct, deriveGenericProduct, ProductCatalog } from './product-catalog.js';
import { SNAPSHOT_FILES, type SnapshotInput, type StoredManifest } from './snapshot-files.js';
import type { TableReader } from './table-reader.js';
import type { TextLimits } from './text-limits.js';

/**
 * Builds every file of a snapshot into a directory, in two passes over the orders.
 * Pass 1 streams each input once: rows are validated, customers and products get dense
 * indices, accepted lines are spilled to disk by customer partition (line-spill.ts).
 * Pass 2 (basket-builder.ts) builds each partition's baskets and aggregates.
 *
 * Memory bound (1M customers, 90M lines): ~110 bytes per customer (id index, flags, country)
 * + ~130 bytes per product + 64 KiB of spill buffer per 8,192 customers + one partition in
 * pass 2 (44 bytes per line of 8,192 customers: ~33 MB at 90 lines per customer) + read
 * buffers. No per-line state survives pass 1: 0 bytes per order line in memory, 40 on disk
 * (temporary).
 */

export interface ImportProgress {
  phase: 'customers' | 'products' | 'orders' | 'baskets';
  /** Input file being read ('' while building baskets). */
  file: string;
  /** Lines read so far, all files together. */
  linesRead: number;
  /** Stored (possibly compressed) bytes read so far and in all: a progress bar's position and total. */
  bytesRead: number;
  bytesTotal: number;
}

export interface SnapshotInputs {
  customers: TableReader | null;
  products: TableReader | null;
  orders: { reader: TableReader; format: OrdersFormat }[];
}

export interface BuildSettings {
  name: string;
  maxBaskets: number;
  naiveTimeZone: string;
  limits: TextLimits;
  customersPerPartition?: number;
  onProgress?: (progress: ImportProgress) => void;
}

/** Writes the snapshot's files and manifest into `dir` and returns the manifest. */
export async function buildSnapshot(
  inputs: SnapshotInputs,
  settings: BuildSettings,
  dir: string,
  report: ImportReport,
  started: number,
): Promise<StoredManifest> {
  const { maxBaskets, naiveTimeZone, limits, onProgress } = settings;
  const readers = [inputs.customers, inputs.products, ...inputs.orders.map((order) => order.reader)];
  const bytesTotal = readers.reduce((sum, reader) => sum + (reader?.totalBytes ?? 0), 0);
  let linesDone = 0;
  let bytesDone = 0;
  /** Runs one table's load with a progress report per batch, then books its lines and bytes. */
  const readWith = async (
    phase: ImportProgress['phase'],
    reader: TableReader,
    load: (onBatch: (line: number) => void) => Promise<void>,
  ) => {
    let last = 0;
    await load((line) => {
      last = Math.max(last, line);
      const bytesRead = bytesDone + reader.bytesRead;
      onProgress?.({ phase, file: reader.path, linesRead: linesDone + last, bytesRead, bytesTotal });
    });
    linesDone += last;
    bytesDone += reader.totalBytes;
  };

  const customers = new CustomerDirectory(dir, inputs.customers !== null);
  const customersFile = inputs.customers;
  if (customersFile) {
    await readWith('customers', customersFile, (onBatch) =>
      loadCustomers(customersFile, customers, report, onBatch),
    );
  }
  const products = new ProductCatalog(dir, inputs.products !== null, productDeriver(inputs));
  const productsFile = inputs.products;
  if (productsFile) {
    await readWith('products', productsFile, (onBatch) =>
      loadProducts(productsFile, products, report, onBatch),
    );
  }
  const spill = new LineSpill(join(dir, 'spill'), settings.customersPerPartition);
  const newest = { time: Number.NEGATIVE_INFINITY };
  const sinks = { customers, products, spill, report, newest };
  for (const { reader, format } of inputs.orders) {
    await readWith('orders', reader, (onBatch) => loadOrders(reader, format, naiveTimeZone, sinks, onBatch));
  }
  spill.finish();
  const customerCount = customers.finish();
  const productCount = products.finish();
  onProgress?.({ phase: 'baskets', file: '', linesRead: linesDone, bytesRead: bytesTotal, bytesTotal });
  const built = buildBaskets(spill, customerCount, productCount, maxBaskets, dir);
  spill.remove();
  report.close();

  const recorded: SnapshotInput[] = [
    ...(inputs.customers ? [describeInput('customers', inputs.customers, 'generic')] : []),
    ...(inputs.products ? [describeInput('products', inputs.products, 'generic')] : []),
    ...inputs.orders.map(({ reader, format }) => describeInput('orders', reader, format)),
  ];
  const options = { maxBaskets, naiveTimeZone, limits };
  const manifest: StoredManifest = {
    format: 1,
    name: settings.name,
    version: versionOf(options, recorded),
    createdAt: new Date().toISOString(),
    // With no order at all, "now" is the import time.
    referenceTime: Number.isFinite(newest.time) ? newest.time : Date.now(),
    customers: customerCount,
    products: productCount,
    orderLines: spill.lines,
    baskets: built.baskets,
    maxBaskets,
    import: report.summary(Math.round((performance.now() - started) / 10) / 100),
    storedBaskets: built.storedBaskets,
    storedItems: built.storedItems,
    inputs: recorded,
    options,
    rejected: report.rejected,
    rejectsFile: report.logsAll,
  };
  await writeFile(join(dir, SNAPSHOT_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** UCI Online Retail products get titles from descriptions and placeholder shop URLs. */
function productDeriver(inputs: SnapshotInputs): DeriveProduct {
  if (!inputs.orders.every((order) => order.format === 'online-retail')) return deriveGenericProduct;
  return (id, description) => ({
    title: description ? titleFromDescription(description) : id,
    description,
    category: '',
    url: onlineRetailProductUrl(id),
  });
}

/** Content hash of the inputs' bytes and the options that shape the snapshot (not file names). */
function versionOf(options: Record<string, unknown>, inputs: SnapshotInput[]): string {
  const identity = {
    format: 1,
    options,
    inputs: inputs.map((input) => [input.role, input.format, input.sha256]),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

function describeInput(role: SnapshotInput['role'], reader: TableReader, format: string): SnapshotInput {
  return {
    role,
    file: reader.path,
    format: `${format}/${reader.format}`,
    bytes: reader.totalBytes,
    sha256: reader.sha256(),
  };
}
