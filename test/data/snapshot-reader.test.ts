import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailorHome } from '../../src/config/paths.js';
import { importDataset } from '../../src/data/import-dataset.js';
import type { BasketSequences, CustomerAggregates } from '../../src/data/snapshot.js';
import {
  listSnapshots,
  openSnapshot,
  SnapshotNotFoundError,
  snapshotsDir,
} from '../../src/data/snapshot-catalog.js';
import { FileSnapshotReader, SnapshotDamagedError } from '../../src/data/snapshot-reader.js';

const root = mkdtempSync(join(tmpdir(), 'tailor-reader-'));
let reader: FileSnapshotReader;
let customers: number;
let whole: { aggregates: CustomerAggregates; baskets: BasketSequences };

beforeAll(async () => {
  await importDataset({
    name: 'sample',
    root,
    orders: 'data/sample/online_retail_sample.csv.gz',
    customers: 'data/sample/customers.csv',
    maxBaskets: 20,
    customersPerPartition: 64, // several partitions, so their seams are read across too
  });
  reader = await openSnapshot(root, 'sample');
  customers = reader.manifest.customers;
  whole = { aggregates: await reader.aggregates(0, customers), baskets: await reader.baskets(0, customers) };
});
afterAll(async () => {
  await reader.close();
  rmSync(root, { recursive: true, force: true });
});

/** The baskets of customer `i` of a range, as plain data (times and item lists). */
function basketsOf(sequences: BasketSequences, i: number) {
  const out: { time: number; spend: number; items: number[] }[] = [];
  for (let b = sequences.basketStart[i]; b < sequences.basketStart[i + 1]; b++) {
    const items = [...sequences.items.subarray(sequences.itemStart[b], sequences.itemStart[b + 1])];
    out.push({ time: sequences.basketTime[b], spend: sequences.basketSpend[b], items });
  }
  return out;
}

describe('FileSnapshotReader', () => {
  it('reads any range exactly as the same customers of a full read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), async (x, y) => {
        const start = x % (customers + 1);
        const end = start + (y % (customers - start + 1));
        const aggregates = await reader.aggregates(start, end);
        const baskets = await reader.baskets(start, end);
        const records = await reader.customers(start, end);
        expect(records.map((record) => record.index)).toEqual(
          Array.from({ length: end - start }, (_, i) => start + i),
        );
        expect(baskets.basketStart[0]).toBe(0);
        expect(baskets.itemStart[0]).toBe(0);
        for (let i = 0; i < end - start; i++) {
          expect(aggregates.orders[i]).toBe(whole.aggregates.orders[start + i]);
          expect(aggregates.spend[i]).toBe(whole.aggregates.spend[start + i]);
          expect(aggregates.lastOrderAt[i]).toBe(whole.aggregates.lastOrderAt[start + i]);
          expect(basketsOf(baskets, i)).toEqual(basketsOf(whole.baskets, start + i));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps at most maxBaskets per customer, oldest first, newest last', () => {
    const { basketStart, basketTime } = whole.baskets;
    for (let i = 0; i < customers; i++) {
      const stored = basketStart[i + 1] - basketStart[i];
      expect(stored).toBe(Math.min(20, whole.aggregates.orders[i]));
      for (let b = basketStart[i] + 1; b < basketStart[i + 1]; b++)
        expect(basketTime[b]).toBeGreaterThanOrEqual(basketTime[b - 1]);
      if (stored > 0) expect(basketTime[basketStart[i + 1] - 1]).toBe(whole.aggregates.lastOrderAt[i]);
    }
    expect(Math.max(...whole.aggregates.orders)).toBeGreaterThan(20); // truncation did happen
  });

  it('holds the same bytes whatever the partition size of the build', async () => {
    const other = await importDataset({
      name: 'unpartitioned',
      root,
      orders: 'data/sample/online_retail_sample.csv.gz',
      customers: 'data/sample/customers.csv',
      maxBaskets: 20,
    });
    const files = readdirSync(reader.dir).filter((file) => file !== 'manifest.json');
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      expect(readFileSync(join(other.dir, file)).equals(readFileSync(join(reader.dir, file))), file).toBe(
        true,
      );
    }
    expect(other.manifest.version).toBe(reader.manifest.version);
    rmSync(other.dir, { recursive: true });
  });

  it('refuses ranges outside the snapshot', async () => {
    await expect(reader.aggregates(-1, 2)).rejects.toThrow(RangeError);
    await expect(reader.baskets(0, customers + 1)).rejects.toThrow(/outside \[0, \d+\)/);
    await expect(reader.customers(3, 2)).rejects.toThrow(RangeError);
    expect(await reader.customers(5, 5)).toEqual([]);
  });

  it('lists and opens snapshots by name, and says which exist when one is missing', async () => {
    expect((await listSnapshots(root)).map((manifest) => manifest.name)).toEqual(['sample']);
    await expect(openSnapshot(root, 'nope')).rejects.toThrow(SnapshotNotFoundError);
    await expect(openSnapshot(root, 'nope')).rejects.toThrow(/known: sample/);
    await expect(openSnapshot(root, '../etc')).rejects.toThrow(/invalid dataset name/);
    expect(await listSnapshots(join(root, 'missing'))).toEqual([]);
    expect(tailorHome({ TAILOR_HOME: '/srv/tailor' }, '/x')).toBe('/srv/tailor');
    expect(tailorHome({}, '/x')).toBe('/x/.tailor');
  });

  it('detects a damaged copy at open', async () => {
    const copy = join(snapshotsDir(root), 'damaged');
    cpSync(reader.dir, copy, { recursive: true });
    truncateSync(join(copy, 'baskets.items.u32'), 12);
    await expect(FileSnapshotReader.open(copy)).rejects.toThrow(SnapshotDamagedError);
    await expect(FileSnapshotReader.open(copy)).rejects.toThrow(/baskets\.items\.u32 has 12 bytes/);
    rmSync(copy, { recursive: true });
  });
});
