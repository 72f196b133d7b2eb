import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/segmentation/seeded-random.js';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, () => new SeededRandom(seed).next());
    const a = new SeededRandom(1);
    const b = new SeededRandom(1);
    const first = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(first);
    expect(draw(2)).not.toEqual(draw(3));
    expect(new SeededRandom(1).next()).not.toBe(new SeededRandom(2 ** 32 + 1).next());
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws standard normals and distinct sorted samples', () => {
    const random = new SeededRandom(9);
    const values = Array.from({ length: 50_000 }, () => random.normal());
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
    const sample = random.sample(1000, 300);
    expect(new Set(sample).size).toBe(300);
    expect(Array.from(sample)).toEqual(Array.from(sample).sort((x, y) => x - y));
    expect(sample[0]).toBeGreaterThanOrEqual(0);
    expect(sample[299]).toBeLessThan(1000);
    expect(Array.from(random.sample(5, 10))).toEqual([0, 1, 2, 3, 4]);
  });
});
