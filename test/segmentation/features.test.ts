import { describe, expect, it } from 'vitest';
import {
  buildCustomerFeatures,
  FEATURE_NAMES,
  transformFeatures,
  untransformRow,
} from '../../src/segmentation/features.js';
import {
  applyStandardScaler,
  fitStandardScaler,
  invertStandardScaler,
} from '../../src/segmentation/standard-scaler.js';
import { aggregatesOf, REFERENCE_TIME } from './customers.js';

describe('buildCustomerFeatures', () => {
  it('derives recency, frequency, monetary and behaviour features in original units', () => {
    const aggregates = aggregatesOf([
      { recencyDays: 10, tenureDays: 100, orders: 4, spend: 200, units: 40, lines: 12, distinctProducts: 9 },
      { recencyDays: 30, tenureDays: 30, orders: 1, spend: 15, units: 3, lines: 2, distinctProducts: 2 },
      { orders: 0, spend: 0 },
      { recencyDays: 1, orders: 3, spend: 90 },
    ]);
    const features = buildCustomerFeatures(aggregates, REFERENCE_TIME, Uint8Array.from([1, 1, 1, 0]));
    expect(features.n).toBe(2);
    expect(Array.from(features.customer)).toEqual([0, 1]);
    const row = (i: number) =>
      Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, features.raw[i * features.d + j]]));
    expect(row(0)).toEqual({
      recencyDays: 10,
      orders: 4,
      spend: 200,
      avgBasket: 50,
      tenureDays: 100,
      distinctProducts: 9,
      meanGapDays: 30, // 90 days between first and last order over 3 gaps
      unitsPerOrder: 10,
      linesPerOrder: 3,
    });
    // One order: the wait since it stands in for the gap.
    expect(row(1).meanGapDays).toBe(30);
  });

  it('log-transforms the skewed features and maps rows back', () => {
    const aggregates = aggregatesOf([{ recencyDays: 10, tenureDays: 100, orders: 4, spend: 200 }]);
    const features = buildCustomerFeatures(aggregates, REFERENCE_TIME, Uint8Array.from([1]));
    const transformed = transformFeatures(features.raw, features.names);
    expect(transformed[2]).toBeCloseTo(Math.log1p(200), 12);
    expect(transformed[4]).toBe(100); // tenure stays linear
    const back = untransformRow(transformed, features.names);
    for (const [j, value] of back.entries()) expect(value).toBeCloseTo(features.raw[j], 9);
  });
});

describe('standard scaler', () => {
  it('centres and scales columns, keeps constant columns, and survives JSON', () => {
    const rows = Float64Array.from([1, 5, 3, 5, 5, 5]); // columns [1, 3, 5] and [5, 5, 5]
    const scaler = fitStandardScaler(rows, 2);
    expect(scaler.mean).toEqual([3, 5]);
    expect(scaler.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(scaler.scale[1]).toBe(1);
    const restored = JSON.parse(JSON.stringify(scaler));
    const scaled = applyStandardScaler(restored, rows);
    expect(scaled[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 12);
    expect(scaled[1]).toBe(0);
    expect(invertStandardScaler(restored, scaled.subarray(4, 6))).toEqual([5, 5]);
  });
});
