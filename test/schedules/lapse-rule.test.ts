import { describe, expect, it } from 'vitest';
import { AUDIENCE } from '../../src/campaigns/chunk-codec.js';
import { hasLapseRule, keepLapsed, lapsedMask } from '../../src/schedules/lapse-rule.js';

const DAY = 86_400_000;
const now = Date.parse('2024-06-01T00:00:00Z');

// Five customers: last order 10, 100, 200 days ago, never, and 30 days ago.
const input = {
  lastOrderAt: Float64Array.from([
    now - 10 * DAY,
    now - 100 * DAY,
    now - 200 * DAY,
    Number.NaN,
    now - 30 * DAY,
  ]),
  // Expected next order: in 5 days, 20 days ago, unknown, unknown, 3 days ago.
  expectedNextOrderAt: Float64Array.from([
    now + 5 * DAY,
    now - 20 * DAY,
    Number.NaN,
    Number.NaN,
    now - 3 * DAY,
  ]),
  referenceTime: now,
};

describe('lapse rule', () => {
  it('selects by days since the last order', () => {
    expect([...lapsedMask(input, { lapsedForDays: 100 })]).toEqual([0, 1, 1, 0, 0]);
  });

  it('selects customers past their predicted next order, after the grace period', () => {
    expect([...lapsedMask(input, { pastPredictedNextOrder: true })]).toEqual([0, 1, 0, 0, 1]);
    expect([...lapsedMask(input, { pastPredictedNextOrder: true, graceDays: 7 })]).toEqual([0, 1, 0, 0, 0]);
  });

  it('either condition is enough', () => {
    expect([...lapsedMask(input, { lapsedForDays: 150, pastPredictedNextOrder: true })]).toEqual([
      0, 1, 1, 0, 1,
    ]);
  });

  it('narrows an audience in place and counts the customers removed', () => {
    const audience = Uint8Array.from([
      AUDIENCE.profiled,
      AUDIENCE.profiled,
      AUDIENCE.generic,
      AUDIENCE.generic,
      AUDIENCE.outside,
    ]);
    expect(keepLapsed(audience, input, { lapsedForDays: 100 })).toBe(2);
    expect([...audience]).toEqual([
      AUDIENCE.outside,
      AUDIENCE.profiled,
      AUDIENCE.generic,
      AUDIENCE.outside,
      AUDIENCE.outside,
    ]);
  });

  it('an empty rule keeps everyone', () => {
    expect(hasLapseRule({})).toBe(false);
    const audience = Uint8Array.from([1, 1, 1, 1, 1]);
    expect(keepLapsed(audience, input, {})).toBe(0);
    expect([...audience]).toEqual([1, 1, 1, 1, 1]);
  });

  it('refuses columns of different lengths', () => {
    expect(() =>
      lapsedMask({ ...input, expectedNextOrderAt: new Float64Array(2) }, { lapsedForDays: 1 }),
    ).toThrow(/5 last-order times but 2/);
  });
});
