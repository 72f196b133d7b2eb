import { describe, expect, it } from 'vitest';
import { type JsonlEvent, JsonlRecordParser } from '../../src/data/jsonl-records.js';
import { DEFAULT_TEXT_LIMITS } from '../../src/data/text-limits.js';

function parse(input: Buffer | string, chunkSize = 0, limits = DEFAULT_TEXT_LIMITS): JsonlEvent[] {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const parser = new JsonlRecordParser(limits);
  const out: JsonlEvent[] = [];
  const step = chunkSize || bytes.length || 1;
  for (let at = 0; at < bytes.length; at += step) parser.push(bytes.subarray(at, at + step), out);
  parser.end(out);
  return out;
}

describe('JsonlRecordParser', () => {
  it('reads one object per line, skipping blank lines, with or without a final newline', () => {
    const input = '{"a":1}\r\n\n  \n{"b":"x\\ny"}\n{"c":[1]}';
    const expected = [
      { line: 1, value: { a: 1 } },
      { line: 4, value: { b: 'x\ny' } },
      { line: 5, value: { c: [1] } },
    ];
    expect(parse(input)).toEqual(expected);
    expect(parse(input, 1)).toEqual(expected);
    expect(parse(input, 3)).toEqual(expected);
  });

  it('rejects bad JSON, non-objects and invalid UTF-8 by line and goes on', () => {
    const input = Buffer.concat([
      Buffer.from('{"ok":1}\n{"broken":\n[1,2]\nnull\n"text"\n{"bad":"'),
      Buffer.from([0xff]),
      Buffer.from('"}\n{"ok":2}\n'),
    ]);
    expect(parse(input, 5)).toEqual([
      { line: 1, value: { ok: 1 } },
      { line: 2, reason: expect.stringMatching(/^invalid JSON: /) },
      { line: 3, reason: 'expected a JSON object, found an array' },
      { line: 4, reason: 'expected a JSON object, found null' },
      { line: 5, reason: 'expected a JSON object, found a string' },
      { line: 6, reason: expect.stringContaining('invalid UTF-8') },
      { line: 7, value: { ok: 2 } },
    ]);
  });

  it('rejects an overlong line without buffering it, across chunks', () => {
    const limits = { maxFieldBytes: 10, maxRecordBytes: 20 };
    const input = `{"a":1}\n{"long":"${'x'.repeat(200)}"}\n{"b":2}\n{"tail":"${'y'.repeat(50)}"}`;
    const expected = [
      { line: 1, value: { a: 1 } },
      { line: 2, reason: 'line is longer than 20 bytes' },
      { line: 3, value: { b: 2 } },
      { line: 4, reason: 'line is longer than 20 bytes' },
    ];
    expect(parse(input, 0, limits)).toEqual(expected);
    expect(parse(input, 7, limits)).toEqual(expected);
  });
});
