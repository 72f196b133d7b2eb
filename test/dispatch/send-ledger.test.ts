import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ledgerField, SendLedger } from '../../src/dispatch/send-ledger.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';
import { tempDir } from './support.js';

const dir = tempDir('ledger');
let server: RedisServerHandle;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer({ dataDir: dir.path });
  redis = createRedisClient(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  dir.remove();
});
beforeEach(async () => {
  await redis.flushall();
});

describe('SendLedger', () => {
  it('treats a field listed twice in one call as two calls in a row, in batches above 1,000', async () => {
    const ledger = new SendLedger(redis);
    const many = Array.from({ length: 2_500 }, (_, i) => ledgerField(`C${i}`, 'email'));
    const twice = [...many, many[0], many[2_499]];
    const lease = { token: 'tok', leaseMs: 60_000, now: 1_000 };
    const claims = await ledger.claim('camp', twice, lease);
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(2_502); // the holder claims again
    const other = await ledger.claim('camp', [many[1], many[1]], { ...lease, token: 'other', now: 2_000 });
    expect(other).toEqual(['busy:59000', 'busy:59000']);

    const marked = await ledger.mark('camp', [
      { field: many[0], state: 'sent:3000' },
      { field: many[0], state: 'failed:550' },
      ...many.slice(1).map((field) => ({ field, state: 'sent:3000' as const })),
    ]);
    expect(marked.applied).toBe(2_500);
    expect(marked.kept).toEqual([{ field: many[0], state: 'sent:3000' }]);
    expect(await ledger.states('camp', [many[0], many[2_499]])).toEqual(['sent:3000', 'sent:3000']);
    expect((await ledger.counts('camp')).sent).toBe(2_500);
  });

  it('moves fields from claimed to final states and keeps O(1) counts', async () => {
    const ledger = new SendLedger(redis);
    const fields = ['C1', 'C2', 'C3', 'C4'].map((id) => ledgerField(id, 'email'));
    expect(await ledger.claim('camp', fields, 1000)).toEqual(['claimed', 'claimed', 'claimed', 'claimed']);
    expect(await ledger.counts('camp')).toEqual({ total: 4, sending: 4, sent: 0, failed: {}, skipped: {} });

    await ledger.mark('camp', [
      { field: fields[0], state: 'sent:2000' },
      { field: fields[1], state: 'failed:550' },
      { field: fields[2], state: 'skipped:unsubscribed' },
    ]);
    expect(await ledger.states('camp', fields)).toEqual([
      'sent:2000',
      'failed:550',
      'skipped:unsubscribed',
      'sending:1000',
    ]);
    expect(await ledger.counts('camp')).toEqual({
      total: 4,
      sending: 1,
      sent: 1,
      failed: { '550': 1 },
      skipped: { unsubscribed: 1 },
    });

    // final states are final: claims report them, marks neither change nor count them again
    expect(await ledger.claim('camp', fields, 3000)).toEqual([
      'done:sent:2000',
      'done:failed:550',
      'done:skipped:unsubscribed',
      'reclaimed',
    ]);
    const again = await ledger.markSent('camp', fields, 4000);
    expect(again.applied).toBe(1);
    expect(again.kept.map((k) => k.state)).toEqual(['sent:2000', 'failed:550', 'skipped:unsubscribed']);
    expect(await ledger.counts('camp')).toEqual({
      total: 4,
      sending: 0,
      sent: 2,
      failed: { '550': 1 },
      skipped: { unsubscribed: 1 },
    });
  });

  it('reclaims a field left sending by a worker that crashed before marking it', async () => {
    const ledger = new SendLedger(redis);
    const field = ledgerField('C9', 'email');
    expect(await ledger.claim('camp', [field], 1000)).toEqual(['claimed']);
    // the worker dies here (sent or not: unknown). The retry:
    expect(await ledger.claim('camp', [field], 5000)).toEqual(['reclaimed']);
    expect(await ledger.states('camp', [field])).toEqual(['sending:5000']);
    await ledger.markSent('camp', [field], 6000);
    expect(await ledger.claim('camp', [field], 7000)).toEqual(['done:sent:6000']);
  });

  it('keeps campaigns apart, hash-tags keys and sets the retention on both keys', async () => {
    const ledger = new SendLedger(redis, { retentionMs: 3_600_000 });
    const { ledger: key, counts } = ledger.keys('camp-a');
    expect(key).toBe('tailor:ledger:{camp-a}');
    expect(counts).toBe('tailor:ledger:{camp-a}:counts');
    await ledger.claim('camp-a', ['C1:email']);
    await ledger.markSent('camp-a', ['C1:email']);
    expect(await ledger.claim('camp-b', ['C1:email'])).toEqual(['claimed']);
    for (const k of [key, counts]) {
      const ttl = await redis.pttl(k);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    }
    const defaults = new SendLedger(redis);
    await defaults.claim('camp-c', ['C1:email']);
    expect(await redis.pttl(defaults.keys('camp-c').ledger)).toBeGreaterThan(179 * 86_400_000);
    // An operator's TAILOR_LEDGER_RETENTION_DAYS applies to ledgers built without an explicit retention.
    process.env.TAILOR_LEDGER_RETENTION_DAYS = '400';
    try {
      const configured = new SendLedger(redis);
      await configured.claim('camp-d', ['C1:email']);
      const ttl = await redis.pttl(configured.keys('camp-d').ledger);
      expect(ttl).toBeGreaterThan(399 * 86_400_000);
      expect(ttl).toBeLessThanOrEqual(400 * 86_400_000);
      process.env.TAILOR_LEDGER_RETENTION_DAYS = 'forever';
      expect(() => new SendLedger(redis)).toThrow(/TAILOR_LEDGER_RETENTION_DAYS .*'forever'/);
    } finally {
      delete process.env.TAILOR_LEDGER_RETENTION_DAYS;
    }
  });

  it('claims and marks thousands of fields in one round trip each, and scans them', async () => {
    const ledger = new SendLedger(redis);
    const fields = Array.from({ length: 5000 }, (_, i) => ledgerField(`C${i}`, 'email'));
    const claims = await ledger.claim('big', fields);
    expect(claims.filter((c) => c === 'claimed')).toHaveLength(5000);
    await ledger.markSent('big', fields.slice(0, 4000));
    await ledger.markSkipped('big', fields.slice(4000), 'no-consent');
    expect(await ledger.counts('big')).toEqual({
      total: 5000,
      sending: 0,
      sent: 4000,
      failed: {},
      skipped: { 'no-consent': 1000 },
    });
    let cursor = '0';
    let seen = 0;
    do {
      const page = await ledger.scan('big', cursor);
      cursor = page.cursor;
      seen += page.entries.length;
    } while (cursor !== '0');
    expect(seen).toBe(5000);
  });

  it('survives a Redis script-cache flush (as after a restart)', async () => {
    const ledger = new SendLedger(redis);
    await ledger.claim('camp', ['C1:email']);
    await redis.script('FLUSH');
    expect(await ledger.claim('camp', ['C2:email'])).toEqual(['claimed']);
  });

  it('refuses states, campaign ids and retention it cannot store cleanly', async () => {
    const ledger = new SendLedger(redis);
    await expect(ledger.markSkipped('camp', ['C1:email'], 'no consent')).rejects.toThrow(/skipped:<reason>/);
    await expect(ledger.markFailed('camp', ['C1:email'], '')).rejects.toThrow(/failed:<code>/);
    await expect(ledger.claim('bad}id', ['C1:email'])).rejects.toThrow(/campaign id/);
    expect(() => new SendLedger(redis, { retentionMs: 0 })).toThrow(/retention/);
    expect(await ledger.counts('camp')).toEqual({ total: 0, sending: 0, sent: 0, failed: {}, skipped: {} });
  });
});

describe('SuppressionList', () => {
  it('adds, checks in bulk (case-insensitively), lists and removes', async () => {
    const list = new SuppressionList(redis);
    await list.add('Ann@Example.com', 'unsubscribed', {
      campaignId: 'camp',
      at: new Date('2026-01-02T03:04:05Z'),
    });
    await list.addMany([
      { email: 'bob@example.com', reason: 'hard-bounced' },
      { email: 'cy@bücher.example', reason: 'complained' },
    ]);
    expect(
      await list.checkMany([
        'ann@example.COM',
        'dan@example.com',
        'bob@example.com',
        'cy@xn--bcher-kva.example',
      ]),
    ).toEqual(['unsubscribed', null, 'hard-bounced', 'complained']);
    expect(await list.get('ann@example.com')).toEqual({
      email: 'ann@example.com',
      reason: 'unsubscribed',
      at: '2026-01-02T03:04:05.000Z',
      campaignId: 'camp',
    });
    expect(await list.size()).toBe(3);
    const page = await list.list('0', 10);
    expect(page.cursor).toBe('0');
    expect(page.entries.map((e) => e.email).sort()).toEqual([
      'ann@example.com',
      'bob@example.com',
      'cy@xn--bcher-kva.example',
    ]);
    expect(await list.remove('ANN@example.com')).toBe(true);
    expect(await list.remove('ann@example.com')).toBe(false);
    expect(await list.checkMany(['ann@example.com'])).toEqual([null]);
  });

  it('refuses invalid entries with the field named, and treats unreadable records as suppressed', async () => {
    const list = new SuppressionList(redis);
    await expect(list.add('not an address', 'manual')).rejects.toThrow(/suppression\[0\]\.email/);
    await expect(list.add('a@example.com', 'bored' as never)).rejects.toThrow(/suppression\[0\]\.reason/);
    await redis.hset(list.key, 'zed@example.com', '{broken');
    expect(await list.checkMany(['zed@example.com'])).toEqual(['manual']);
  });
});
