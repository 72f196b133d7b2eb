import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../src/segmentation/adjusted-rand.js';
import { KMeansSegmenter, segmentSnapshotAggregates } from '../../src/segmentation/kmeans-segmenter.js';
import { SeededRandom } from '../../src/segmentation/seeded-random.js';
import { aggregatesOf, type CraftedCustomer, REFERENCE_TIME } from './customers.js';

/** Four kinds of customer a retailer would tell apart at a glance, interleaved. */
function population(): { customers: CraftedCustomer[]; kind: string[] } {
  const random = new SeededRandom(17);
  const between = (lo: number, hi: number) => lo + (hi - lo) * random.next();
  const customers: CraftedCustomer[] = [];
  const kind: string[] = [];
  for (let i = 0; i < 200; i++) {
    const orders = Math.round(between(20, 40));
    customers.push({
      recencyDays: between(1, 3),
      tenureDays: between(350, 380),
      orders,
      spend: orders * between(200, 400),
    });
    kind.push('champion');
    const lapsed = between(250, 360);
    customers.push({ recencyDays: lapsed, tenureDays: lapsed, orders: 1, spend: between(10, 40) });
    kind.push('lost');
    const fresh = between(4, 12);
    customers.push({ recencyDays: fresh, tenureDays: fresh, orders: 1, spend: between(15, 50) });
    kind.push('new');
    for (let j = 0; j < 2; j++) {
      const regular = Math.round(between(3, 6));
      customers.push({
        recencyDays: between(60, 150),
        tenureDays: 300,
        orders: regular,
        spend: regular * between(40, 80),
      });
      kind.push('regular');
    }
  }
  return { customers, kind };
}

describe('KMeansSegmenter', () => {
  const { customers, kind } = population();
  const aggregates = aggregatesOf([...customers, { orders: 0, spend: 0 }]);
  const profilable = new Uint8Array(customers.length + 1).fill(1);
  profilable[4] = 0;

  it('finds the four groups, chooses k by silhouette and names them from their RFM centroids', async () => {
    const result = await new KMeansSegmenter({ nInit: 4, threads: 0 }).segment({
      aggregates,
      referenceTime: REFERENCE_TIME,
      profilable,
      seed: 1,
    });
    expect(result.method).toBe('kmeans');
    expect(result.k).toBe(4);
    expect(result.details.chosenBy).toBe('silhouette');
    const scores = result.details.silhouette as { k: number; silhouette: number }[];
    expect(scores.map((s) => s.k)).toEqual([3, 4, 5, 6, 7, 8]);
    const best = Math.max(...scores.map((s) => s.silhouette));
    expect(scores.find((s) => s.k === 4)!.silhouette).toBe(best);

    expect(result.assignments[4]).toBe(-1);
    expect(result.assignments[customers.length]).toBe(-1);
    const truth = kind.map((k, i) =>
      profilable[i] ? ['champion', 'lost', 'new', 'regular'].indexOf(k) : -1,
    );
    expect(adjustedRandIndex(Array.from(result.assignments.subarray(0, customers.length)), truth)).toBe(1);

    const nameOfKind = (wanted: string) => result.profiles[result.assignments[kind.indexOf(wanted, 5)]];
    expect(nameOfKind('champion').name).toBe('Champions');
    expect(nameOfKind('lost').name).toMatch(/^(Lost|Hibernating)/);
    expect(nameOfKind('new').name).toMatch(/^(New customers|Promising)/);
    expect(nameOfKind('regular').name).toMatch(/^(Need attention|About to sleep|At risk)/);
    expect(nameOfKind('champion').centroid.spend).toBeGreaterThan(5000);
    expect(nameOfKind('lost').centroid.recencyDays).toBeGreaterThan(200);
    // Ids follow the RFM grid: best customers first.
    expect(result.profiles[0].name).toBe('Champions');
    expect(result.profiles.reduce((s, p) => s + p.size, 0)).toBe(customers.length - 1);
    expect(result.details.scaler).toMatchObject({ mean: expect.any(Array), scale: expect.any(Array) });
    expect(result.details.features).toContain('recencyDays');
  });

  it('gives the same segments on worker threads and with a fixed k', async () => {
    const inThread = await segmentSnapshotAggregates(aggregates, REFERENCE_TIME, profilable, {
      k: 4,
      seed: 5,
      nInit: 3,
      threads: 0,
    });
    const threaded = await segmentSnapshotAggregates(aggregates, REFERENCE_TIME, profilable, {
      k: 4,
      seed: 5,
      nInit: 3,
      threads: 2,
    });
    expect(inThread.details.chosenBy).toBe('fixed');
    expect(Array.from(threaded.assignments)).toEqual(Array.from(inThread.assignments));
    expect(threaded.profiles).toEqual(inThread.profiles);
  });

  it('returns no segments when nobody may be profiled', async () => {
    const result = await new KMeansSegmenter({ threads: 0 }).segment({
      aggregates,
      referenceTime: REFERENCE_TIME,
      profilable: new Uint8Array(customers.length + 1),
      seed: 1,
    });
    expect(result.k).toBe(0);
    expect(result.profiles).toEqual([]);
    expect(result.assignments.every((a) => a === -1)).toBe(true);
  });
});
