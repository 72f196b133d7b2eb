import { describe, expect, it } from 'vitest';
import { profiledHistoryOnly } from '../../src/campaigns/audience.js';
import { AUDIENCE } from '../../src/campaigns/chunk-codec.js';
import type { BasketSequences } from '../../src/data/snapshot.js';

describe('profiledHistoryOnly', () => {
  // Three customers: 2 baskets, 1 basket, 2 baskets.
  const sequences: BasketSequences = {
    start: 10,
    length: 3,
    basketStart: Uint32Array.from([0, 2, 3, 5]),
    basketTime: Float64Array.from([1, 2, 3, 4, 5]),
    basketSpend: Float64Array.from([10, 20, 30, 40, 50]),
    itemStart: Uint32Array.from([0, 2, 3, 5, 6, 8]),
    items: Uint32Array.from([7, 8, 9, 1, 2, 3, 4, 5]),
  };

  it('keeps the profiled customers baskets and empties everyone else', () => {
    const out = profiledHistoryOnly(
      sequences,
      Uint8Array.from([AUDIENCE.profiled, AUDIENCE.generic, AUDIENCE.profiled]),
    );
    expect(out.start).toBe(10);
    expect(Array.from(out.basketStart)).toEqual([0, 2, 2, 4]);
    expect(Array.from(out.basketTime)).toEqual([1, 2, 4, 5]);
    expect(Array.from(out.basketSpend)).toEqual([10, 20, 40, 50]);
    expect(Array.from(out.itemStart)).toEqual([0, 2, 3, 4, 6]);
    expect(Array.from(out.items)).toEqual([7, 8, 9, 3, 4, 5]);
  });

  it('gives nobody any history when nobody is profiled', () => {
    const out = profiledHistoryOnly(
      sequences,
      Uint8Array.from([AUDIENCE.outside, AUDIENCE.generic, AUDIENCE.outside]),
    );
    expect(Array.from(out.basketStart)).toEqual([0, 0, 0, 0]);
    expect(out.items.length).toBe(0);
  });
});
