import { describe, expect, it } from 'vitest';
import { RfmQuantileSegmenter } from '../../src/segmentation/rfm-quantile.js';
import { aggregatesOf, background, type CraftedCustomer, REFERENCE_TIME } from './customers.js';

describe('RfmQuantileSegmenter', () => {
  const crafted: CraftedCustomer[] = [
    { recencyDays: 1, tenureDays: 380, orders: 40, spend: 20_000 }, // champion
    { recencyDays: 360, tenureDays: 365, orders: 1, spend: 10 }, // lost
    { recencyDays: 2, tenureDays: 2, orders: 1, spend: 15 }, // new
    { recencyDays: 300, tenureDays: 390, orders: 30, spend: 15_000 }, // can't lose / at risk
    { recencyDays: 3, orders: 0, spend: 0 }, // no orders
    { recencyDays: 1, tenureDays: 380, orders: 40, spend: 20_000 }, // objects to profiling
  ];
  const customers = [...crafted, ...background(200)];
  const profilable = new Uint8Array(customers.length).fill(1);
  profilable[5] = 0;

  it('names crafted customers by where they sit in the RFM distribution', async () => {
    const result = await new RfmQuantileSegmenter().segment({
      aggregates: aggregatesOf(customers),
      referenceTime: REFERENCE_TIME,
      profilable,
      seed: 1,
    });
    const nameOf = (i: number) => result.profiles[result.assignments[i]].name;
    expect(result.method).toBe('rfm-quantile');
    expect(nameOf(0)).toBe('Champions');
    expect(nameOf(1)).toBe('Lost');
    expect(nameOf(2)).toBe('New customers');
    expect(nameOf(3)).toBe("Can't lose them");
    expect(result.assignments[4]).toBe(-1);
    expect(result.assignments[5]).toBe(-1);
    expect(result.k).toBe(result.profiles.length);
    expect(result.profiles.reduce((s, p) => s + p.size, 0)).toBe(customers.length - 2);
    expect(result.profiles.map((p) => p.id)).toEqual(result.profiles.map((_, i) => i));
  });

  it('reports centroids in original units that agree with the names', async () => {
    const result = await new RfmQuantileSegmenter().segment({
      aggregates: aggregatesOf(customers),
      referenceTime: REFERENCE_TIME,
      profilable,
      seed: 1,
    });
    const byName = new Map(result.profiles.map((p) => [p.name, p]));
    const champions = byName.get('Champions')!;
    const hibernating = byName.get('Hibernating') ?? byName.get('Lost')!;
    expect(champions.centroid.recencyDays).toBeLessThan(hibernating.centroid.recencyDays);
    expect(champions.centroid.spend).toBeGreaterThan(hibernating.centroid.spend);
    expect(champions.centroid.orders).toBeGreaterThan(hibernating.centroid.orders);
    for (const p of result.profiles) {
      expect(p.description).toMatch(/last ordered .* days ago/);
      expect(Object.keys(p.centroid)).toContain('avgBasket');
    }
  });

  it('refuses a profilable mask that does not match the aggregates', async () => {
    await expect(
      new RfmQuantileSegmenter().segment({
        aggregates: aggregatesOf(customers),
        referenceTime: REFERENCE_TIME,
        profilable: new Uint8Array(3),
        seed: 1,
      }),
    ).rejects.toThrow(/profilable has 3 entries/);
  });
});
