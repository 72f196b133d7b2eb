import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../data/import-dataset.js';
import type { BasketSequences, ImportSummary, SnapshotReader } from '../data/snapshot.js';
import { FileSnapshotReader } from '../data/snapshot-reader.js';

/** Basket sequences of (a sample of) a snapshot's customers, with what identifies its products. */
export interface SnapshotSequences {
  sequences: BasketSequences;
  catalogue: number;
  productIds: string[];
  /** Snapshot content version (recorded with a trained model). */
  datasetVersion: string;
  referenceTime: number;
  /** Customers in the snapshot (sequences may hold a sample of them). */
  customers: number;
}

/**
 * Reads basket sequences from a snapshot. Above `maxCustomers`, evenly spaced blocks of
 * customers are read instead of all of them, so training memory stays bounded on a million
 * customers (training time is bounded by the customers anyway).
 */
export async function readSnapshotSequences(
  reader: SnapshotReader,
  maxCustomers = 200_000,
): Promise<SnapshotSequences> {
  const total = reader.manifest.customers;
  const products = await reader.products();
  const productIds = products.map((p) => p.id);
  let sequences: BasketSequences;
  if (total <= maxCustomers) {
    sequences = await reader.baskets(0, total);
  } else {
    const block = 1000;
    const blocks = Math.ceil(maxCustomers / block);
    const stride = Math.floor(total / blocks);
    const parts: BasketSequences[] = [];
    for (let i = 0; i < blocks; i++) {
      const start = i * stride;
      parts.push(await reader.baskets(start, Math.min(total, start + block)));
    }
    sequences = concatSequences(parts);
  }
  return {
    sequences,
    catalogue: reader.manifest.products,
    productIds,
    datasetVersion: reader.manifest.version,
    referenceTime: reader.manifest.referenceTime,
    customers: total,
  };
}

/** Joins sequence ranges into one (start 0, customers in the given order). */
export function concatSequences(parts: BasketSequences[]): BasketSequences {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const baskets = parts.reduce((n, p) => n + p.basketTime.length, 0);
  const items = parts.reduce((n, p) => n + p.items.length, 0);
  const out: BasketSequences = {
    start: 0,
    length,
    basketStart: new Uint32Array(length + 1),
    basketTime: new Float64Array(baskets),
    basketSpend: new Float64Array(baskets),
    itemStart: new Uint32Array(baskets + 1),
    items: new Uint32Array(items),
  };
  let c = 0;
  let b = 0;
  let i = 0;
  for (const part of parts) {
    for (let j = 0; j < part.length; j++) out.basketStart[c + j] = b + part.basketStart[j];
    const nb = part.basketTime.length;
    out.basketTime.set(part.basketTime, b);
    out.basketSpend.set(part.basketSpend, b);
    for (let j = 0; j < nb; j++) out.itemStart[b + j] = i + part.itemStart[j];
    out.items.set(part.items, i);
    c += part.length;
    b += nb;
    i += part.items.length;
  }
  out.basketStart[length] = b;
  out.itemStart[baskets] = i;
  return out;
}

export interface OrdersFileOptions {
  orders: string | readonly string[];
  format?: 'auto' | 'online-retail' | 'generic';
  naiveTimeZone?: string;
  /** Where the temporary snapshot is built (default: the OS temp directory); removed after. */
  workDir?: string;
}

/**
 * Orders file(s) → basket sequences, through the regular import (same cleaning and rejects as
 * `tailor import`), into a temporary snapshot that is deleted afterwards. Every basket is kept.
 */
export async function readOrdersSequences(
  options: OrdersFileOptions,
): Promise<SnapshotSequences & { import: ImportSummary; rejected: number }> {
  const root = await mkdtemp(join(options.workDir ?? tmpdir(), 'tailor-predict-'));
  try {
    const imported = await importDataset({
      name: 'evaluation',
      root,
      orders: options.orders,
      ordersFormat: options.format ?? 'auto',
      maxBaskets: 100_000,
      writeRejects: false,
      rejectSamples: 0,
      ...(options.naiveTimeZone ? { naiveTimeZone: options.naiveTimeZone } : {}),
    });
    const reader = await FileSnapshotReader.open(imported.dir);
    try {
      const read = await readSnapshotSequences(reader, Number.POSITIVE_INFINITY);
      return { ...read, import: imported.manifest.import, rejected: imported.manifest.rejected };
    } finally {
      await reader.close();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
