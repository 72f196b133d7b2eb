import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/data/data-errors.js';
import {
  CUSTOMER_COLUMNS,
  CUSTOMER_OPTIONAL_COLUMNS,
  customerRowSchema,
  describeIssues,
  ORDER_COLUMNS,
  orderRowSchema,
  PRODUCT_COLUMNS,
  productRowSchema,
} from '../../src/data/generic-schema.js';
import { importDataset } from '../../src/data/import-dataset.js';
import { isRowReject, TableReader, type TableSpec } from '../../src/data/table-reader.js';
import { hostileText } from './hostile-text.js';

/**
 * The importer under hostile files (issue 8): random bytes, invalid UTF-8, byte order marks,
 * quoted newlines, huge fields, missing, extra and repeated columns, hostile values in every
 * field of customers, products and orders. Nothing crashes; a bad file is one DataFileError
 * naming the file (and line); a bad row is a reject naming the file, its line and its fields.
 */

const RUNS = 1000;
const LIMITS = { maxFieldBytes: 200, maxRecordBytes: 600 };
const work = mkdtempSync(join(tmpdir(), 'tailor-hostile-tables-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let files = 0;

function writeInput(content: Buffer, ext: string, gzip = false): string {
  const path = join(work, `input-${files++}.${ext}${gzip ? '.gz' : ''}`);
  writeFileSync(path, gzip ? gzipSync(content) : content);
  return path;
}

/** Physical lines of the file (a reject's line is within them). */
function lineCount(content: Buffer): number {
  let lines = 1;
  for (const byte of content) if (byte === 0x0a) lines++;
  return lines;
}

/** Reads a table to the end; a throw must be a DataFileError naming the file. */
async function readTable(path: string, spec: TableSpec, lines: number) {
  let reader: TableReader;
  const rows: { line: number; values: Record<string, unknown> }[] = [];
  const rejects: { line: number; reason: string }[] = [];
  try {
    reader = await TableReader.open(path, LIMITS);
    for await (const batch of reader.batches(spec)) {
      for (const item of batch) {
        if (isRowReject(item)) {
          expect(item.file).toBe(path);
          rejects.push(item);
        } else rows.push(item);
      }
    }
  } catch (error) {
    expect(error).toBeInstanceOf(DataFileError);
    expect((error as Error).message.startsWith(`${path}`)).toBe(true);
    expect((error as DataFileError).line).toBeLessThanOrEqual(lines);
    return { error: error as DataFileError, rows, rejects };
  }
  let last = 0;
  for (const item of [...rows, ...rejects].sort((a, b) => a.line - b.line)) {
    expect(item.line).toBeGreaterThanOrEqual(1);
    expect(item.line).toBeLessThanOrEqual(lines);
    expect(item.line).toBeGreaterThan(last); // one outcome per record, in order
    last = item.line;
  }
  for (const reject of rejects) expect(reject.reason.length).toBeGreaterThan(0);
  return { rows, rejects };
}

const ORDER_SPEC = { required: ORDER_COLUMNS };

describe('tables of random bytes', () => {
  it('CSV and JSON Lines, plain or gzip: rows, rejects with lines, or one DataFileError (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1500 }),
        fc.constantFrom('csv', 'jsonl'),
        fc.boolean(),
        fc.boolean(),
        async (bytes, ext, bom, gzip) => {
          const content = Buffer.concat([
            bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
            ext === 'csv' ? Buffer.from(`${ORDER_COLUMNS.join(',')}\n`) : Buffer.alloc(0),
            Buffer.from(bytes),
          ]);
          await readTable(writeInput(content, ext, gzip), ORDER_SPEC, lineCount(content));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** A CSV cell: plain, quoted (maybe with newlines and quotes), huge, or invalid UTF-8. */
const cell = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9 .:-]{0,12}$/), weight: 4 },
  {
    arbitrary: hostileText(3).map((text) => `"${text.replace(/"/g, '""')}"`),
    weight: 2,
  },
  { arbitrary: fc.constantFrom('"open', 'a"b', '"x"y', '""', '"multi\nline"', '"crlf\r\nline"'), weight: 1 },
  { arbitrary: fc.nat({ max: 800 }).map((n) => 'h'.repeat(n)), weight: 1 },
  { arbitrary: fc.constantFrom('\xff\xfe', '\xc3\x28', '\xed\xa0\x80'), weight: 1 },
);

describe('CSV with hostile headers and rows', () => {
  it('a missing required column is one error naming it; rows of the wrong width are rejects (property)', async () => {
    const columns = [...ORDER_COLUMNS, 'extra', 'note', 'ORDER_ID'];
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(columns, { minLength: 1 }),
        fc.array(fc.array(cell, { minLength: 0, maxLength: 10 }), { maxLength: 12 }),
        fc.boolean(),
        async (header, rows, bom) => {
          const text = [header.join(','), ...rows.map((row) => row.join(','))].join('\n');
          const content = Buffer.concat([
            bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0),
            Buffer.from(text, 'latin1'),
          ]);
          const path = writeInput(content, 'csv');
          const outcome = await readTable(path, ORDER_SPEC, lineCount(content));
          const present = new Set(header.map((h) => h.toLowerCase()));
          const missing = ORDER_COLUMNS.filter((c) => !present.has(c));
          if (missing.length > 0) {
            expect(outcome.error?.message).toMatch(/missing required column/);
            for (const column of missing) expect(outcome.error?.message).toContain(column);
            return;
          }
          expect(outcome.error).toBeUndefined();
          for (const row of outcome.rows) {
            // Every required column has a value; extra columns are ignored.
            for (const column of ORDER_COLUMNS) expect(typeof row.values[column]).toBe('string');
            expect(Object.keys(row.values).sort()).toEqual([...ORDER_COLUMNS].sort());
          }
          for (const reject of outcome.rejects) {
            expect(reject.reason).toMatch(
              /expected \d+ fields|longer than|quote|not valid UTF-8|never closed|UTF-8/,
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** A record's values as CSV (strings) or JSON Lines (any JSON) would give them. */
function hostileRecord(columns: readonly string[]) {
  return fc.dictionary(
    fc.oneof(fc.constantFrom(...columns), fc.string({ maxLength: 6 })),
    fc.oneof(
      hostileText(3),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        '',
        ' ',
        'true',
        'no',
        '1e999',
        '-0',
        'NaN',
        '2024-02-30',
        '2024-01-01T00:00:00Z',
        'a@b.co',
      ),
    ),
    { maxKeys: columns.length + 2 },
  );
}

describe('row values', () => {
  const schemas = [
    ['customers', customerRowSchema, [...CUSTOMER_COLUMNS, ...CUSTOMER_OPTIONAL_COLUMNS]],
    ['products', productRowSchema, PRODUCT_COLUMNS],
    ['orders', orderRowSchema('Europe/London'), ORDER_COLUMNS],
  ] as const;
  for (const [table, schema, columns] of schemas) {
    it(`${table}: any values are accepted or rejected with every problem naming its column (property)`, () => {
      fc.assert(
        fc.property(hostileRecord(columns), (values) => {
          const parsed = schema.safeParse(values);
          if (parsed.success) return;
          for (const issue of parsed.error.issues) {
            expect(columns as readonly string[]).toContain(String(issue.path[0]));
          }
          const reason = describeIssues(parsed.error);
          expect(reason.length).toBeGreaterThan(0);
          expect(reason.length).toBeLessThan(2000); // values are quoted short, never echoed whole
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('a whole import of hostile customers and products', () => {
  it('ends with a snapshot or one DataFileError; every reject names file, line and field (property)', async () => {
    const customerCell = fc.oneof(
      cell,
      hostileText(2).map((t) => `"${t.replace(/"/g, '""')}"`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(customerCell, { minLength: 6, maxLength: 8 }), { maxLength: 6 }),
        fc.array(fc.array(customerCell, { minLength: 6, maxLength: 7 }), { maxLength: 6 }),
        async (customerRows, productRows) => {
          const customers = writeInput(
            Buffer.from(
              [
                [...CUSTOMER_COLUMNS, ...CUSTOMER_OPTIONAL_COLUMNS].join(','),
                'c1,ann@example.com,Ann,UK,Europe/London,true,false',
                ...customerRows.map((r) => r.join(',')),
              ].join('\n'),
              'latin1',
            ),
            'csv',
          );
          const products = writeInput(
            Buffer.from(
              [
                PRODUCT_COLUMNS.join(','),
                'p1,Teapot,,Home,3.5,https://shop.example.com/p1',
                ...productRows.map((r) => r.join(',')),
              ].join('\n'),
              'latin1',
            ),
            'csv',
          );
          const orders = writeInput(
            Buffer.from(`${ORDER_COLUMNS.join(',')}\no1,c1,p1,1,3.5,2024-01-02\n`),
            'csv',
          );
          const result = await importDataset({
            name: 'hostile',
            root: work,
            orders,
            customers,
            products,
            limits: LIMITS,
            writeRejects: false,
          });
          expect(result.manifest.customers).toBeGreaterThanOrEqual(1);
          for (const reject of result.rejects) {
            expect([customers, products, orders]).toContain(reject.file);
            expect(reject.line).toBeGreaterThanOrEqual(2);
            const known =
              reject.file === customers
                ? [...CUSTOMER_COLUMNS, ...CUSTOMER_OPTIONAL_COLUMNS]
                : PRODUCT_COLUMNS;
            // The reason names a column, or says what is wrong with the record as a whole.
            expect(
              known.some((column) => reject.reason.includes(column)) ||
                /expected \d+ fields|longer than|quote|UTF-8|never closed|appears (twice|more than once)|repeated|duplicate/i.test(
                  reject.reason,
                ),
              reject.reason,
            ).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
