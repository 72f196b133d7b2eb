import { describe, expect, it } from 'vitest';
import { median, medianGapNextOrderAt } from '../../src/prediction/next-order-estimate.js';
import { PopularityPredictor } from '../../src/prediction/popularity.js';
import { NO_PRODUCT } from '../../src/prediction/predictor.js';
import { TopFrequencyPredictor } from '../../src/prediction/top-frequency.js';
import { row, sequencesOf } from './sequences.js';

const DAY = 86_400_000;
// Products 0..5; popularity: 5 most popular, then 4, 3, 2, 1, 0.
const popularity = Uint32Array.from([1, 2, 3, 4, 5, 6]);
const context = { popularity, referenceTime: 0 };

describe('TopFrequencyPredictor', () => {
  it('ranks by basket count, breaks ties by global popularity, fills with unbought popular products', async () => {
    const seqs = sequencesOf([
      [
        [0, 1],
        [1, 2],
        [0, 3],
      ], // counts 0:2 1:2 2:1 3:1
    ]);
    const out = await new TopFrequencyPredictor().predict(seqs, 5, context);
    // tie 0/1 → 1 is more popular; tie 2/3 → 3 more popular; fill: 5 (most popular unbought)
    expect(row(out.products, 5, 0)).toEqual([1, 0, 3, 2, 5]);
  });

  it('breaks ties in first-seen order when asked', async () => {
    const seqs = sequencesOf([
      [
        [0, 1],
        [1, 2],
        [0, 3],
      ],
    ]);
    const predictor = new TopFrequencyPredictor({ tieBreak: 'first-seen' });
    expect(predictor.method).toBe('top-frequency-first-seen');
    const out = await predictor.predict(seqs, 5, context);
    expect(row(out.products, 5, 0)).toEqual([0, 1, 2, 3, 5]);
  });

  it('keeps customers independent and pads when the catalogue runs out', async () => {
    const seqs = sequencesOf([[[2], [2], [4]], [], [[0, 1, 2, 3, 4, 5]]], undefined, 7);
    const out = await new TopFrequencyPredictor().predict(seqs, 3, context);
    expect(out.start).toBe(7);
    expect(out.length).toBe(3);
    expect(row(out.products, 3, 0)).toEqual([2, 4, 5]);
    expect(row(out.products, 3, 1)).toEqual([5, 4, 3]);
    expect(row(out.products, 3, 2)).toEqual([5, 4, 3]);
    const big = await new TopFrequencyPredictor().predict(sequencesOf([[[1]]]), 8, context);
    expect(Array.from(big.products)).toEqual([1, 5, 4, 3, 2, 0, NO_PRODUCT, NO_PRODUCT]);
  });

  it('handles products beyond the popularity array', async () => {
    const seqs = sequencesOf([[[9], [9, 1]]]);
    const out = await new TopFrequencyPredictor().predict(seqs, 3, context);
    expect(row(out.products, 3, 0)).toEqual([9, 1, 5]);
  });

  it('estimates the next order from the median gap, NaN with a single basket', async () => {
    const seqs = sequencesOf(
      [[[1], [1], [1], [2]], [[1]], []],
      [[0, 1 * DAY, 11 * DAY, 13 * DAY], [5 * DAY], []],
    );
    const out = await new TopFrequencyPredictor().predict(seqs, 2, context);
    // gaps 1, 10, 2 days → median 2 days after the last basket
    expect(out.expectedNextOrderAt[0]).toBe(15 * DAY);
    expect(out.expectedNextOrderAt[1]).toBeNaN();
    expect(out.expectedNextOrderAt[2]).toBeNaN();
  });

  it('refuses a k that is not a positive integer', async () => {
    await expect(new TopFrequencyPredictor().predict(sequencesOf([[[1]]]), 0, context)).rejects.toThrow(
      /k must/,
    );
  });
});

describe('PopularityPredictor', () => {
  it('gives every customer the globally most popular products, lower index first on ties', async () => {
    const pop = Uint32Array.from([3, 9, 3, 1]);
    const out = await new PopularityPredictor().predict(sequencesOf([[[0]], [[3], [2]]]), 3, {
      popularity: pop,
      referenceTime: 0,
    });
    expect(row(out.products, 3, 0)).toEqual([1, 0, 2]);
    expect(row(out.products, 3, 1)).toEqual([1, 0, 2]);
  });
});

describe('median', () => {
  it('takes the middle value or the mean of the two middle values', () => {
    expect(median(Float64Array.from([3, 1, 2]))).toBe(2);
    expect(median(Float64Array.from([4, 1, 3, 2]))).toBe(2.5);
    expect(median(new Float64Array(0))).toBeNaN();
    expect(medianGapNextOrderAt(sequencesOf([[[1], [2]]], [[0, 4]]))[0]).toBe(8);
  });
});
