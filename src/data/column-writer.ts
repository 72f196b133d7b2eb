import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Append-only writers for snapshot columns. Writes are synchronous: an import is a batch job
 * on its own, and sync appends of 1 MiB blocks keep the per-line loops free of awaits while
 * memory stays at one block per open column.
 */

type Typed = Float64Array | Uint32Array | Uint8Array;
const BLOCK_BYTES = 1024 * 1024;

/** A column of fixed-width little-endian numbers (Float64, Uint32 or Uint8), one file. */
export class ColumnWriter<T extends Typed> {
  count = 0;
  private readonly fd: number;
  private block: T;
  private used = 0;

  constructor(
    readonly path: string,
    private readonly make: (length: number) => T,
  ) {
    // Small first, doubling up to 1 MiB: a snapshot opens ~20 columns, most of them tiny.
    this.block = make(512);
    this.fd = openSync(path, 'w');
  }

  push(value: number): void {
    if (this.used === this.block.length) this.makeRoom();
    this.block[this.used++] = value;
    this.count++;
  }

  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private makeRoom(): void {
    if (this.block.byteLength >= BLOCK_BYTES) {
      this.flush();
      return;
    }
    const bigger = this.make(this.block.length * 2);
    bigger.set(this.block);
    this.block = bigger;
  }

  private flush(): void {
    if (this.used === 0) return;
    const bytes = new Uint8Array(this.block.buffer, 0, this.used * this.block.BYTES_PER_ELEMENT);
    writeAll(this.fd, bytes);
    this.used = 0;
  }
}

/**
 * Newline-delimited JSON records plus a Float64 column of their byte offsets (count + 1
 * entries), so a reader fetches records [a, b) with two positional reads.
 */
export class NdjsonWriter {
  private readonly fd: number;
  private readonly offsets: ColumnWriter<Float64Array>;
  private parts: string[] = [];
  private pendingBytes = 0;
  private offset = 0;

  constructor(path: string, offsetsPath: string) {
    this.fd = openSync(path, 'w');
    this.offsets = new ColumnWriter(offsetsPath, (n) => new Float64Array(n));
  }

  get count(): number {
    return this.offsets.count;
  }

  write(record: unknown): void {
    const line = `${JSON.stringify(record)}\n`;
    this.offsets.push(this.offset);
    const bytes = Buffer.byteLength(line);
    this.offset += bytes;
    this.parts.push(line);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= BLOCK_BYTES) this.flush();
  }

  /** Writes the final offset (the file's length) and closes both files. Returns the record count. */
  close(): number {
    this.flush();
    const count = this.offsets.count;
    this.offsets.push(this.offset);
    this.offsets.close();
    closeSync(this.fd);
    return count;
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    writeAll(this.fd, Buffer.from(this.parts.join('')));
    this.parts = [];
    this.pendingBytes = 0;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Typed arrays are written in machine order; refuse to write or read on big-endian machines. */
export function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('snapshot files are little-endian and this machine is big-endian');
  }
}
