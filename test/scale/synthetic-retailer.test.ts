import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRealHistories } from '../../bench/real-histories.js';
import { writeSyntheticRetailer } from '../../bench/synthetic-retailer.js';
import { importDataset } from '../../src/data/import-dataset.js';
import { SAMPLE_ORDERS } from '../support/pipeline.js';

const DAY_MS = 86_400_000;

/** bench:data on the shipped UCI sample (the same code path as on the full file). */
describe('synthetic retailer', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'tailor-retailer-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const lines = (path: string) => gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n');

  it('is deterministic under its seed and reuses what it wrote', async () => {
    const first = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 300,
      out: join(scratch, 'a'),
      seed: 7,
    });
    expect(first.cached).toBe(false);
    const again = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 300,
      out: join(scratch, 'a'),
      seed: 7,
    });
    expect(again.cached).toBe(true);
    const twin = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 300,
      out: join(scratch, 'b'),
      seed: 7,
    });
    const other = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 300,
      out: join(scratch, 'c'),
      seed: 8,
    });
    for (const file of ['customers', 'products', 'orders'] as const) {
      expect(readFileSync(twin.files[file]).equals(readFileSync(first.files[file])), file).toBe(true);
    }
    expect(readFileSync(other.files.orders).equals(readFileSync(first.files.orders))).toBe(false);
    // A different size is a different retailer, not the cached one.
    const bigger = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 301,
      out: join(scratch, 'a'),
      seed: 7,
    });
    expect(bigger.cached).toBe(false);
    expect(lines(bigger.files.customers)).toHaveLength(302);
  });

  it("gives each customer one real customer's whole history, shifted by whole days", async () => {
    const real = await readRealHistories(SAMPLE_ORDERS);
    const signature = (rows: { middle: string; time: string }[]) =>
      rows
        .map((r) => `${r.middle}${r.time}`)
        .sort()
        .join('|');
    // Every real history as (product, quantity, price, time of day), and its days.
    const realByShape = new Map<string, number[]>();
    for (let c = 0; c < real.customers; c++) {
      const rows = [];
      for (let l = real.lineStart[c]; l < real.lineStart[c + 1]; l++)
        rows.push({ middle: real.middle[l], time: real.timeOfDay[l] });
      const days = [];
      for (let l = real.lineStart[c]; l < real.lineStart[c + 1]; l++) days.push(real.day[l]);
      realByShape.set(signature(rows), days);
    }
    const out = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 200,
      out: join(scratch, 'd'),
      seed: 3,
    });
    const byCustomer = new Map<string, { middle: string; time: string; day: number; order: string }[]>();
    for (const line of lines(out.files.orders).slice(1)) {
      const [order, customer, product, quantity, price, at] = line.split(',');
      const rows = byCustomer.get(customer) ?? [];
      rows.push({
        middle: `,${product},${quantity},${price},`,
        time: at.slice(10),
        day: Date.parse(at.slice(0, 10)) / DAY_MS,
        order,
      });
      byCustomer.set(customer, rows);
    }
    expect(byCustomer.size).toBe(200);
    for (const [customer, rows] of byCustomer) {
      const days = realByShape.get(signature(rows));
      expect(days, `customer ${customer} copies no real history`).toBeDefined();
      const shift = rows[0].day - (days as number[])[0];
      expect(shift).toBeLessThanOrEqual(0);
      expect(shift).toBeGreaterThanOrEqual(-365);
      expect(rows.map((row, i) => row.day - (days as number[])[i])).toEqual(rows.map(() => shift));
      expect(rows.every((row) => row.order.startsWith(`${customer}-`))).toBe(true);
    }
  });

  it('imports cleanly in the generic schema', async () => {
    const out = await writeSyntheticRetailer({
      source: SAMPLE_ORDERS,
      customers: 250,
      out: join(scratch, 'e'),
      seed: 1,
    });
    const imported = await importDataset({
      name: 'synthetic',
      root: join(scratch, 'home'),
      orders: out.files.orders,
      customers: out.files.customers,
      products: out.files.products,
    });
    expect(imported.manifest.rejected).toBe(0);
    expect(imported.manifest.customers).toBe(250);
    expect(imported.manifest.orderLines).toBe(out.orderLines);
    expect(imported.manifest.products).toBe(out.products);
  });
});
