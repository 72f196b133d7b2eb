import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';

const FLUSH_BYTES = 256 * 1024;

/**
 * Text lines into a gzip file with backpressure: lines gather into ~256 KiB pieces, each handed
 * to zlib (which compresses on the libuv thread pool, beside the thread formatting the lines);
 * memory stays at a few pieces whatever the file's size. Level 1: the files are rewritten per
 * size and read back once, so compression speed matters more than their size.
 */
export class GzipTextWriter {
  bytes = 0;
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private readonly finished: Promise<void>;
  private parts: string[] = [];
  private pending = 0;

  constructor(readonly path: string) {
    this.gzip = createGzip({ level: 1, chunkSize: 256 * 1024 });
    this.file = createWriteStream(path);
    this.gzip.pipe(this.file);
    this.finished = new Promise((resolve, reject) => {
      this.file.once('close', resolve);
      this.file.once('error', reject);
      this.gzip.once('error', reject);
    });
  }

  /** Queues a piece of text; true when the caller should `await flush()` before more. */
  push(text: string): boolean {
    this.parts.push(text);
    this.pending += text.length;
    return this.pending >= FLUSH_BYTES;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''));
    this.parts = [];
    this.pending = 0;
    this.bytes += chunk.length;
    if (!this.gzip.write(chunk)) await once(this.gzip, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.gzip.end();
    await this.finished;
  }
}
