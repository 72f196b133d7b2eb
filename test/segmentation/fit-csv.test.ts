import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitCsv } from '../../src/segmentation/fit-csv.js';
import { NumericCsvError, readNumericCsv } from '../../src/segmentation/numeric-csv.js';
import { blobs } from './points.js';

const dir = mkdtempSync(join(tmpdir(), 'tailor-segment-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readNumericCsv', () => {
  it('reads a header and rows of numbers, with CRLF, quotes and a missing final newline', async () => {
    const path = file('ok.csv', 'a,b\r\n1,2\r\n"3", -4.5e1\r\n\r\n5,6');
    const matrix = await readNumericCsv(path);
    expect(matrix.columns).toEqual(['a', 'b']);
    expect(matrix.n).toBe(3);
    expect(matrix.d).toBe(2);
    expect(Array.from(matrix.data)).toEqual([1, 2, 3, -45, 5, 6]);
  });

  it('names the file, line and column of a bad cell', async () => {
    const path = file('bad-cell.csv', 'x,y,z\n1,2,3\n4,five,6\n');
    await expect(readNumericCsv(path)).rejects.toThrow(
      `${path}:3: column 2 (y): "five" is not a finite number`,
    );
    await expect(readNumericCsv(file('empty-cell.csv', 'x,y\n1,\n'))).rejects.toThrow(
      /:2: column 2 \(y\): empty cell/,
    );
    await expect(readNumericCsv(file('inf.csv', 'x\n1\nInfinity\n'))).rejects.toThrow(/:3: column 1 \(x\)/);
  });

  it('names the line of a row with the wrong number of columns', async () => {
    const path = file('short.csv', 'x,y\n1,2\n3,4\n5\n');
    const error = await readNumericCsv(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NumericCsvError);
    expect((error as NumericCsvError).line).toBe(4);
    expect((error as Error).message).toContain('expected 2 columns as in the header, found 1');
  });

  it('asks for a header when the first row is data, and refuses an empty file', async () => {
    await expect(readNumericCsv(file('no-header.csv', '1,2\n3,4\n'))).rejects.toThrow(
      /:1: the first row looks like data/,
    );
    await expect(readNumericCsv(file('empty.csv', ''))).rejects.toThrow(/the file is empty/);
  });
});

describe('fitCsv', () => {
  it('clusters the points of a CSV file and reports the summary the CLI prints', async () => {
    const { data, d } = blobs(
      [
        [0, 0],
        [20, 0],
        [0, 20],
      ],
      500,
      1,
      3,
    );
    const lines = ['x,y'];
    for (let i = 0; i < data.length; i += d) lines.push(`${data[i]},${data[i + 1]}`);
    const summary = await fitCsv({
      input: file('points.csv', `${lines.join('\n')}\n`),
      k: 3,
      seed: 1,
      nInit: 2,
      threads: 2,
    });
    expect(summary).toMatchObject({ k: 3, n: 1500, d: 2, sizes: [500, 500, 500] });
    expect(summary.iterations).toBeGreaterThan(0);
    expect(summary.fitSeconds).toBeGreaterThan(0);
    expect(summary.inertia / 1500).toBeGreaterThan(1); // two unit-variance coordinates: about 2 per point
    expect(summary.inertia / 1500).toBeLessThan(3);
    await expect(fitCsv({ input: file('two.csv', 'x\n1\n2\n'), k: 3, seed: 1, nInit: 1 })).rejects.toThrow(
      /needs at least 3 rows, found 2/,
    );
  });
});
