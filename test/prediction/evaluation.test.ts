import { describe, expect, it } from 'vitest';
import type { BasketSequences } from '../../src/data/snapshot.js';
import { baselineCandidates, evaluateSequences } from '../../src/prediction/evaluation.js';
import { splitLastBasket } from '../../src/prediction/holdout-split.js';
import { NO_PRODUCT, type Predictor } from '../../src/prediction/predictor.js';
import { rankingMetrics } from '../../src/prediction/ranking-metrics.js';
import { sequencesOf } from './sequences.js';

const targetsOf = (baskets: number[][]) => {
  const start = new Uint32Array(baskets.length + 1);
  baskets.forEach((b, i) => {
    start[i + 1] = start[i] + b.length;
  });
  return { start, items: Uint32Array.from(baskets.flat()) };
};

describe('rankingMetrics', () => {
  it('matches hand-computed Recall, NDCG and HR', () => {
    const predicted = Uint32Array.from([1, 2, 3, 4, NO_PRODUCT, NO_PRODUCT, 7, 8, 9]);
    const m = rankingMetrics(predicted, 3, targetsOf([[2, 5], [4], [1]]));
    // customer 0: one hit of two at rank 2 → recall 1/2, DCG 1/log2(3), IDCG 1 + 1/log2(3)
    const ndcg0 = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(m.recall).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(m.ndcg).toBeCloseTo((ndcg0 + 1 + 0) / 3, 12);
    expect(m.hr).toBeCloseTo(2 / 3, 12);
    expect(m.customers).toBe(3);
  });

  it('uses min(K, |target|) for the ideal DCG and counts a repeated product once', () => {
    const m = rankingMetrics(Uint32Array.from([9, 1, 1]), 3, targetsOf([[1, 2, 3, 4, 5]]));
    const ideal = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.recall).toBeCloseTo(1 / 5, 12);
    expect(m.ndcg).toBeCloseTo(1 / Math.log2(3) / ideal, 12);
  });

  it('refuses predictions of the wrong size', () => {
    expect(() => rankingMetrics(new Uint32Array(5), 3, targetsOf([[1], [2]]))).toThrow(/expected 2 × 3/);
  });
});

describe('splitLastBasket', () => {
  it('holds out the last basket and counts popularity over non-target baskets only', () => {
    const all = sequencesOf(
      [
        [
          [0, 1],
          [1, 2],
        ],
        [[3]],
        [[0], [4], [5, 0]],
      ],
      [[1, 2], [3], [4, 5, 6]],
      10,
    );
    const split = splitLastBasket(all, 6);
    expect(Array.from(split.customers)).toEqual([0, 2]);
    expect(Array.from(split.history.basketStart)).toEqual([0, 1, 3]);
    expect(Array.from(split.history.items)).toEqual([0, 1, 0, 4]);
    expect(Array.from(split.history.basketTime)).toEqual([1, 4, 5]);
    expect(split.history.start).toBe(0);
    expect(Array.from(split.targets.items)).toEqual([1, 2, 5, 0]);
    expect(Array.from(split.targetTime)).toEqual([2, 6]);
    // product 3 from the single-basket customer counts; target baskets do not
    expect(Array.from(split.popularity)).toEqual([2, 1, 0, 1, 1, 0]);
  });

  it('names a product outside the catalogue', () => {
    expect(() => splitLastBasket(sequencesOf([[[7], [1]]]), 3)).toThrow(
      /product index 7 outside the catalogue of 3/,
    );
  });
});

describe('evaluateSequences', () => {
  it('never shows a method a target basket, and reports every method', async () => {
    const all = sequencesOf([[[0, 1], [0, 2], [0]], [[3], [3, 4]], [[5]]]);
    const seen: BasketSequences[] = [];
    const spy: Predictor = {
      method: 'spy',
      version: 'test',
      async predict(sequences, k) {
        seen.push(sequences);
        return {
          start: 0,
          length: sequences.length,
          k,
          products: new Uint32Array(sequences.length * k).fill(NO_PRODUCT),
          expectedNextOrderAt: new Float64Array(sequences.length).fill(Number.NaN),
        };
      },
    };
    let trainedOn: BasketSequences | null = null;
    const result = await evaluateSequences(all, 6, {
      k: 2,
      candidates: [
        {
          name: 'spy',
          build: async (data) => {
            trainedOn = data.history;
            expect(Array.from(data.popularity)).toEqual([2, 1, 1, 1, 0, 1]);
            return spy;
          },
        },
        ...baselineCandidates(),
      ],
    });
    expect(result.users).toBe(2);
    expect(Object.keys(result.methods)).toEqual([
      'spy',
      'popularity',
      'top-frequency-first-seen',
      'top-frequency',
    ]);
    expect(trainedOn!.items.length).toBe(5); // [0,1],[0,2] and [3]: no target item
    expect(seen[0]).toBe(trainedOn);
    expect(result.methods.spy.recall).toBe(0);
    expect(result.methods.spy.nextOrderMaeDays).toBeNull();
    // top-frequency: customer 0 → [0, 1] hits target {0}: recall 1; customer 1 → [3, 0] hits {3,4}: 1/2
    expect(result.methods['top-frequency'].recall).toBeCloseTo(0.75, 12);
    expect(result.methods['top-frequency'].hr).toBe(1);
    // median gap of customer 0 is one day, so its estimate is exactly the target day
    expect(result.methods['top-frequency'].nextOrderCoverage).toBe(0.5);
    expect(result.methods['top-frequency'].nextOrderMaeDays).toBe(0);
  });

  it('refuses data where nobody has two baskets', async () => {
    await expect(evaluateSequences(sequencesOf([[[1]]]), 2, { k: 1, candidates: [] })).rejects.toThrow(
      /two or more baskets/,
    );
  });
});
