import { appendFileSync, closeSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Accepted order lines spilled to disk, partitioned by customer index range, so that baskets
 * can be built one partition at a time. Why: 90M lines at 40 bytes are 3.6 GB, beyond the 2 GB
 * a process may use; a partition of 8,192 customers holds ~740k lines (~30 MB) at the
 * 1M-customer scale (90 lines per customer). Lines of one customer may arrive anywhere in the input (orders are not
 * contiguous); the partition gathers them.
 *
 * One record is 40 bytes: customer u32, product u32, order key f64 (53-bit hash), time f64
 * (epoch ms), quantity f64, unit price f64. Memory while writing: one 64 KiB block per
 * partition (a few MB at 1M customers); files are appended and closed per block, so the
 * number of partitions is not bounded by open file handles.
 */

export const SPILL_RECORD_BYTES = 40;
const RECORDS_PER_BLOCK = 1638; // 65,520 bytes
export const DEFAULT_CUSTOMERS_PER_PARTITION = 8192;

interface Block {
  bytes: Uint8Array;
  u32: Uint32Array;
  f64: Float64Array;
  used: number;
}

/** The lines of one partition: record i is u32[10i..10i+1], f64[5i+1..5i+4]. */
export interface SpillPartition {
  count: number;
  u32: Uint32Array;
  f64: Float64Array;
}

export class LineSpill {
  private readonly blocks: (Block | undefined)[] = [];
  private readonly counts: number[] = [];
  lines = 0;

  constructor(
    readonly dir: string,
    readonly customersPerPartition = DEFAULT_CUSTOMERS_PER_PARTITION,
  ) {
    mkdirSync(dir, { recursive: true });
  }

  append(
    customer: number,
    product: number,
    key: number,
    time: number,
    quantity: number,
    unitPrice: number,
  ): void {
    const partition = Math.floor(customer / this.customersPerPartition);
    while (this.counts.length <= partition) {
      this.counts.push(0);
      this.blocks.push(undefined);
    }
    let block = this.blocks[partition];
    if (!block) {
      block = newBlock();
      this.blocks[partition] = block;
    }
    const at = block.used++;
    block.u32[at * 10] = customer;
    block.u32[at * 10 + 1] = product;
    block.f64[at * 5 + 1] = key;
    block.f64[at * 5 + 2] = time;
    block.f64[at * 5 + 3] = quantity;
    block.f64[at * 5 + 4] = unitPrice;
    this.counts[partition]++;
    this.lines++;
    if (block.used === RECORDS_PER_BLOCK) this.flush(partition, block);
  }

  /** Writes every partly filled block. Call once, after the last append. */
  finish(): void {
    this.blocks.forEach((block, partition) => {
      if (block) this.flush(partition, block);
    });
    this.blocks.fill(undefined);
  }

  partitionCount(customers: number): number {
    return Math.ceil(customers / this.customersPerPartition);
  }

  /** Reads one partition whole (empty when no line fell into it). */
  read(partition: number): SpillPartition {
    const count = this.counts[partition] ?? 0;
    const buffer = new ArrayBuffer(count * SPILL_RECORD_BYTES);
    if (count > 0) {
      const path = this.pathOf(partition);
      const expected = statSync(path).size;
      if (expected !== buffer.byteLength)
        throw new Error(`spill file ${path} has ${expected} bytes, expected ${buffer.byteLength}`);
      const fd = openSync(path, 'r');
      try {
        const view = new Uint8Array(buffer);
        let done = 0;
        while (done < view.length) {
          const read = readSync(fd, view, done, view.length - done, done);
          if (read === 0) throw new Error(`spill file ${path} ended early`);
          done += read;
        }
      } finally {
        closeSync(fd);
      }
    }
    return { count, u32: new Uint32Array(buffer), f64: new Float64Array(buffer) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(partition: number, block: Block): void {
    if (block.used === 0) return;
    appendFileSync(this.pathOf(partition), block.bytes.subarray(0, block.used * SPILL_RECORD_BYTES));
    block.used = 0;
  }

  private pathOf(partition: number): string {
    return join(this.dir, `lines-${partition}.bin`);
  }
}

function newBlock(): Block {
  const buffer = new ArrayBuffer(RECORDS_PER_BLOCK * SPILL_RECORD_BYTES);
  return {
    bytes: new Uint8Array(buffer),
    u32: new Uint32Array(buffer),
    f64: new Float64Array(buffer),
    used: 0,
  };
}
