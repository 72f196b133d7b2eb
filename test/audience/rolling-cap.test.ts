import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailHistory } from '../../src/audience/mail-history.js';
import {
  formatHistory,
  HISTORY_SECONDS,
  type HistoryEntry,
  holderOf,
  parseHistory,
  releaseFromHistory,
  reserveInHistory,
} from '../../src/audience/rolling-cap.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

const DAY = 86_400;
const cap = { maxMails: 2, windowDays: 7 };

describe('rolling mail cap (pure rules)', () => {
  it('allows at most N mails in any window, across campaigns', () => {
    const t0 = 1_700_000_000;
    let history: HistoryEntry[] = [];
    const reserve = (now: number, campaign: string) => {
      const r = reserveInHistory(history, now, cap, holderOf(campaign));
      history = r.entries;
      return r.allowed;
    };
    expect(reserve(t0, 'spring')).toBe(true);
    expect(reserve(t0 + DAY, 'summer')).toBe(true);
    expect(reserve(t0 + 2 * DAY, 'autumn')).toBe(false);
    // A retried send job of a campaign that holds a reservation is allowed without a new one.
    expect(reserve(t0 + 2 * DAY, 'summer')).toBe(true);
    expect(history).toHaveLength(2);
    // Seven days after the first mail it leaves the window (the window is (now − 7 days, now]).
    expect(reserve(t0 + 7 * DAY - 1, 'autumn')).toBe(false);
    expect(reserve(t0 + 7 * DAY, 'autumn')).toBe(true);
    // Without a cap of its own a campaign is allowed, and recorded for the others.
    const open = reserveInHistory(history, t0 + 7 * DAY, undefined, holderOf('winter'));
    expect(open.allowed).toBe(true);
    expect(open.entries).toHaveLength(4);
  });

  it('forgets mails older than the history and gives back a released reservation', () => {
    const entries = [
      { at: 100, holder: 'a' },
      { at: 100 + HISTORY_SECONDS, holder: 'b' },
    ];
    const r = reserveInHistory(entries, 101 + HISTORY_SECONDS, { maxMails: 1, windowDays: 31 }, 'c');
    expect(r.allowed).toBe(false);
    expect(r.entries).toEqual([{ at: 100 + HISTORY_SECONDS, holder: 'b' }]);
    expect(releaseFromHistory(r.entries, 'b')).toEqual([]);
    expect(parseHistory(formatHistory(entries))).toEqual(entries);
    expect(parseHistory(null)).toEqual([]);
  });
});

describe('mail history in Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs the same rules atomically: concurrent campaigns never exceed the cap', async () => {
    const history = new MailHistory(redis.client, { prefix: 'test:concurrent:{h}' });
    const customers = Array.from({ length: 300 }, (_, i) => `c${i}`);
    const now = Date.now();
    const campaigns = ['a', 'b', 'c', 'd', 'e'].map(holderOf);
    const results = await Promise.all(
      campaigns.map((holder) => history.reserve(customers, cap, holder, now)),
    );
    for (let i = 0; i < customers.length; i++) {
      expect(results.filter((r) => r[i]).length).toBe(2);
    }
    const stored = await history.entries(customers.slice(0, 3));
    for (const entries of stored) expect(entries).toHaveLength(2);
    const ttl = await redis.client.ttl(history.key('c0'));
    expect(ttl).toBeGreaterThan(HISTORY_SECONDS - 5);
    expect(ttl).toBeLessThanOrEqual(HISTORY_SECONDS);
    // Releasing one campaign's reservations frees one mail per customer.
    const winner = campaigns.find((_, c) => results[c][0]) as string;
    expect(await history.release(['c0'], winner, now)).toBe(1);
    expect(await history.reserve(['c0'], cap, holderOf('late'), now)).toEqual([true]);
  });

  it('agrees with the pure rules on random histories (property)', async () => {
    const history = new MailHistory(redis.client, { prefix: 'test:property:{h}' });
    const t0 = 1_700_000_000;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            offset: fc.integer({ min: 0, max: 40 * DAY }),
            holder: fc.constantFrom('h1', 'h2', 'h3', 'h4'),
            policy: fc.option(
              fc.record({
                maxMails: fc.integer({ min: 1, max: 3 }),
                windowDays: fc.integer({ min: 1, max: 31 }),
              }),
              { nil: undefined },
            ),
            release: fc.boolean(),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (steps) => {
          const customer = `p${n++}`;
          let model: HistoryEntry[] = [];
          let now = t0;
          for (const step of steps) {
            now += step.offset;
            if (step.release) {
              model = releaseFromHistory(
                model.filter((e) => e.at > now - HISTORY_SECONDS),
                step.holder,
              );
              await history.release([customer], step.holder, now * 1000);
            } else {
              const expected = reserveInHistory(model, now, step.policy, step.holder);
              model = expected.entries;
              const [allowed] = await history.reserve([customer], step.policy, step.holder, now * 1000);
              expect(allowed).toBe(expected.allowed);
            }
            const [stored] = await history.entries([customer]);
            // Both drop what left the history (Redis by expiry, in real time, and on every write).
            const current = (entries: HistoryEntry[]) => entries.filter((e) => e.at > now - HISTORY_SECONDS);
            expect(current(stored)).toEqual(current(model));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
