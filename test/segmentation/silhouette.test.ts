import { describe, expect, it } from 'vitest';
import { InThreadExecutor } from '../../src/segmentation/block-executor.js';
import { sampledSilhouette } from '../../src/segmentation/silhouette.js';

const executor = new InThreadExecutor();

describe('sampledSilhouette', () => {
  it('matches a hand-computed case', async () => {
    // 1-D points 0, 1 | 4, 6:
    // s(0) = (5 − 1)/5, s(1) = (4 − 1)/4, s(4) = (3.5 − 2)/3.5, s(6) = (5.5 − 2)/5.5
    const expected = (0.8 + 0.75 + 1.5 / 3.5 + 3.5 / 5.5) / 4;
    const result = await sampledSilhouette(
      Float64Array.from([0, 1, 4, 6]),
      1,
      Int32Array.from([0, 0, 1, 1]),
      2,
      {
        executor,
        seed: 0,
      },
    );
    expect(result.sampleSize).toBe(4);
    expect(result.score).toBeCloseTo(expected, 12);
  });

  it('scores a singleton 0 and takes the nearest other cluster for b', async () => {
    // Points 0, 2 | 3 | 10: s(0): a = 2, b = min(3, 10) = 3 → 1/3; s(2): a = 2, b = min(1, 8) = 1 → −1/2;
    // s(3) = 0 (alone); s(10) = 0 (alone).
    const result = await sampledSilhouette(
      Float64Array.from([0, 0, 2, 0, 3, 0, 10, 0]),
      2,
      Int32Array.from([0, 0, 1, 2]),
      3,
      { executor, seed: 0 },
    );
    expect(result.score).toBeCloseTo((1 / 3 - 1 / 2) / 4, 12);
  });

  it('samples the rows it is asked to, reproducibly', async () => {
    const n = 3000;
    const data = Float64Array.from({ length: n }, (_, i) => (i % 2) * 10 + (i % 7) / 7);
    const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
    const a = await sampledSilhouette(data, 1, labels, 2, { executor, seed: 5, sampleSize: 500 });
    const b = await sampledSilhouette(data, 1, labels, 2, { executor, seed: 5, sampleSize: 500 });
    const full = await sampledSilhouette(data, 1, labels, 2, { executor, seed: 5, sampleSize: n });
    expect(a.sampleSize).toBe(500);
    expect(a.score).toBe(b.score);
    expect(Math.abs(a.score - full.score)).toBeLessThan(0.01);
    expect(full.score).toBeGreaterThan(0.9);
  });
});
