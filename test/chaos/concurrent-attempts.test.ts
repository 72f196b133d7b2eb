import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChaosSink } from '../../ops/chaos/chaos-sink.js';
import { DeliveryRetryError, deliverBatch, type PreparedEmail } from '../../src/dispatch/deliver-batch.js';
import { type EmailCampaign, prepareEmail } from '../../src/dispatch/prepare-email.js';
import {
  DEFAULT_SEND_LEASE_MS,
  ledgerField,
  SendLedger,
  sendLeaseMsFromEnv,
} from '../../src/dispatch/send-ledger.js';
import { SmtpTransport } from '../../src/dispatch/smtp-transport.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';
import { Mulberry32 as SeededRandom } from '../../src/util/mulberry32.js';

/**
 * Two delivery attempts of one chunk at once (a worker whose BullMQ lock lapsed while it was still
 * sending, and the worker that picked the job up again), an attempt that died holding its claims,
 * and Redis going away mid-send: the lease on ledger claims keeps every mail to one send.
 */

const campaign: EmailCampaign = {
  campaignId: 'lease-test',
  template: 'default',
  sender: { name: 'Lease Shop', address: 'news@lease-shop.example.com', postalAddress: '1 Test Lane' },
  brand: { name: 'Lease Shop' },
  publicUrl: 'https://lease-shop.example.com',
};
const copy = { subject: 'Picked for you', preheader: 'A few things', body: 'Hello.\n\nTake a look.' };
const products = [{ title: 'Teapot', price: 12.5, url: 'https://lease-shop.example.com/p/1' }];

function messages(n: number, from = 0): PreparedEmail[] {
  return Array.from({ length: n }, (_, i) =>
    prepareEmail(
      campaign,
      { id: `L${from + i}`, email: `lease-${from + i}@example.net`, firstName: 'Ann' },
      copy,
      products,
    ),
  );
}

let dir: string;
let server: RedisServerHandle;
let redis: Redis;
let sink: ChaosSink;
let ledger: SendLedger;
let suppression: SuppressionList;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tailor-lease-'));
  server = await startRedisServer({ dataDir: dir });
  redis = createRedisClient(server.url);
  ledger = new SendLedger(redis, { leaseMs: 1200 });
  suppression = new SuppressionList(redis);
  sink = new ChaosSink({
    hardBounces: new Set(),
    transientRate: 0,
    random: new SeededRandom(1),
    acceptDelayMs: 8,
  });
  await sink.start();
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await redis.flushall();
  sink.deliveries.length = 0;
});

const perMessageId = () => {
  const counts = new Map<string, number>();
  for (const d of sink.deliveries) counts.set(d.messageId, (counts.get(d.messageId) ?? 0) + 1);
  return counts;
};

describe('ledger leases', () => {
  it('keeps a live lease from other attempts, lets its holder renew it, and frees it on expiry or release', async () => {
    const fields = ['A:email', 'B:email'];
    const a = { token: 'attempt-a', leaseMs: 1000 };
    const b = { token: 'attempt-b', leaseMs: 1000 };
    expect(await ledger.claim('c', fields, { ...a, now: 10_000 })).toEqual(['claimed', 'claimed']);
    expect(await ledger.claim('c', fields, { ...b, now: 10_400 })).toEqual(['busy:600', 'busy:600']);
    expect(await ledger.claim('c', fields, { ...a, now: 10_500 })).toEqual(['claimed', 'claimed']); // its own
    expect(await ledger.renew('c', fields, { ...a, now: 10_900 })).toEqual([true, true]);
    expect(await ledger.claim('c', fields, { ...b, now: 11_800 })).toEqual(['busy:100', 'busy:100']);
    expect(await ledger.claim('c', [fields[0]], { ...b, now: 11_900 })).toEqual(['reclaimed']);
    // A cannot renew what B took over; B releases, and anyone may take it at once.
    expect(await ledger.renew('c', fields, { ...a, now: 11_950 })).toEqual([false, true]);
    expect(await ledger.release('c', fields, b.token)).toBe(1);
    expect(await ledger.states('c', [fields[0]])).toEqual(['sending:11900']);
    expect(await ledger.claim('c', [fields[0]], { token: 'attempt-c', leaseMs: 1000, now: 11_960 })).toEqual([
      'reclaimed',
    ]);
    // A claim without a token (older entries) holds no lease.
    await ledger.claim('c', ['D:email'], 20_000);
    expect(await ledger.claim('c', ['D:email'], { ...b, now: 20_001 })).toEqual(['reclaimed']);
    // Final states stay final.
    await ledger.markSent('c', ['D:email'], 20_002);
    expect(await ledger.claim('c', ['D:email'], { ...a, now: 20_003 })).toEqual(['done:sent:20002']);
    expect(await ledger.renew('c', ['D:email'], { ...b, now: 20_004 })).toEqual([false]);
  });

  it('uses the Redis clock when no time is given', async () => {
    const [result] = await ledger.claim('c', ['E:email'], { token: 't1', leaseMs: 60_000 });
    expect(result).toBe('claimed');
    const [state] = await ledger.states('c', ['E:email']);
    const at = Number(state?.split(':')[1]);
    expect(Math.abs(at - Date.now())).toBeLessThan(5_000);
    expect(state).toMatch(/^sending:\d+:t1:60000$/);
  });

  it('takes its length from TAILOR_SEND_LEASE_MS, else no longer than a shortened BullMQ lock', () => {
    expect(sendLeaseMsFromEnv({})).toBe(DEFAULT_SEND_LEASE_MS);
    expect(sendLeaseMsFromEnv({ TAILOR_SEND_LEASE_MS: '3000' })).toBe(3000);
    expect(sendLeaseMsFromEnv({ TAILOR_LOCK_DURATION_MS: '5000' })).toBe(5000);
    expect(sendLeaseMsFromEnv({ TAILOR_LOCK_DURATION_MS: '600000' })).toBe(DEFAULT_SEND_LEASE_MS);
    expect(() => sendLeaseMsFromEnv({ TAILOR_SEND_LEASE_MS: '10' })).toThrow(/TAILOR_SEND_LEASE_MS must be/);
  });

  it('refuses tokens that could confuse the stored state', async () => {
    await expect(ledger.claim('c', ['F:email'], { token: 'a:b', leaseMs: 10 })).rejects.toThrow(/token/);
    await expect(ledger.claim('c', ['F:email'], { token: 'ok', leaseMs: 0 })).rejects.toThrow(/lease/);
  });
});

describe('two attempts of one chunk at once', () => {
  it('share the chunk and never send a mail twice', async () => {
    const batch = messages(120);
    const transportA = new SmtpTransport({ url: sink.url, maxConnections: 4 });
    const transportB = new SmtpTransport({ url: sink.url, maxConnections: 4 });
    const deliver = (transport: SmtpTransport) =>
      deliverBatch({
        campaignId: campaign.campaignId,
        messages: batch,
        ledger,
        suppression,
        transport,
        window: 10,
      });
    const [a, b] = await Promise.all([
      deliver(transportA),
      new Promise((r) => setTimeout(r, 30)).then(() => deliver(transportB)),
    ]);
    await Promise.all([transportA.close(), transportB.close()]);
    expect(a.sent + b.sent).toBe(120);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0); // window by window, both did part of the work
    expect(sink.deliveries).toHaveLength(120);
    expect(Math.max(...perMessageId().values())).toBe(1);
    expect(await ledger.counts(campaign.campaignId)).toMatchObject({ sent: 120, sending: 0 });
  });

  it('keeps a slow attempt’s claims alive by renewing them, so a second attempt waits instead of re-sending', async () => {
    const batch = messages(60);
    const slow = new SmtpTransport({ url: sink.url, maxConnections: 1 }); // 60 × ≥8 ms: several leases
    const fast = new SmtpTransport({ url: sink.url, maxConnections: 4 });
    const leaseMs = 300;
    const first = deliverBatch({
      campaignId: campaign.campaignId,
      messages: batch,
      ledger,
      suppression,
      transport: slow,
      leaseMs,
      window: 60, // all claimed up front: the second attempt finds every field held
    });
    await new Promise((r) => setTimeout(r, 100));
    const second = await deliverBatch({
      campaignId: campaign.campaignId,
      messages: batch,
      ledger,
      suppression,
      transport: fast,
      leaseMs,
      busyWaitMs: 30_000,
    });
    const firstResult = await first;
    await Promise.all([slow.close(), fast.close()]);
    expect(firstResult.sent + second.sent).toBe(60);
    expect(firstResult.roundTrips).toBeGreaterThan(3); // renewals
    expect(sink.deliveries).toHaveLength(60);
    expect(Math.max(...perMessageId().values())).toBe(1);
  });

  it('takes over the claims of an attempt that died once its lease runs out, with the same Message-IDs', async () => {
    const batch = messages(40);
    // Before the claim: its lease counts from when Redis runs it.
    const started = performance.now();
    // An attempt claimed the chunk, then its worker was killed: nothing renews its lease.
    await ledger.claim(
      campaign.campaignId,
      batch.map((m) => m.field),
      { token: 'dead-attempt', leaseMs: 700 },
    );
    const transport = new SmtpTransport({ url: sink.url, maxConnections: 4 });
    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages: batch,
      ledger,
      suppression,
      transport,
    });
    await transport.close();
    expect(performance.now() - started).toBeGreaterThan(600);
    expect(result).toMatchObject({ sent: 40, resent: 40, busy: 0 });
    expect(sink.deliveries.map((d) => d.messageId).sort()).toEqual(
      batch.map((m) => m.message.messageId).sort(),
    );
  });

  it('never sends a field another attempt took over, and reports it as held elsewhere', async () => {
    const batch = messages(30);
    const transport = new SmtpTransport({ url: sink.url, maxConnections: 1 });
    const attempt = deliverBatch({
      campaignId: campaign.campaignId,
      messages: batch,
      ledger,
      suppression,
      transport,
      leaseMs: 300,
      window: 30,
      busyWaitMs: 100,
    });
    // Meanwhile another attempt holds the last ten (as after this one's lease had lapsed).
    await new Promise((r) => setTimeout(r, 40));
    const { ledger: key } = ledger.keys(campaign.campaignId);
    const held = `sending:${Date.now()}:someone-else:60000`;
    for (const m of batch.slice(20)) await redis.hset(key, m.field, held);
    const error = await attempt.catch((e: unknown) => e);
    await transport.close();
    expect(error).toBeInstanceOf(DeliveryRetryError);
    expect((error as DeliveryRetryError).result).toMatchObject({ sent: 20, busy: 10, retry: 0 });
    expect((error as DeliveryRetryError).code).toBe('EBUSY');
    expect(sink.deliveries.map((d) => d.to[0])).not.toContain(batch[25].email);
    expect(await ledger.states(campaign.campaignId, [batch[25].field])).toEqual([held]);
  });
});

describe('Redis going away mid-send', () => {
  it('pauses sending until Redis is back, then finishes with every mail sent once', async () => {
    const batch = messages(150);
    const transport = new SmtpTransport({ url: sink.url, maxConnections: 3 });
    const delivering = deliverBatch({
      campaignId: campaign.campaignId,
      messages: batch,
      ledger,
      suppression,
      transport,
    });
    while (sink.deliveries.length < 30) await new Promise((r) => setTimeout(r, 5));
    const port = server.port;
    await server.stop(); // SIGTERM: Redis writes its AOF and exits
    const down = performance.now();
    const atDown = sink.deliveries.length;
    await new Promise((r) => setTimeout(r, 800));
    const whileDown = sink.deliveries.filter((d) => d.at > down).length;
    server = await startRedisServer({ dataDir: dir, port });
    const result = await delivering;
    await transport.close();
    // Only the sends already on the wire when Redis went away may complete while it is down.
    expect(whileDown).toBeLessThanOrEqual(3);
    expect(atDown).toBeLessThan(150);
    expect(result.sent).toBe(150);
    expect(sink.deliveries).toHaveLength(150);
    expect(Math.max(...perMessageId().values())).toBe(1);
    expect(await ledger.counts(campaign.campaignId)).toMatchObject({ sent: 150, sending: 0 });
  });
});

describe('a relay answering 451 now and then', () => {
  it('tries those messages again within the chunk, so the job does not fail for them', async () => {
    const flaky = new ChaosSink({ hardBounces: new Set(), transientRate: 0.3, random: new SeededRandom(3) });
    await flaky.start();
    const transport = new SmtpTransport({ url: flaky.url, maxConnections: 3 });
    const batch = messages(60);
    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages: batch,
      ledger,
      suppression,
      transport,
      transientBackoffMs: 20,
      transientRetries: 6,
    });
    await transport.close();
    await flaky.stop();
    expect(flaky.transientFailures).toBeGreaterThan(5);
    expect(result).toMatchObject({ sent: 60, retry: 0 });
    expect(new Set(flaky.deliveries.map((d) => d.messageId)).size).toBe(60);
    expect(flaky.deliveries).toHaveLength(60);
  });
});

describe('ledger field names', () => {
  it('are what dispatch uses', () => {
    expect(messages(1)[0].field).toBe(ledgerField('L0', 'email'));
  });
});
