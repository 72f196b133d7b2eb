import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from '../../src/util/hmac-sha256.js';

/** HmacSha256 is RFC 2104 HMAC-SHA-256: the same bytes as Node's createHmac, for any key and message. */
describe('HmacSha256', () => {
  const reference = (key: Uint8Array, message: Uint8Array, tail: string) =>
    createHmac('sha256', key).update(message).update(tail, 'utf8').digest();

  it('matches createHmac for keys up to and over a block, messages and UTF-8 tails of any length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 700 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (key, message, tail) => {
          const hmac = new HmacSha256(key);
          const expected = reference(key, message, tail);
          expect(hmac.mac(message, tail)).toEqual(expected);
          // Twice with one instance: its buffers keep no state from the last message.
          expect(hmac.mac(message, tail, 16)).toEqual(expected.subarray(0, 16));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('writes a truncated MAC into a larger buffer at an offset, leaving the rest alone', () => {
    const key = Buffer.from('tailor-test-key');
    const message = Buffer.from('payload');
    const target = Buffer.alloc(40, 0xaa);
    new HmacSha256(key).macInto(message, 'x', target, 10, 16);
    expect(target.subarray(10, 26)).toEqual(reference(key, message, 'x').subarray(0, 16));
    expect(target.subarray(0, 10)).toEqual(Buffer.alloc(10, 0xaa));
    expect(target.subarray(26)).toEqual(Buffer.alloc(14, 0xaa));
  });

  it('gives the RFC 4231 test case 2 value', () => {
    const mac = new HmacSha256(Buffer.from('Jefe')).mac(Buffer.from('what do ya want '), 'for nothing?');
    expect(mac.toString('hex')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});
