import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/data/data-errors.js';
import { importDataset } from '../../src/data/import-dataset.js';

const work = mkdtempSync(join(tmpdir(), 'tailor-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HEADER = 'order_id,customer_id,product_id,quantity,unit_price,ordered_at\n';
const GOOD = 'o1,c1,p1,2,3.5,2024-01-05 10:00:00\n';
const piece = fc.oneof(
  fc.constantFrom(
    GOOD,
    '"',
    '""',
    ',',
    '\n',
    '\r\n',
    '\r',
    'x',
    '2024-13-01',
    '-1',
    '\u00ef\u00bb\u00bf',
    'é',
  ),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.constant('y'.repeat(300)),
);

/** Random input: a valid header (most of the time) then random pieces, raw bytes and good rows. */
const hostileFile = fc.record({
  header: fc.oneof(
    { arbitrary: fc.constant(HEADER), weight: 4 },
    { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  ),
  bom: fc.boolean(),
  body: fc.array(fc.oneof(piece, fc.uint8Array({ maxLength: 40 })), { maxLength: 30 }),
  gzip: fc.boolean(),
  jsonl: fc.boolean(),
});

describe('import of hostile input', () => {
  it('never crashes: every problem is a reject with file and line, or one DataFileError', async () => {
    let runs = 0;
    let imported = 0;
    await fc.assert(
      fc.asyncProperty(hostileFile, async ({ header, bom, body, gzip, jsonl }) => {
        const parts = [
          bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
          Buffer.from(jsonl ? '' : header),
        ];
        for (const part of body)
          parts.push(typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part));
        let content = Buffer.concat(parts);
        if (gzip) content = gzipSync(content);
        const path = join(work, `input-${runs++}.${jsonl ? 'jsonl' : 'csv'}${gzip ? '.gz' : ''}`);
        writeFileSync(path, content);
        const limits = { maxFieldBytes: 100, maxRecordBytes: 200 };
        const outcome = await importDataset({
          name: 'hostile',
          root: work,
          orders: path,
          limits,
          writeRejects: false,
        }).then(
          (result) => result,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        );
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(DataFileError);
          expect(outcome.message.startsWith(path)).toBe(true);
          return;
        }
        imported++;
        const summary = outcome.manifest.import.files[path];
        expect(summary.rejected).toBe(outcome.manifest.rejected);
        expect(summary.accepted).toBe(outcome.manifest.orderLines);
        for (const reject of outcome.rejects) {
          expect(reject.file).toBe(path);
          expect(reject.line).toBeGreaterThanOrEqual(1);
          expect(reject.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1000 },
    );
    expect(imported).toBeGreaterThan(100);
  });

  it('reports deeply nested JSON values by field instead of overflowing the stack', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const path = join(work, 'deep.jsonl');
    writeFileSync(
      path,
      `{"order_id":${deep},"customer_id":"c","product_id":"p","quantity":1,"unit_price":1,"ordered_at":"2024-01-01"}\n`,
    );
    const result = await importDataset({ name: 'deep', root: work, orders: path });
    expect(result.rejects).toEqual([
      { file: path, line: 1, reason: 'order_id must be a text id, got an array' },
    ]);
  });
});
