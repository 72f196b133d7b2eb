import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/data/import-dataset.js';
import { makeSample } from '../../src/data/make-sample.js';
import {
  adaptOnlineRetailRow,
  integerId,
  isNonProductCode,
  titleFromDescription,
} from '../../src/data/online-retail.js';
import { FLAG_CONSENT, FLAG_PROFILING_OBJECTION } from '../../src/data/snapshot.js';
import { FileSnapshotReader } from '../../src/data/snapshot-reader.js';

const SAMPLE = 'data/sample/online_retail_sample.csv.gz';
const SAMPLE_CUSTOMERS = 'data/sample/customers.csv';
const FULL = '../shared/datasets/uci-online-retail/online_retail.csv.gz';
const work = mkdtempSync(join(tmpdir(), 'tailor-uci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const row = (overrides: Record<string, string>) => ({
  InvoiceNo: '536365',
  StockCode: '85123A',
  Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  Quantity: '6',
  InvoiceDate: '2011-06-01 08:26:00',
  UnitPrice: '2.55',
  CustomerID: '17850.0',
  Country: 'United Kingdom',
  ...overrides,
});

describe('UCI Online Retail adapter', () => {
  it('turns a row into an order line (UK local time, integer customer id)', () => {
    expect(adaptOnlineRetailRow(row({ StockCode: '85123a' }))).toEqual({
      customerId: '17850',
      orderId: '536365',
      productId: '85123A',
      quantity: 6,
      unitPrice: 2.55,
      orderedAt: Date.parse('2011-06-01T07:26:00Z'),
      productDescription: 'WHITE HANGING HEART T-LIGHT HOLDER',
      country: 'United Kingdom',
    });
  });

  it('skips by the first reason that applies and rejects malformed values by column', () => {
    const outcome = (overrides: Record<string, string>) => adaptOnlineRetailRow(row(overrides));
    expect(outcome({ InvoiceNo: 'C536379', Quantity: '-1' })).toEqual({ skip: 'cancellation' });
    for (const code of [
      'POST',
      'DOT',
      'M',
      'm',
      'C2',
      'D',
      'S',
      'BANK CHARGES',
      'AMAZONFEE',
      'CRUK',
      'PADS',
      'B',
      'gift_0001_20',
    ]) {
      expect(outcome({ StockCode: code }), code).toEqual({ skip: 'non_product_code' });
    }
    expect(outcome({ StockCode: 'DCGS0003' })).toMatchObject({ productId: 'DCGS0003' });
    expect(outcome({ Quantity: '0', CustomerID: '' })).toEqual({ skip: 'non_positive_quantity' });
    expect(outcome({ UnitPrice: '0' })).toEqual({ skip: 'non_positive_price' });
    expect(outcome({ InvoiceNo: 'A563186', StockCode: 'B', UnitPrice: '-11062.06' })).toEqual({
      skip: 'non_product_code',
    });
    expect(outcome({ CustomerID: '' })).toEqual({ skip: 'missing_customer_id' });
    expect(outcome({ Quantity: 'six' })).toEqual({ reject: 'Quantity must be a number, got "six"' });
    expect(outcome({ CustomerID: 'abc' })).toEqual({ reject: 'CustomerID must be a number, got "abc"' });
    expect(outcome({ InvoiceDate: '2011-02-30 10:00:00' })).toEqual({
      reject: 'InvoiceDate must be YYYY-MM-DD HH:MM:SS or M/D/YYYY H:MM, got "2011-02-30 10:00:00"',
    });
  });

  it('reads float-written customer ids as integers', () => {
    expect(['17850.0', '17850', '17850.', '007', '0.0', '12.00'].map(integerId)).toEqual([
      '17850',
      '17850',
      '17850',
      '7',
      '0',
      '12',
    ]);
    for (const bad of ['', '.0', '17850.5', '1e5', '-3', ' 1', '1234567890123456789'])
      expect(integerId(bad), bad).toBeNull();
  });

  it('titles descriptions for display', () => {
    expect(titleFromDescription('WHITE HANGING HEART T-LIGHT HOLDER')).toBe(
      'White Hanging Heart T-Light Holder',
    );
    expect(titleFromDescription(' SET/6 RED SPOTTY PAPER  CUPS')).toBe('SET/6 Red Spotty Paper Cups');
    expect(titleFromDescription("BABY'S RETROSPOT (SET)")).toBe("Baby's Retrospot (Set)");
  });
});

describe('the shipped sample', () => {
  /** Counts worked out independently: csv-parse and the cleaning rules spelled out plainly. */
  function oracle() {
    const rows: Record<string, string>[] = parse(gunzipSync(readFileSync(SAMPLE)), { columns: true });
    const skipped: Record<string, number> = {};
    const spend = new Map<string, number>();
    const baskets = new Set<string>();
    const products = new Set<string>();
    let accepted = 0;
    let newest = '';
    for (const r of rows) {
      const reason = r.InvoiceNo.startsWith('C')
        ? 'cancellation'
        : isNonProductCode(r.StockCode.toUpperCase())
          ? 'non_product_code'
          : Number(r.Quantity) <= 0
            ? 'non_positive_quantity'
            : Number(r.UnitPrice) <= 0
              ? 'non_positive_price'
              : r.CustomerID === ''
                ? 'missing_customer_id'
                : null;
      if (reason) {
        skipped[reason] = (skipped[reason] ?? 0) + 1;
        continue;
      }
      accepted++;
      const id = String(Number.parseInt(r.CustomerID, 10));
      spend.set(id, (spend.get(id) ?? 0) + Number(r.Quantity) * Number(r.UnitPrice));
      baskets.add(`${id}/${r.InvoiceNo}`);
      products.add(r.StockCode.toUpperCase());
      if (r.InvoiceDate > newest) newest = r.InvoiceDate;
    }
    return {
      rows: rows.length,
      skipped,
      accepted,
      spend,
      baskets: baskets.size,
      products: products.size,
      newest,
    };
  }

  it('imports with the cleaning counts, spend and baskets of an independent count', async () => {
    const expected = oracle();
    expect(expected.rows).toBeGreaterThan(30_000);
    expect(Object.keys(expected.skipped).sort()).toEqual([
      'cancellation',
      'missing_customer_id',
      'non_positive_price',
      'non_positive_quantity',
      'non_product_code',
    ]);
    const result = await importDataset({
      name: 'sample',
      root: work,
      orders: SAMPLE,
      customers: SAMPLE_CUSTOMERS,
    });
    const { manifest } = result;
    expect(result.rejects).toEqual([]);
    expect(manifest.import.files[SAMPLE]).toEqual({
      accepted: expected.accepted,
      rejected: 0,
      skipped: expected.skipped,
    });
    expect(manifest.orderLines).toBe(expected.accepted);
    expect(manifest.baskets).toBe(expected.baskets);
    expect(manifest.products).toBe(expected.products);
    expect(manifest.referenceTime).toBe(Date.parse(`${expected.newest.replace(' ', 'T')}Z`)); // December: GMT
    const reader = await FileSnapshotReader.open(result.dir);
    const customers = await reader.customers(0, manifest.customers);
    const aggregates = await reader.aggregates(0, manifest.customers);
    customers.forEach((customer, i) => {
      expect(aggregates.spend[i]).toBeCloseTo(expected.spend.get(customer.id) ?? 0, 6);
    });
    expect(customers.filter((customer) => !expected.spend.has(customer.id)).length).toBe(
      [...aggregates.orders].filter((orders) => orders === 0).length,
    );
    await reader.close();
  });

  it('has a customers file for exactly its customers, with about 5 % no consent and 3 % objections', async () => {
    const rows: Record<string, string>[] = parse(gunzipSync(readFileSync(SAMPLE)), { columns: true });
    const ids = new Set(
      rows.filter((r) => r.CustomerID).map((r) => String(Number.parseInt(r.CustomerID, 10))),
    );
    const result = await importDataset({
      name: 'flags',
      root: work,
      orders: SAMPLE,
      customers: SAMPLE_CUSTOMERS,
    });
    expect(result.manifest.customers).toBe(ids.size);
    const reader = await FileSnapshotReader.open(result.dir);
    const flags = await reader.flags();
    const noConsent = flags.filter((flag) => (flag & FLAG_CONSENT) === 0).length;
    const objecting = flags.filter((flag) => flag & FLAG_PROFILING_OBJECTION).length;
    expect(noConsent / ids.size).toBeGreaterThan(0.03);
    expect(noConsent / ids.size).toBeLessThan(0.08);
    expect(objecting / ids.size).toBeGreaterThan(0.01);
    expect(objecting / ids.size).toBeLessThan(0.05);
    expect(readFileSync(SAMPLE).length).toBeLessThan(1.5 * 1024 * 1024);
    await reader.close();
  });

  it.skipIf(!existsSync(FULL))('is reproduced byte for byte by make-sample from the full file', async () => {
    const out = join(work, 'remade');
    await makeSample(FULL, out);
    expect(readFileSync(join(out, 'online_retail_sample.csv.gz')).equals(readFileSync(SAMPLE))).toBe(true);
    expect(readFileSync(join(out, 'customers.csv'), 'utf8')).toBe(readFileSync(SAMPLE_CUSTOMERS, 'utf8'));
  });
});
