import { describe, expect, it } from 'vitest';
import {
  type FeatureDistribution,
  nameSegments,
  percentileRank,
  quintileScore,
  rfmSegmentName,
  shareWorse,
} from '../../src/segmentation/segment-names.js';

describe('RFM scoring', () => {
  it('scores by the share of customers strictly worse, so ties at the bottom score 1', () => {
    const orders = Float64Array.from([1, 1, 1, 1, 2, 3, 4, 5, 6, 7]);
    expect(shareWorse(orders, 1)).toBe(0);
    expect(shareWorse(orders, 2)).toBe(0.4);
    expect(shareWorse(orders, 7)).toBe(0.9);
    const recency = Float64Array.from([1, 2, 3, 30, 30, 300]);
    expect(shareWorse(recency, 1, true)).toBeCloseTo(5 / 6, 12);
    expect(shareWorse(recency, 30, true)).toBeCloseTo(1 / 6, 12);
    expect(shareWorse(recency, 300, true)).toBe(0);
    expect(percentileRank(orders, 1)).toBe(0.2);
    expect(quintileScore(0)).toBe(1);
    expect(quintileScore(0.2)).toBe(2);
    expect(quintileScore(1)).toBe(5);
  });

  it('maps the grid corners to the classic names', () => {
    expect(rfmSegmentName({ r: 5, f: 5, m: 5 })).toBe('Champions');
    expect(rfmSegmentName({ r: 3, f: 4, m: 5 })).toBe('Loyal customers');
    expect(rfmSegmentName({ r: 5, f: 1, m: 1 })).toBe('New customers');
    expect(rfmSegmentName({ r: 4, f: 2, m: 3 })).toBe('Potential loyalists');
    expect(rfmSegmentName({ r: 4, f: 1, m: 4 })).toBe('Promising');
    expect(rfmSegmentName({ r: 3, f: 3, m: 3 })).toBe('Need attention');
    expect(rfmSegmentName({ r: 3, f: 1, m: 2 })).toBe('About to sleep');
    expect(rfmSegmentName({ r: 1, f: 5, m: 5 })).toBe("Can't lose them");
    expect(rfmSegmentName({ r: 2, f: 3, m: 4 })).toBe('At risk');
    expect(rfmSegmentName({ r: 2, f: 1, m: 2 })).toBe('Hibernating');
    expect(rfmSegmentName({ r: 1, f: 1, m: 1 })).toBe('Lost');
  });
});

describe('nameSegments', () => {
  const column = (values: number[]) => Float64Array.from(values).sort();
  const distribution: FeatureDistribution = {
    names: ['recencyDays', 'orders', 'spend', 'avgBasket'],
    sorted: [
      column(Array.from({ length: 100 }, (_, i) => i * 3.65)),
      column(Array.from({ length: 100 }, (_, i) => 1 + (i % 20))),
      column(Array.from({ length: 100 }, (_, i) => 10 * (i + 1))),
      column(Array.from({ length: 100 }, (_, i) => 5 * (i + 1))),
    ],
  };

  it('names centroids from their place in the distribution and describes them', () => {
    const [best, lapsed] = nameSegments(
      [
        { recencyDays: 5, orders: 19, spend: 950, avgBasket: 50 },
        { recencyDays: 340, orders: 1, spend: 20, avgBasket: 20 },
      ],
      distribution,
    );
    expect(best.name).toBe('Champions');
    expect(best.scores).toEqual({ r: 5, f: 5, m: 5 });
    expect(best.description).toContain('last ordered 5 days ago');
    expect(lapsed.name).toBe('Lost');
  });

  it('tells apart segments that land in the same cell', () => {
    const labels = nameSegments(
      [
        { recencyDays: 5, orders: 19, spend: 950, avgBasket: 490 },
        { recencyDays: 6, orders: 19, spend: 900, avgBasket: 20 },
      ],
      distribution,
    );
    expect(labels.map((l) => l.name)).toEqual([
      'Champions (higher basket value)',
      'Champions (lower basket value)',
    ]);
  });
});
