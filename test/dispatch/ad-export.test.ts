import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AD_EXPORT_COLUMNS,
  type AdExportRow,
  adPartPath,
  combineAdExport,
  emailSha256,
  writeAdExportPart,
} from '../../src/dispatch/ad-export.js';
import { csvCell, csvRow } from '../../src/dispatch/csv.js';
import { tempDir } from './support.js';

const outbox = tempDir('ads');
afterAll(() => outbox.remove());

function row(i: number, extra: Partial<AdExportRow> = {}): AdExportRow {
  return {
    customerId: `C${i}`,
    email: ` Customer${i}@Example.com `,
    segment: 'loyal',
    headline: 'Picked for you',
    description: 'Heart holder, cakestand and more, chosen for you.',
    finalUrl: `https://rosies.example.com/p/${i}`,
    ...extra,
  };
}

describe('csvCell', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""x"")"',
    );
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvRow(['a', 'b,c'])).toBe('a,"b,c"\r\n');
  });

  it('reads back exactly with a CSV parser, apart from the formula guard (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { minLength: 1, maxLength: 6 }),
        (cells) => {
          const [parsed] = parse(csvRow(cells), { relax_quotes: false }) as string[][];
          expect(parsed).toEqual(cells.map((c) => (/^[=+\-@\t\r]/.test(c) ? `'${c}` : c)));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('ad export', () => {
  it('writes each chunk part once, atomically, and combines the parts in chunk order', async () => {
    const campaignId = 'spring-2026';
    const first = await writeAdExportPart({
      outboxDir: outbox.path,
      campaignId,
      chunk: 10,
      rows: [row(3), row(4)],
    });
    expect(first).toMatchObject({ rows: 2, written: true });
    expect(first.path).toBe(join(outbox.path, campaignId, 'ads', 'part-000010.csv'));
    await writeAdExportPart({
      outboxDir: outbox.path,
      campaignId,
      chunk: 2,
      rows: [
        row(1, { headline: '=cmd|" /C calc"!A0', description: 'line one\r\nline "two", and more' }),
        row(2),
      ],
    });
    await writeAdExportPart({ outboxDir: outbox.path, campaignId, chunk: 11, rows: [] });

    // A retried chunk writes nothing, even with different rows.
    const mtime = statSync(first.path).mtimeMs;
    const again = await writeAdExportPart({ outboxDir: outbox.path, campaignId, chunk: 10, rows: [row(99)] });
    expect(again.written).toBe(false);
    expect(statSync(first.path).mtimeMs).toBe(mtime);
    expect(readdirSync(join(outbox.path, campaignId, 'ads'))).toEqual([
      'part-000002.csv',
      'part-000010.csv',
      'part-000011.csv',
    ]);

    const combined = await combineAdExport(join(outbox.path, campaignId));
    expect(combined).toEqual({ path: join(outbox.path, campaignId, 'ads.csv'), rows: 4, parts: 3 });
    const records = parse(readFileSync(combined.path)) as string[][];
    expect(records[0]).toEqual([...AD_EXPORT_COLUMNS]);
    expect(records.slice(1).map((r) => r[1])).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(records[1][4]).toBe('\'=cmd|" /C calc"!A0');
    expect(records[1][5]).toBe('line one\r\nline "two", and more');
    expect(records[1][2]).toBe(createHash('sha256').update('customer1@example.com').digest('hex'));
    expect(records[1][2]).toBe(emailSha256('CUSTOMER1@example.com '));
    expect(records[1]).not.toContain(' Customer1@Example.com ');

    // combining again gives the same file
    expect((await combineAdExport(join(outbox.path, campaignId))).rows).toBe(4);
  });

  it('combines nothing into a header-only file and refuses a part that is not an export', async () => {
    const empty = await combineAdExport(join(outbox.path, 'no-ads-yet'));
    expect(empty.rows).toBe(0);
    expect(readFileSync(empty.path, 'utf8')).toBe(csvRow(AD_EXPORT_COLUMNS));
    const dir = join(outbox.path, 'odd');
    await writeAdExportPart({ outboxDir: outbox.path, campaignId: 'odd', chunk: 0, rows: [row(1)] });
    writeFileSync(join(dir, 'ads', 'part-000001.csv'), 'name,email\r\nx,y\r\n');
    await expect(combineAdExport(dir)).rejects.toThrow(
      /part-000001\.csv: does not start with the ad export header/,
    );
  });

  it('refuses chunk numbers and campaign ids that could name other files', () => {
    expect(() => adPartPath(outbox.path, 'c', -1)).toThrow(/chunk/);
    expect(() => adPartPath(outbox.path, 'c', 1.5)).toThrow(/chunk/);
    expect(() => adPartPath(outbox.path, '../x', 1)).toThrow(/campaign id/);
  });
});
