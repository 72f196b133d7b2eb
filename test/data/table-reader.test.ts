import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError, type RowReject } from '../../src/data/data-errors.js';
import { isRowReject, TableReader, type TableRow, type TableSpec } from '../../src/data/table-reader.js';
import { DEFAULT_TEXT_LIMITS } from '../../src/data/text-limits.js';

const dir = mkdtempSync(join(tmpdir(), 'tailor-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, spec: TableSpec): Promise<{ rows: TableRow[]; rejects: RowReject[] }> {
  const reader = await TableReader.open(path, DEFAULT_TEXT_LIMITS);
  const rows: TableRow[] = [];
  const rejects: RowReject[] = [];
  for await (const batch of reader.batches(spec)) {
    for (const item of batch) {
      if (isRowReject(item)) rejects.push(item);
      else rows.push(item);
    }
  }
  return { rows, rejects };
}

async function fileError(promise: Promise<unknown>): Promise<DataFileError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataFileError);
  return error as DataFileError;
}

const spec = { required: ['id', 'name'], optional: ['note'] };

describe('TableReader', () => {
  it('maps columns by header name, case-insensitively, ignoring extra columns', async () => {
    const path = file('named.csv', 'Extra,NAME,Id\nz,Ann,1\nz,"Bo, Jr",2\n');
    const { rows, rejects } = await readAll(path, spec);
    expect(rejects).toEqual([]);
    expect(rows).toEqual([
      { line: 2, values: { id: '1', name: 'Ann' } },
      { line: 3, values: { id: '2', name: 'Bo, Jr' } },
    ]);
  });

  it('strips a UTF-8 byte order mark', async () => {
    const path = file(
      'bom.csv',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id,name\n1,Zoë\n')]),
    );
    expect((await readAll(path, spec)).rows).toEqual([{ line: 2, values: { id: '1', name: 'Zoë' } }]);
  });

  it('refuses UTF-16 with a clear error', async () => {
    const path = file(
      'utf16.csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,name\n', 'utf16le')]),
    );
    const error = await fileError(TableReader.open(path, DEFAULT_TEXT_LIMITS));
    expect(error.message).toContain('UTF-16');
    expect(error.file).toBe(path);
  });

  it('names the missing required columns in one error', async () => {
    const path = file('missing.csv', 'id,title\n1,x\n');
    const reader = await TableReader.open(path, DEFAULT_TEXT_LIMITS);
    const error = await fileError(reader.batches(spec).next());
    expect(error.message).toBe(`${path}:1: missing required column name; the header has "id", "title"`);
  });

  it('rejects rows with a wrong field count and keeps the rest', async () => {
    const path = file('count.csv', 'id,name\n1,a\n2\n3,c,extra\n4,d\n');
    const { rows, rejects } = await readAll(path, spec);
    expect(rows.map((row) => row.line)).toEqual([2, 5]);
    expect(rejects).toEqual([
      { file: path, line: 3, reason: 'expected 2 fields as in the header, found 1' },
      { file: path, line: 4, reason: 'expected 2 fields as in the header, found 3' },
    ]);
  });

  it('reads gzip by extension and by magic bytes', async () => {
    const content = gzipSync('id,name\n1,a\n2,b\n');
    for (const path of [file('z.csv.gz', content), file('renamed.csv', content)]) {
      expect((await readAll(path, spec)).rows.map((row) => row.values.id)).toEqual(['1', '2']);
    }
  });

  it('reports corrupt and truncated gzip as a file error', async () => {
    const good = gzipSync(`id,name\n${'1,a\n'.repeat(5000)}`);
    const truncated = file('truncated.csv.gz', good.subarray(0, Math.floor(good.length / 2)));
    const error = await fileError(readAll(truncated, spec));
    expect(error.message).toMatch(/gzip data is corrupt or truncated/);
    const garbage = file('garbage.csv.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect((await fileError(readAll(garbage, spec))).message).toMatch(/gzip/);
  });

  it('reads JSON Lines values by name, as JSON types', async () => {
    const path = file('rows.jsonl', '{"id":1,"name":"a","other":true}\n{"id":"2"}\nnot json\n');
    const { rows, rejects } = await readAll(path, spec);
    expect(rows).toEqual([
      { line: 1, values: { id: 1, name: 'a' } },
      { line: 2, values: { id: '2' } },
    ]);
    expect(rejects).toEqual([{ file: path, line: 3, reason: expect.stringMatching(/^invalid JSON/) }]);
  });

  it('refuses missing files, empty files and unknown extensions by name', async () => {
    expect((await fileError(TableReader.open(join(dir, 'nope.csv'), DEFAULT_TEXT_LIMITS))).reason).toBe(
      'file not found',
    );
    const empty = file('empty.csv', '\n\n');
    expect((await fileError(TableReader.open(empty, DEFAULT_TEXT_LIMITS))).reason).toMatch(/empty/);
    const odd = file('data.xlsx', 'x');
    expect((await fileError(TableReader.open(odd, DEFAULT_TEXT_LIMITS))).reason).toMatch(/\.csv, \.jsonl/);
  });
});
