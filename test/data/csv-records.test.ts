import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvEvent, CsvRecordParser } from '../../src/data/csv-records.js';
import { csvField } from '../../src/data/make-sample.js';
import { DEFAULT_TEXT_LIMITS, type TextLimits } from '../../src/data/text-limits.js';

/** Parses `input` fed in pieces cut at `cuts` (byte offsets). */
function parse(
  input: Buffer | string,
  cuts: number[] = [],
  limits: TextLimits = DEFAULT_TEXT_LIMITS,
): CsvEvent[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const parser = new CsvRecordParser(limits);
  const out: CsvEvent[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.push(bytes.subarray(from, cut), out);
    from = cut;
  }
  parser.push(bytes.subarray(from), out);
  parser.end(out);
  return out;
}

describe('CsvRecordParser', () => {
  it('reads plain and quoted fields with their start lines', () => {
    const input = 'a,b,c\n1,"x, y",3\r\n"multi\nline",",",""""\n\nlast,row,"no newline"';
    expect(parse(input)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', '3'] },
      { line: 3, fields: ['multi\nline', ',', '"'] },
      { line: 6, fields: ['last', 'row', 'no newline'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const input = 'id,text\n1,"a ""quoted"" value, with comma"\r\n2,"two\r\nlines"\n3,plain £ € 😀\n4,""\n';
    const whole = parse(input);
    const bytes = Buffer.from(input);
    for (let cut = 0; cut <= bytes.length; cut++) expect(parse(bytes, [cut])).toEqual(whole);
    expect(
      parse(
        bytes,
        Array.from({ length: bytes.length }, (_, i) => i),
      ),
    ).toEqual(whole);
  });

  it('rejects bad quoting with the line and goes on at the next line', () => {
    const input = 'a,b\nab"c,1\n"x"y,2\nok,3\n"unclosed,4\n';
    expect(parse(input)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, reason: expect.stringContaining('quote inside unquoted field 1') },
      { line: 3, reason: expect.stringContaining('after the closing quote of field 1') },
      { line: 4, fields: ['ok', '3'] },
      { line: 5, reason: 'quoted field 1 is never closed' },
    ]);
  });

  it('an unclosed quote costs only the lines up to the record limit', () => {
    const limits = { maxFieldBytes: 20, maxRecordBytes: 40 };
    const input = 'a,b\n"open,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n8,8\n9,9\n';
    const events = parse(input, [], limits);
    expect(events[1]).toEqual({
      line: 2,
      reason: expect.stringMatching(/field 1 is longer than 20 bytes \(lines 2-6 skipped\)/),
    });
    expect(events.slice(2)).toEqual(
      [7, 8, 9, 10].map((line) => ({ line, fields: [`${line - 1}`, `${line - 1}`] })),
    );
  });

  it('rejects fields and lines over the limits, even across many chunks', () => {
    const limits = { maxFieldBytes: 10, maxRecordBytes: 30 };
    const long = 'x'.repeat(100);
    const input = `a,b\n${long},1\n1,${'y'.repeat(11)}\n"${long}",2\nok,4\n`;
    const bytes = Buffer.from(input);
    const cuts = Array.from({ length: Math.floor(bytes.length / 7) }, (_, i) => i * 7);
    for (const events of [parse(input, [], limits), parse(bytes, cuts, limits)]) {
      expect(events).toEqual([
        { line: 1, fields: ['a', 'b'] },
        { line: 2, reason: 'line is longer than 30 bytes' },
        { line: 3, reason: 'field 2 is longer than 10 bytes' },
        { line: 4, reason: expect.stringMatching(/^(field 1|line) is longer than/) },
        { line: 5, fields: ['ok', '4'] },
      ]);
    }
  });

  it('rejects invalid UTF-8 by line and keeps valid multibyte text', () => {
    const input = Buffer.concat([
      Buffer.from('a,b\n1,caf\u00e9\n2,'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('\n3,"q'),
      Buffer.from([0xff]),
      Buffer.from('"\n4,ok\n'),
    ]);
    expect(parse(input)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'café'] },
      { line: 3, reason: expect.stringContaining('invalid UTF-8') },
      { line: 4, reason: expect.stringContaining('invalid UTF-8') },
      { line: 5, fields: ['4', 'ok'] },
    ]);
  });

  it('round-trips any table written with RFC 4180 quoting, in any chunking', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'é', '😀', ',', '"', '\n', '\r\n', ' ', 'x') });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (rows, rawCuts) => {
          const text = rows
            .map((row) => row.map((value) => (value === '' ? '""' : csvField(value))).join(','))
            .join('\n');
          const bytes = Buffer.from(text);
          const events = parse(
            bytes,
            rawCuts.map((cut) => cut % (bytes.length + 1)),
          );
          expect(events.map((event) => ('fields' in event ? event.fields : event))).toEqual(rows);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on random bytes; rejects carry valid, increasing line numbers', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ maxLength: 400 })
          .map((bytes) =>
            Buffer.from(bytes.map((b) => (b % 5 === 0 ? [10, 34, 44, 13, 0xc3][(b % 25) / 5] : b))),
          ),
        fc.array(fc.nat(), { maxLength: 4 }),
        (bytes, rawCuts) => {
          const limits = { maxFieldBytes: 50, maxRecordBytes: 120 };
          const events = parse(
            bytes,
            rawCuts.map((cut) => cut % (bytes.length + 1)),
            limits,
          );
          const lines = bytes.filter((b) => b === 10).length + 1;
          let previous = 0;
          for (const event of events) {
            expect(event.line).toBeGreaterThan(previous);
            expect(event.line).toBeLessThanOrEqual(lines);
            previous = event.line;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
