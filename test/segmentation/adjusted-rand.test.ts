import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../src/segmentation/adjusted-rand.js';

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under other label names', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [0, 0, 1, 1, 2])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1, 2], [5, 5, 3, 3, 9])).toBe(1);
  });

  it("matches scikit-learn's documented values", () => {
    // sklearn.metrics.adjusted_rand_score examples.
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 12);
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285715, 12);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
  });

  it('skips items left out of either labelling', () => {
    expect(adjustedRandIndex([0, 0, -1, 1, 1], [2, 2, 0, 3, 3])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, -1])).toBe(1);
  });

  it('refuses labellings of different lengths', () => {
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(/differ in length/);
  });
});
