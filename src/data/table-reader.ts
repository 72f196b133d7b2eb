import { ByteSource } from './byte-source.js';
import { type CsvEvent, CsvRecordParser, isCsvReject } from './csv-records.js';
import { DataFileError, type RowReject } from './data-errors.js';
import { type JsonlEvent, JsonlRecordParser } from './jsonl-records.js';
import type { TextLimits } from './text-limits.js';

/**
 * Reads a CSV or JSON Lines table (optionally gzip) as batches of named rows, each with the
 * physical line it starts on. CSV columns are mapped by the header's names (case-insensitive;
 * extra columns ignored); a missing required column is one DataFileError for the whole file.
 * Bad rows come out as rejects in the same batches, so a caller never stops on one.
 */

export type TableFormat = 'csv' | 'jsonl';

export interface TableSpec {
  required: readonly string[];
  optional?: readonly string[];
}

export interface TableRow {
  line: number;
  /** Values by spec column name; CSV values are strings, JSONL values are whatever JSON held. */
  values: Record<string, unknown>;
}

/** Rows and rejects of one chunk of the file, in line order (a reject has `reason`). */
export type TableBatch = (TableRow | RowReject)[];

export function isRowReject(item: TableRow | RowReject): item is RowReject {
  return (item as RowReject).reason !== undefined;
}

export function tableFormatOf(path: string): TableFormat {
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  throw new DataFileError(
    path,
    0,
    'unknown file type: name it .csv, .jsonl or .ndjson (optionally with .gz)',
  );
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

type AnyEvent = CsvEvent | JsonlEvent;

/** What both parsers offer (method syntax keeps their narrower event types assignable). */
interface RecordParser {
  readonly currentLine: number;
  push(chunk: Buffer, out: AnyEvent[]): void;
  end(out: AnyEvent[]): void;
}

export class TableReader {
  private readonly chunkIterator: AsyncGenerator<Buffer>;
  private readonly parser: RecordParser;
  private queued: AnyEvent[] = [];
  private done = false;
  private started = false;
  /** CSV header names as written (trimmed); null for JSON Lines. */
  columns: string[] | null = null;
  headerLine = 0;

  private constructor(
    readonly path: string,
    readonly format: TableFormat,
    private readonly source: ByteSource,
    limits: TextLimits,
  ) {
    this.chunkIterator = source.chunks();
    this.parser = format === 'csv' ? new CsvRecordParser(limits) : new JsonlRecordParser(limits);
  }

  static async open(path: string, limits: TextLimits): Promise<TableReader> {
    const format = tableFormatOf(path);
    const reader = new TableReader(path, format, await ByteSource.open(path), limits);
    if (format === 'csv') await reader.readHeader();
    return reader;
  }

  get bytesRead(): number {
    return this.source.bytesRead;
  }
  get totalBytes(): number {
    return this.source.totalBytes;
  }
  /** SHA-256 of the file's stored bytes; complete after the last batch. */
  sha256(): string {
    return this.source.sha256();
  }

  /** Stops reading and releases the file (after an error elsewhere). */
  async close(): Promise<void> {
    this.done = true;
    this.queued = [];
    await this.chunkIterator.return(undefined);
  }

  async *batches(spec: TableSpec): AsyncGenerator<TableBatch> {
    const toRow = this.format === 'csv' ? this.csvRowMapper(spec) : jsonRowMapper(spec);
    for (;;) {
      const events = await this.nextEvents();
      if (events === null) return;
      const batch: TableBatch = [];
      for (const event of events) {
        batch.push(
          'reason' in event ? { file: this.path, line: event.line, reason: event.reason } : toRow(event),
        );
      }
      yield batch;
    }
  }

  private csvRowMapper(spec: TableSpec): (event: AnyEvent) => TableRow | RowReject {
    const header = this.columns ?? [];
    const byName = new Map<string, number>();
    header.forEach((name, index) => {
      const key = name.toLowerCase();
      if (!byName.has(key)) byName.set(key, index);
    });
    const missing = spec.required.filter((name) => !byName.has(name.toLowerCase()));
    if (missing.length > 0) {
      const found = header.length > 0 ? header.map((name) => JSON.stringify(name)).join(', ') : 'nothing';
      throw new DataFileError(
        this.path,
        this.headerLine,
        `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header has ${found}`,
      );
    }
    const wanted = [...spec.required, ...(spec.optional ?? [])]
      .filter((name) => byName.has(name.toLowerCase()))
      .map((name) => [name, byName.get(name.toLowerCase()) as number] as const);
    const width = header.length;
    return (event) => {
      const { line, fields } = event as { line: number; fields: string[] };
      if (fields.length !== width) {
        return {
          file: this.path,
          line,
          reason: `expected ${width} fields as in the header, found ${fields.length}`,
        };
      }
      const values: Record<string, unknown> = {};
      for (const [name, index] of wanted) values[name] = fields[index];
      return { line, values };
    };
  }

  private async readHeader(): Promise<void> {
    for (;;) {
      const events = await this.nextEvents();
      if (events === null) throw new DataFileError(this.path, 0, 'the file is empty: expected a header row');
      if (events.length === 0) continue;
      const first = events[0] as CsvEvent;
      if (isCsvReject(first))
        throw new DataFileError(this.path, first.line, `unreadable header row: ${first.reason}`);
      this.columns = first.fields.map((name) => name.trim());
      this.headerLine = first.line;
      this.queued = events.slice(1);
      return;
    }
  }

  /** Events parsed from the next chunk, or null at the end of the file. */
  private async nextEvents(): Promise<AnyEvent[] | null> {
    if (this.queued.length > 0) {
      const events = this.queued;
      this.queued = [];
      return events;
    }
    if (this.done) return null;
    const events: AnyEvent[] = [];
    let next: IteratorResult<Buffer>;
    try {
      next = await this.chunkIterator.next();
      if (!this.started && !next.done) next = { value: await this.stripBom(next.value), done: false };
    } catch (error) {
      if (error instanceof DataFileError)
        throw new DataFileError(this.path, this.parser.currentLine, error.reason);
      throw error;
    }
    if (next.done) {
      this.done = true;
      this.parser.end(events);
      return events.length > 0 ? events : null;
    }
    this.parser.push(next.value, events);
    return events;
  }

  /** Drops a UTF-8 byte order mark; refuses UTF-16 with a clear reason. */
  private async stripBom(first: Buffer): Promise<Buffer> {
    let head = first;
    while (head.length < 3) {
      const more = await this.chunkIterator.next();
      if (more.done) break;
      head = Buffer.concat([head, more.value]);
    }
    this.started = true;
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
      throw new DataFileError(this.path, 1, 'the file is UTF-16 encoded: save it as UTF-8');
    }
    return head.subarray(0, 3).equals(UTF8_BOM) ? head.subarray(3) : head;
  }
}

function jsonRowMapper(spec: TableSpec): (event: AnyEvent) => TableRow {
  const names = [...spec.required, ...(spec.optional ?? [])];
  return (event) => {
    const { line, value } = event as { line: number; value: Record<string, unknown> };
    const values: Record<string, unknown> = {};
    for (const name of names) if (Object.hasOwn(value, name)) values[name] = value[name];
    return { line, values };
  };
}
