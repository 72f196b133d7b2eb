import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFileError } from './data-errors.js';

/**
 * The bytes of one input file as a stream of chunks, gunzipped when the file is gzip (by its
 * `.gz` name or its magic bytes, so a renamed archive still reads), with a SHA-256 of the
 * bytes on disk (the snapshot version hashes inputs) and a count of bytes read for progress.
 */
export class ByteSource {
  bytesRead = 0;
  private readonly hash: Hash = createHash('sha256');

  private constructor(
    readonly path: string,
    readonly totalBytes: number,
    readonly gzip: boolean,
  ) {}

  static async open(path: string): Promise<ByteSource> {
    let size: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new DataFileError(path, 0, 'not a regular file');
      size = info.size;
    } catch (error) {
      if (error instanceof DataFileError) throw error;
      throw new DataFileError(path, 0, describeFsError(error));
    }
    return new ByteSource(path, size, path.endsWith('.gz') || (await startsWithGzipMagic(path)));
  }

  /** Hex SHA-256 of the file's bytes as stored; complete once `chunks()` is exhausted. */
  sha256(): string {
    return this.hash.copy().digest('hex');
  }

  /** Decompressed chunks. Errors (unreadable file, corrupt gzip) surface as DataFileError. */
  async *chunks(): AsyncGenerator<Buffer> {
    const file = createReadStream(this.path, { highWaterMark: 256 * 1024 });
    const tap = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.bytesRead += chunk.length;
        done(null, chunk);
      },
    });
    const stages: NodeJS.ReadWriteStream[] = [tap];
    if (this.gzip) stages.push(createGunzip({ chunkSize: 256 * 1024 }));
    const last = pipeline(file, ...(stages as [Transform]), () => {});
    try {
      for await (const chunk of last) yield chunk as Buffer;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      const reason = code.startsWith('Z_')
        ? `gzip data is corrupt or truncated (${(error as Error).message})`
        : describeFsError(error);
      throw new DataFileError(this.path, 0, reason);
    } finally {
      file.destroy();
    }
  }
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a file';
  return `cannot read (${(error as Error).message})`;
}
