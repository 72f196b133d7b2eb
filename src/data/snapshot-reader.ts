import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assertLittleEndian } from './column-writer.js';
import type { StoredCustomer } from './customer-directory.js';
import type { StoredProduct } from './product-catalog.js';
import type {
  BasketSequences,
  CustomerAggregates,
  CustomerRecord,
  ProductRecord,
  SnapshotReader,
} from './snapshot.js';
import { AGGREGATE_COLUMNS, SNAPSHOT_FILES, type StoredManifest } from './snapshot-files.js';

/** A snapshot directory that is missing files, has files of the wrong size or an unknown format. */
export class SnapshotDamagedError extends Error {
  override readonly name = 'SnapshotDamagedError';
}

/**
 * Reads a snapshot directory written by `importDataset`. Every file is opened at `open`, so a
 * reader stays on the version it opened even when a new import replaces the directory (the
 * old files live on until the handles close). Range reads touch only the bytes of the
 * requested customers (positional reads), so a stage working on customers [a, b) costs memory
 * in proportion to b - a, not to the snapshot.
 */
export class FileSnapshotReader implements SnapshotReader {
  private constructor(
    readonly dir: string,
    readonly manifest: StoredManifest,
    private readonly handles: Map<string, FileHandle>,
  ) {}

  static async open(dir: string): Promise<FileSnapshotReader> {
    assertLittleEndian();
    // Retry when an import swaps the directory while its files are being opened.
    for (let attempt = 0; attempt < 3; attempt++) {
      const manifestHandle = await open(join(dir, SNAPSHOT_FILES.manifest), 'r').catch((error: unknown) => {
        const reason =
          (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no manifest.json' : String(error);
        throw new SnapshotDamagedError(`${dir} is not a readable snapshot: ${reason}`);
      });
      const handles = new Map<string, FileHandle>();
      try {
        const manifest = parseManifest(dir, await manifestHandle.readFile('utf8'));
        const expected = expectedSizes(manifest);
        for (const file of Object.keys(expected)) handles.set(file, await openColumn(dir, file));
        const path = await stat(join(dir, SNAPSHOT_FILES.manifest)).catch(() => null);
        if (path?.ino === (await manifestHandle.stat()).ino) {
          await checkSizes(dir, handles, expected);
          return new FileSnapshotReader(dir, manifest, handles);
        }
      } catch (error) {
        await closeAll(handles);
        throw error;
      } finally {
        await manifestHandle.close();
      }
      await closeAll(handles);
    }
    throw new SnapshotDamagedError(`${dir} kept changing while being opened: try again`);
  }

  /** The catalogue, read once per open reader (a snapshot version never changes): treat as read-only. */
  products(): Promise<ProductRecord[]> {
    this.catalogue ??= this.readProducts();
    this.catalogue.catch(() => {
      this.catalogue = undefined;
    });
    return this.catalogue;
  }

  private catalogue?: Promise<ProductRecord[]>;

  private async readProducts(): Promise<ProductRecord[]> {
    const { size } = await this.handle(SNAPSHOT_FILES.products).stat();
    const text = Buffer.from(await this.read(SNAPSHOT_FILES.products, 0, size)).toString('utf8');
    return parseLines<StoredProduct>(text).map((product, index) => ({ index, ...product }));
  }

  async productPopularity(): Promise<Uint32Array> {
    return new Uint32Array(await this.read(SNAPSHOT_FILES.popularity, 0, this.manifest.products * 4));
  }

  async flags(): Promise<Uint8Array> {
    return new Uint8Array(await this.read(SNAPSHOT_FILES.flags, 0, this.manifest.customers));
  }

  async customers(start: number, end: number): Promise<CustomerRecord[]> {
    this.checkRange(start, end);
    const offsets = await this.float64s(SNAPSHOT_FILES.customerOffsets, start, end - start + 1);
    const from = offsets[0];
    const bytes = await this.read(SNAPSHOT_FILES.customers, from, offsets[end - start] - from);
    const records = parseLines<StoredCustomer>(Buffer.from(bytes).toString('utf8'));
    return records.map((record, i) => ({ index: start + i, ...record }));
  }

  async aggregates(start: number, end: number): Promise<CustomerAggregates> {
    this.checkRange(start, end);
    const length = end - start;
    const columns = await Promise.all(
      AGGREGATE_COLUMNS.map(([, file]) => this.float64s(file, start, length)),
    );
    const [firstOrderAt, lastOrderAt, orders, spend, units, lines, distinctProducts] = columns;
    return { start, length, firstOrderAt, lastOrderAt, orders, spend, units, lines, distinctProducts };
  }

  async baskets(start: number, end: number): Promise<BasketSequences> {
    this.checkRange(start, end);
    const length = end - start;
    const basketStart = await this.uint32s(SNAPSHOT_FILES.basketStart, start, length + 1);
    const firstBasket = basketStart[0];
    const baskets = basketStart[length] - firstBasket;
    const [basketTime, basketSpend, itemStart] = await Promise.all([
      this.float64s(SNAPSHOT_FILES.basketTime, firstBasket, baskets),
      this.float64s(SNAPSHOT_FILES.basketSpend, firstBasket, baskets),
      this.uint32s(SNAPSHOT_FILES.itemStart, firstBasket, baskets + 1),
    ]);
    const firstItem = itemStart[0];
    const items = await this.uint32s(SNAPSHOT_FILES.items, firstItem, itemStart[baskets] - firstItem);
    // Offsets on disk are global; the interface wants them relative to this range.
    for (let i = 0; i <= length; i++) basketStart[i] -= firstBasket;
    for (let b = 0; b <= baskets; b++) itemStart[b] -= firstItem;
    return { start, length, basketStart, basketTime, basketSpend, itemStart, items };
  }

  async close(): Promise<void> {
    await closeAll(this.handles);
  }

  private checkRange(start: number, end: number): void {
    const customers = this.manifest.customers;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > customers) {
      throw new RangeError(
        `customer range [${start}, ${end}) is outside [0, ${customers}) of snapshot ${this.manifest.name}`,
      );
    }
  }

  private handle(file: string): FileHandle {
    const handle = this.handles.get(file);
    if (!handle) throw new Error(`snapshot reader for ${this.dir} is closed`);
    return handle;
  }

  private async float64s(file: string, first: number, count: number): Promise<Float64Array> {
    return new Float64Array(await this.read(file, first * 8, count * 8));
  }

  private async uint32s(file: string, first: number, count: number): Promise<Uint32Array> {
    return new Uint32Array(await this.read(file, first * 4, count * 4));
  }

  /** Exactly `length` bytes at `position` of a snapshot file, into a fresh ArrayBuffer. */
  private async read(file: string, position: number, length: number): Promise<ArrayBuffer> {
    const buffer = new ArrayBuffer(length);
    const handle = this.handle(file);
    const view = new Uint8Array(buffer);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(view, done, length - done, position + done);
      if (bytesRead === 0)
        throw new SnapshotDamagedError(`${join(this.dir, file)} ends before byte ${position + length}`);
      done += bytesRead;
    }
    return buffer;
  }
}

function parseManifest(dir: string, text: string): StoredManifest {
  let manifest: StoredManifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new SnapshotDamagedError(`${dir}: manifest.json is not JSON (${(error as Error).message})`);
  }
  if (manifest?.format !== 1) {
    throw new SnapshotDamagedError(
      `${dir}: snapshot format ${manifest?.format} is not supported (expected 1)`,
    );
  }
  return manifest;
}

function parseLines<T>(text: string): T[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line) => JSON.parse(line) as T);
}

/** Bytes each file must hold given the manifest's counts (-1: any size). */
function expectedSizes(manifest: StoredManifest): Record<string, number> {
  const { customers: c, products: p, storedBaskets: b, storedItems: items } = manifest;
  return {
    [SNAPSHOT_FILES.customers]: -1,
    [SNAPSHOT_FILES.customerOffsets]: (c + 1) * 8,
    [SNAPSHOT_FILES.flags]: c,
    ...Object.fromEntries(AGGREGATE_COLUMNS.map(([, file]) => [file, c * 8])),
    [SNAPSHOT_FILES.basketStart]: (c + 1) * 4,
    [SNAPSHOT_FILES.basketTime]: b * 8,
    [SNAPSHOT_FILES.basketSpend]: b * 8,
    [SNAPSHOT_FILES.itemStart]: (b + 1) * 4,
    [SNAPSHOT_FILES.items]: items * 4,
    [SNAPSHOT_FILES.products]: -1,
    [SNAPSHOT_FILES.productOffsets]: (p + 1) * 8,
    [SNAPSHOT_FILES.popularity]: p * 4,
  };
}

async function openColumn(dir: string, file: string): Promise<FileHandle> {
  return open(join(dir, file), 'r').catch(() => {
    throw new SnapshotDamagedError(`snapshot ${dir} is damaged: ${file} is missing`);
  });
}

/** Every column must hold exactly what the manifest's counts say: a cheap guard against torn copies. */
async function checkSizes(dir: string, handles: Map<string, FileHandle>, expected: Record<string, number>) {
  for (const [file, bytes] of Object.entries(expected)) {
    const size = (await (handles.get(file) as FileHandle).stat()).size;
    if (bytes !== -1 && size !== bytes) {
      throw new SnapshotDamagedError(
        `snapshot ${dir} is damaged: ${file} has ${size} bytes, expected ${bytes}`,
      );
    }
  }
}

async function closeAll(handles: Map<string, FileHandle>): Promise<void> {
  const open = [...handles.values()];
  handles.clear();
  await Promise.all(open.map((handle) => handle.close()));
}
