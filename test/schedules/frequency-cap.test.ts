import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrequencyCap } from '../../src/schedules/frequency-cap.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const week = { group: 'reengagement', windowDays: 7 };

describe('frequency cap (real Redis)', () => {
  it('lets one campaign per window reach a customer, across campaigns', async () => {
    const cap = new FrequencyCap(redis.client);
    expect(await cap.reserve(['c1', 'c2'], week, 'spring-r1')).toEqual([true, true]);
    // Another campaign of the group: c1 and c2 are taken, c3 is free.
    expect(await cap.reserve(['c1', 'c3', 'c2'], week, 'summer-r1')).toEqual([false, true, false]);
    expect(await cap.holders(['c1', 'c2', 'c3', 'c4'], 'reengagement')).toEqual([
      'spring-r1',
      'spring-r1',
      'summer-r1',
      null,
    ]);
    // The window is the key's expiry.
    const ttl = await redis.client.pttl('tailor:cap:{reengagement}:c1');
    expect(ttl).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it('a retried chunk of the same campaign is not capped by its own first attempt', async () => {
    const cap = new FrequencyCap(redis.client);
    expect(await cap.reserve(['r1', 'r2'], week, 'autumn-r1')).toEqual([true, true]);
    expect(await cap.reserve(['r1', 'r2'], week, 'autumn-r1')).toEqual([true, true]);
  });

  it('release gives back only the holder’s own reservations', async () => {
    const cap = new FrequencyCap(redis.client);
    await cap.reserve(['x1', 'x2'], week, 'a-r1');
    expect(await cap.release(['x1', 'x2'], week, 'b-r1')).toBe(0);
    expect(await cap.release(['x1'], week, 'a-r1')).toBe(1);
    expect(await cap.reserve(['x1', 'x2'], week, 'b-r1')).toEqual([true, false]);
  });

  it('groups are independent, and a customer is free again once the window passes', async () => {
    const cap = new FrequencyCap(redis.client);
    // Long enough that a busy machine cannot let it pass between the first calls.
    const shortWindow = { group: 'winback', windowDays: 3_000 / 86_400_000 }; // 3 s
    expect(await cap.reserve(['w1'], shortWindow, 'first')).toEqual([true]);
    expect(await cap.reserve(['w1'], week, 'other-group')).toEqual([true]);
    expect(await cap.reserve(['w1'], shortWindow, 'second')).toEqual([false]);
    await new Promise((r) => setTimeout(r, 3_100));
    expect(await cap.reserve(['w1'], shortWindow, 'second')).toEqual([true]);
  });

  it('handles more customers than one script call takes', async () => {
    const cap = new FrequencyCap(redis.client);
    const ids = Array.from({ length: 2_500 }, (_, i) => `bulk-${i}`);
    const first = await cap.reserve(ids, week, 'bulk-a');
    expect(first.every(Boolean)).toBe(true);
    const second = await cap.reserve([...ids.slice(0, 10), 'bulk-new'], week, 'bulk-b');
    expect(second).toEqual([...Array(10).fill(false), true]);
  });
});
