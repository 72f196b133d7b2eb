import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/data/data-errors.js';
import { type ImportOptions, type ImportProgress, importDataset } from '../../src/data/import-dataset.js';
import { FLAG_CONSENT, FLAG_PROFILING_OBJECTION } from '../../src/data/snapshot.js';
import { FileSnapshotReader } from '../../src/data/snapshot-reader.js';

const work = mkdtempSync(join(tmpdir(), 'tailor-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let roots = 0;
const newRoot = () => join(work, `root-${roots++}`);

function file(name: string, content: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

const EXAMPLES = 'examples/data';
const t = (iso: string) => Date.parse(iso);

async function importAndOpen(options: Omit<ImportOptions, 'root'> & { root?: string }) {
  const result = await importDataset({ root: newRoot(), ...options });
  const reader = await FileSnapshotReader.open(result.dir);
  return { result, reader };
}

describe('generic import', () => {
  it('imports the example shop with the aggregates worked out by hand', async () => {
    const { result, reader } = await importAndOpen({
      name: 'example',
      orders: `${EXAMPLES}/orders.csv`,
      customers: `${EXAMPLES}/customers.csv`,
      products: `${EXAMPLES}/products.csv`,
    });
    const { manifest } = result;
    expect(manifest).toMatchObject({ customers: 4, products: 4, orderLines: 8, baskets: 5, rejected: 0 });
    expect(manifest.referenceTime).toBe(t('2024-03-20T17:45:00Z'));
    expect(manifest.import.files[`${EXAMPLES}/orders.csv`]).toEqual({
      accepted: 8,
      rejected: 0,
      skipped: {},
    });
    const a = await reader.aggregates(0, 4);
    expect([...a.orders]).toEqual([2, 2, 1, 0]);
    expect([...a.spend]).toEqual([55.5, 46.5, 36, 0]);
    expect([...a.units]).toEqual([5, 6, 3, 0]);
    expect([...a.lines]).toEqual([4, 3, 1, 0]);
    expect([...a.distinctProducts]).toEqual([3, 2, 1, 0]);
    expect([...a.firstOrderAt]).toEqual([
      t('2024-01-05T10:00:00Z'),
      t('2024-02-10T09:30:00Z'),
      t('2024-03-20T17:45:00Z'),
      Number.NaN,
    ]);
    expect([...a.lastOrderAt]).toEqual([
      t('2024-03-01T12:00:00Z'),
      t('2024-03-15T00:00:00Z'),
      t('2024-03-20T17:45:00Z'),
      Number.NaN,
    ]);
    const b = await reader.baskets(0, 4);
    expect([...b.basketStart]).toEqual([0, 2, 4, 5, 5]);
    expect([...b.itemStart]).toEqual([0, 2, 3, 5, 6, 7]);
    // c1: o1 {Teapot, Mug} then o3 {Tea towel}; c2: o2 {Mug, Tea towel} (lines 4 and 6) then o4 {Mug}.
    expect([...b.items]).toEqual([0, 1, 2, 1, 2, 1, 3]);
    expect([...b.basketSpend]).toEqual([49.5, 6, 38, 8.5, 36]);
    expect([...(await reader.productPopularity())]).toEqual([1, 3, 2, 1]);
    expect([...(await reader.flags())]).toEqual([
      FLAG_CONSENT,
      FLAG_CONSENT,
      0,
      FLAG_CONSENT | FLAG_PROFILING_OBJECTION,
    ]);
    const products = await reader.products();
    expect(products[2]).toEqual({
      index: 2,
      id: 'p3',
      title: 'Tea towel',
      description: 'Linen tea towel, "Retro" print',
      category: 'textiles',
      price: 6,
      url: 'https://shop.example.com/p/p3',
    });
    expect((await reader.customers(3, 4))[0]).toMatchObject({
      index: 3,
      id: 'c4',
      consent: true,
      profilingObjection: true,
    });
    await reader.close();
  });

  it('gives the same snapshot from JSON Lines and from gzip', async () => {
    const csv = await importAndOpen({ name: 'csv', orders: `${EXAMPLES}/orders.csv` });
    const jsonl = await importAndOpen({ name: 'jsonl', orders: `${EXAMPLES}/orders.jsonl` });
    const gzip = await importAndOpen({
      name: 'gzip',
      orders: file('orders.csv.gz', gzipSync(readFileSync(`${EXAMPLES}/orders.csv`))),
    });
    for (const other of [jsonl, gzip]) {
      expect(await other.reader.aggregates(0, 3)).toEqual(await csv.reader.aggregates(0, 3));
      expect(await other.reader.baskets(0, 3)).toEqual(await csv.reader.baskets(0, 3));
      expect(other.result.manifest.version).not.toBe(csv.result.manifest.version);
    }
    // Without customers and products files: derived records with placeholders.
    expect(await csv.reader.customers(0, 1)).toEqual([
      {
        index: 0,
        id: 'c1',
        email: 'customer-c1@example.com',
        firstName: 'Customer',
        country: '',
        timezone: '',
        consent: true,
        profilingObjection: false,
      },
    ]);
    expect((await csv.reader.products())[1]).toMatchObject({ id: 'p2', title: 'p2', price: 8.5 });
    for (const { reader } of [csv, jsonl, gzip]) await reader.close();
  });

  it('reports malformed rows with file, line and field, and imports the rest', async () => {
    const orders = file(
      'bad-orders.csv',
      [
        'order_id,customer_id,product_id,quantity,unit_price,ordered_at',
        'o1,c1,p1,1,24.00,2024-01-05 10:00:00',
        'o1,c1,p2,two,8.50,2024-01-05 10:00:00',
        'o2,c2,p2,1,8.00',
        'o3,c1,p3,1,6.00,2024-02-30 12:00:00',
        'o4,"c2,p2,1,8.50,2024-03-15',
        'o5,c9,p1,1,24.00,2024-03-16',
        'o6,c2,p9,1,1.00,2024-03-16',
        'o7,c2,p2,1,8.50,2024-03-17',
      ].join('\n'),
    );
    const { result, reader } = await importAndOpen({
      name: 'bad',
      orders,
      customers: `${EXAMPLES}/customers.csv`,
      products: `${EXAMPLES}/products.csv`,
    });
    expect(result.rejects).toEqual([
      { file: orders, line: 3, reason: 'quantity must be a number, got "two"' },
      { file: orders, line: 4, reason: 'expected 6 fields as in the header, found 5' },
      {
        file: orders,
        line: 5,
        reason: 'ordered_at must be ISO 8601 or YYYY-MM-DD HH:MM:SS, got "2024-02-30 12:00:00"',
      },
      { file: orders, line: 6, reason: 'quoted field 2 is never closed (lines 6-9 skipped)' },
    ]);
    expect(result.manifest.import.files[orders]).toEqual({ accepted: 1, rejected: 4, skipped: {} });
    // The unclosed quote swallowed lines 7-9 (as any CSV reader would); check those rules alone.
    const rules = file(
      'rules.csv',
      [
        'order_id,customer_id,product_id,quantity,unit_price,ordered_at',
        'o5,c9,p1,1,24.00,2024-03-16',
        'o6,c2,p9,1,1.00,2024-03-16',
        'o7,c2,p2,1,8.50,2024-03-17',
      ].join('\n'),
    );
    const second = await importDataset({
      name: 'rules',
      root: newRoot(),
      orders: rules,
      customers: `${EXAMPLES}/customers.csv`,
      products: `${EXAMPLES}/products.csv`,
    });
    expect(second.rejects).toEqual([
      { file: rules, line: 2, reason: 'unknown customer "c9" (not in the customers file)' },
      { file: rules, line: 3, reason: 'unknown product "p9" (not in the products file)' },
    ]);
    expect(second.manifest.orderLines).toBe(1);
    const logged = readFileSync(join(second.dir, 'rejects.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(logged).toEqual(second.rejects);
    expect([...(await reader.aggregates(0, 1)).lines]).toEqual([1]);
    await reader.close();
  });

  it('reads a file with a byte order mark and rejects only its invalid UTF-8 line', async () => {
    const orders = file(
      'bom-utf8.csv',
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('order_id,customer_id,product_id,quantity,unit_price,ordered_at\n'),
        Buffer.from('o1,c1,p1,1,2.5,2024-01-05 10:00:00\n'),
        Buffer.from('o2,c\u00e9,p1,1,2.5,2024-01-06 10:00:00\n'),
        Buffer.concat([
          Buffer.from('o3,c'),
          Buffer.from([0xe9]),
          Buffer.from(',p1,1,2.5,2024-01-07 10:00:00\n'),
        ]),
      ]),
    );
    const { result, reader } = await importAndOpen({ name: 'bom', orders });
    expect(result.rejects).toEqual([
      { file: orders, line: 4, reason: 'invalid UTF-8 (save the file as UTF-8)' },
    ]);
    expect((await reader.customers(0, 2)).map((customer) => customer.id)).toEqual(['c1', 'cé']);
    await reader.close();
  });

  it('merges the lines of one order wherever they are and keeps the newest baskets', async () => {
    const lines = ['order_id,customer_id,product_id,quantity,unit_price,ordered_at'];
    // Customer a: orders o1..o5, one day apart, each with two lines far apart in the file.
    for (let pass = 0; pass < 2; pass++) {
      for (let order = 5; order >= 1; order--) {
        lines.push(`o${order},a,p${order + pass},1,1,2024-01-0${order} 00:00:00`);
        lines.push(`x${order},b,q,1,2,2024-02-0${order}`);
      }
    }
    const orders = file('spread.csv', lines.join('\n'));
    const { result, reader } = await importAndOpen({
      name: 'spread',
      orders,
      maxBaskets: 3,
      customersPerPartition: 1,
    });
    expect(result.manifest).toMatchObject({ customers: 2, orderLines: 20, baskets: 10, storedBaskets: 6 });
    const a = await reader.aggregates(0, 2);
    expect([...a.orders]).toEqual([5, 5]);
    expect([...a.firstOrderAt]).toEqual([t('2024-01-01T00:00:00Z'), t('2024-02-01T00:00:00Z')]);
    const b = await reader.baskets(0, 1);
    expect([...b.basketTime]).toEqual([3, 4, 5].map((day) => t(`2024-01-0${day}T00:00:00Z`)));
    const products = (await reader.products()).map((product) => product.id);
    const basket = (k: number) =>
      [...b.items.subarray(b.itemStart[k], b.itemStart[k + 1])].map((i) => products[i]).sort();
    expect([0, 1, 2].map(basket)).toEqual([
      ['p3', 'p4'],
      ['p4', 'p5'],
      ['p5', 'p6'],
    ]);
    // Customer b bought q five times, once per basket: q is in 5 baskets, counted across all (not just kept).
    const popularity = await reader.productPopularity();
    expect(popularity[products.indexOf('q')]).toBe(5);
    await reader.close();
  });

  it('reports progress by phase, with lines and bytes that only grow', async () => {
    const seen: ImportProgress[] = [];
    await importDataset({
      name: 'progress',
      root: newRoot(),
      orders: 'data/sample/online_retail_sample.csv.gz',
      customers: 'data/sample/customers.csv',
      onProgress: (progress) => seen.push(progress),
    });
    expect([...new Set(seen.map((progress) => progress.phase))]).toEqual(['customers', 'orders', 'baskets']);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].linesRead).toBeGreaterThanOrEqual(seen[i - 1].linesRead);
      expect(seen[i].bytesRead).toBeGreaterThanOrEqual(seen[i - 1].bytesRead);
    }
    const last = seen.at(-1) as ImportProgress;
    expect(last.bytesRead).toBe(last.bytesTotal);
    expect(last.linesRead).toBe(403 + 37_997);
  });

  it('fails on a missing column with one error and leaves nothing behind', async () => {
    const root = newRoot();
    const orders = file(
      'no-price.csv',
      'order_id,customer_id,product_id,quantity,ordered_at\no1,c1,p1,1,2024-01-01\n',
    );
    const error = await importDataset({ name: 'broken', root, orders }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message).toBe(
      `${orders}:1: missing required column unit_price; the header has "order_id", "customer_id", "product_id", "quantity", "ordered_at"`,
    );
    expect(readdirSync(join(root, 'snapshots'))).toEqual([]);
  });

  it('replaces an existing snapshot of the same name; open readers keep the version they opened', async () => {
    const root = newRoot();
    const first = await importDataset({ name: 'shop', root, orders: `${EXAMPLES}/orders.csv` });
    const old = await FileSnapshotReader.open(first.dir);
    const before = await old.baskets(0, 3);
    const second = await importDataset({
      name: 'shop',
      root,
      orders: `${EXAMPLES}/orders.csv`,
      maxBaskets: 1,
    });
    expect(readdirSync(join(root, 'snapshots'))).toEqual(['shop']);
    const reader = await FileSnapshotReader.open(second.dir);
    expect(reader.manifest.maxBaskets).toBe(1);
    expect(reader.manifest.version).not.toBe(old.manifest.version);
    expect((await reader.baskets(0, 3)).basketTime.length).toBe(3);
    expect(await old.baskets(0, 3)).toEqual(before);
    expect(before.basketTime.length).toBe(5);
    await Promise.all([old.close(), reader.close()]);
  });

  it('refuses bad options before reading anything', async () => {
    const orders = `${EXAMPLES}/orders.csv`;
    await expect(importDataset({ name: '../up', root: newRoot(), orders })).rejects.toThrow(
      /invalid dataset name/,
    );
    await expect(importDataset({ name: 'x', root: newRoot(), orders, maxBaskets: 0 })).rejects.toThrow(
      /maxBaskets/,
    );
    await expect(
      importDataset({ name: 'x', root: newRoot(), orders, naiveTimeZone: 'Mars/Olympus' }),
    ).rejects.toThrow(/unknown IANA time zone/);
  });
});
