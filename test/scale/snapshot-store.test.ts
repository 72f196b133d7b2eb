import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDataset } from '../../src/data/import-dataset.js';
import { snapshotDir } from '../../src/data/snapshot-catalog.js';
import {
  currentPublishedVersion,
  fetchedRoot,
  fetchSnapshot,
  publishedDir,
  publishSnapshot,
} from '../../src/data/snapshot-publish.js';
import { SnapshotCache } from '../../src/workers/snapshot-cache.js';
import { importSample, SAMPLE_CUSTOMERS, SAMPLE_ORDERS } from '../support/pipeline.js';

/**
 * The multi-machine snapshot path without Redis: an importer's home, a shared store, and worker
 * homes that never see the importer's `.tailor/`.
 */
describe('snapshot store', () => {
  let scratch: string;
  let importer: string;
  let store: string;
  let version: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tailor-store-'));
    importer = join(scratch, 'importer');
    store = join(scratch, 'store');
    version = (await importSample(importer, 'shop')).manifest.version;
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('publishes a version once, immutable, and names it current', async () => {
    const first = await publishSnapshot(store, snapshotDir(importer, 'shop'));
    expect(first).toMatchObject({
      name: 'shop',
      version,
      copied: true,
      dir: publishedDir(store, 'shop', version),
    });
    expect(await currentPublishedVersion(store, 'shop')).toBe(version);
    const again = await publishSnapshot(store, snapshotDir(importer, 'shop'));
    expect(again.copied).toBe(false);
    expect(readdirSync(join(store, 'shop')).sort()).toEqual([version, 'current.json'].sort());
  });

  it('fetches a version into a worker home that shares nothing with the importer', async () => {
    const worker = join(scratch, 'worker-a');
    const dir = await fetchSnapshot(store, worker, 'shop', version);
    expect(dir).toBe(join(fetchedRoot(worker), 'shop', version));
    expect(existsSync(join(dir, 'rejects.ndjson'))).toBe(false); // audit file stays on the store
    const cache = new SnapshotCache(worker, store);
    const reader = await cache.get('shop', version);
    const direct = new SnapshotCache(importer, undefined);
    const original = await direct.get('shop', version);
    expect(reader.dir).toBe(dir);
    expect(await reader.customers(0, 50)).toEqual(await original.customers(0, 50));
    expect(await reader.baskets(100, 140)).toEqual(await original.baskets(100, 140));
    // Without a version a worker takes the store's current one.
    expect((await cache.get('shop')).manifest.version).toBe(version);
    await cache.close();
    await direct.close();
  });

  it('keeps older versions readable after a re-import, and refuses a version nobody kept', async () => {
    const trimmed = join(scratch, 'orders-trimmed.csv');
    const generic = ['order_id,customer_id,product_id,quantity,unit_price,ordered_at'];
    for (let i = 0; i < 30; i++) generic.push(`o${i},c${i % 7},p${i % 5},1,2.5,2011-06-0${1 + (i % 9)}`);
    writeFileSync(trimmed, `${generic.join('\n')}\n`);
    const newer = (await importDataset({ name: 'shop', root: importer, orders: trimmed })).manifest.version;
    expect(newer).not.toBe(version);

    // The importer's machine plans a new run: its own snapshot, published on the way.
    const planner = new SnapshotCache(importer, store);
    expect((await planner.get('shop')).manifest.version).toBe(newer);
    expect(await currentPublishedVersion(store, 'shop')).toBe(newer);
    // A run planned on the old version still reads the old version, fetched from the store.
    const old = await planner.get('shop', version);
    expect(old.manifest.customers).toBeGreaterThan(300);
    await planner.close();

    // Without a store there is nothing to fall back to: the job is refused, not mixed.
    const alone = new SnapshotCache(importer, undefined);
    await expect(alone.get('shop', version)).rejects.toThrow(
      /changed since the campaign was planned .* no snapshot store/,
    );
    const worker = new SnapshotCache(join(scratch, 'worker-b'), store);
    await expect(worker.get('shop', '0123456789abcdef')).rejects.toThrow(/is not in the snapshot store/);
    await alone.close();
    await worker.close();
  });

  it('says what to do when a dataset was never published', async () => {
    const worker = new SnapshotCache(join(scratch, 'worker-c'), store);
    await expect(worker.get('nothing-here')).rejects.toThrow(/has been published to the snapshot store/);
    await worker.close();
  });

  it('reads the published copy byte for byte as imported', () => {
    const published = publishedDir(store, 'shop', version);
    const manifest = JSON.parse(readFileSync(join(published, 'manifest.json'), 'utf8'));
    expect(manifest.inputs.map((i: { file: string }) => i.file)).toEqual([SAMPLE_CUSTOMERS, SAMPLE_ORDERS]);
  });
});
