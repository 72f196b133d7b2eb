import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeOrders } from '../../src/audience/attribute-orders.js';
import { campaignEarnings, EarningsStore } from '../../src/audience/earnings-store.js';
import { isHeldOut } from '../../src/audience/holdout.js';
import { openLinkSigner } from '../../src/audience/link-secret.js';
import { readOrderFile } from '../../src/audience/order-file.js';
import { sendJobId } from '../../src/audience/send-plan.js';
import { sendReviewedRun } from '../../src/campaigns/enqueue-campaign.js';
import { summarizeRun } from '../../src/campaigns/run-summary.js';
import { ledgerField, SendLedger } from '../../src/dispatch/send-ledger.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { parseCampaignSpec } from '../../src/queues/campaign-spec.js';
import { audienceRoutePlugins } from '../../src/server/audience-routes.js';
import { createTailorServer } from '../../src/server/tailor-server.js';
import { exampleSpec } from '../server/harness.js';
import { PipelineHarness } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { emailOf, importTimeZoneShop, TZ_CUSTOMERS } from './support.js';

/**
 * Audience care through the real pipeline: signed links in every mail, a hold-out, local-time
 * sending on real BullMQ delayed jobs, an unsubscribe over HTTP in the middle of a campaign, the
 * cross-campaign cap, and attribution of an order file to mailed and held-out customers.
 */

let redis: TestRedis;
let home: string;
let harness: PipelineHarness;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let app: FastifyInstance;
let base: string;
/** The customer who unsubscribes in the middle of the second campaign. */
let leaver: string;
const saved = { ...process.env };

const spec = (overrides: Record<string, unknown>) =>
  parseCampaignSpec(exampleSpec({ dataset: 'tz', channels: ['email'], ...overrides }));
const mailsTo = (id: string) => sink.mails.filter((m) => m.to.includes(emailOf(id)));
const unsubscribeUrlOf = (raw: string) => /^List-Unsubscribe: <([^>]+)>/m.exec(raw)?.[1] as string;

beforeAll(async () => {
  process.env.TAILOR_COPY_MODE = 'template';
  delete process.env.TAILOR_SECRET;
  redis = await startTestRedis();
  home = mkdtempSync(join(tmpdir(), 'tailor-audience-'));
  await importTimeZoneShop(home, home);
  sink = await startSmtpSink();
  harness = new PipelineHarness(redis, home);
  harness.startWorkers({ transport: 'smtp', smtpUrl: sink.url });
  // The same home as the workers: the same generated link secret.
  const signer = await openLinkSigner({ home, redis: redis.client });
  app = await createTailorServer(
    {
      redis: redis.client,
      queues: harness.queues,
      store: harness.store,
      openSnapshot: (d) => harness.snapshots.get(d),
    },
    audienceRoutePlugins({
      redis: redis.client,
      store: harness.store,
      signer,
      openSnapshot: (d) => harness.snapshots.get(d),
    }),
  );
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  process.env.TAILOR_PUBLIC_URL = base;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await harness?.close();
  await sink?.stop();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
  process.env = saved;
});

describe('audience care in the pipeline', () => {
  it('mails signed links, holds out a deterministic share, and records who was held out', async () => {
    const run = await harness.enqueue(
      spec({ id: 'first', seed: 3, tracking: { holdout: 0.3, clicks: true, opens: true } }),
    );
    expect((await harness.wait(run.runId)).state).toBe('completed');
    const eligible = TZ_CUSTOMERS.filter((c) => c.consent);
    const held = eligible.filter((c) => isHeldOut(0.3, 3, 'first', c.id));
    expect(held.length).toBeGreaterThan(0);
    const summary = await summarizeRun(harness.store, run.runId, { redis: redis.client });
    expect(summary).toMatchObject({
      sent: eligible.length - held.length,
      skipped: { 'no-consent': 1, holdout: held.length },
      pending: 0,
    });
    for (const c of held) expect(mailsTo(c.id)).toHaveLength(0);
    const times = await new EarningsStore(redis.client).holdoutTimes(
      'first',
      held.map((c) => c.id),
    );
    for (const t of times) expect(t).toBeGreaterThan(Date.parse(run.createdAt));

    const mail = sink.mails[0];
    const unsubscribe = unsubscribeUrlOf(mail.raw);
    expect(unsubscribe.startsWith(`${base}/u/`)).toBe(true);
    expect(mail.parsed.html).toContain(`href="${unsubscribe}"`);
    expect(mail.parsed.text).toContain(unsubscribe);
    // Product links are signed redirects through the server; the open pixel closes the HTML.
    expect(mail.parsed.html).toMatch(
      new RegExp(`href="${base}/c/[A-Za-z0-9_-]+\\?to&#x3D;https%3A%2F%2Fshop\\.example\\.com%2Fp%2Fp\\d"`),
    );
    expect(mail.parsed.html).toMatch(new RegExp(`<img src="${base}/o/[A-Za-z0-9_-]+" width="1" height="1"`));
    const click = /href="([^"]+\/c\/[^"]+)"/
      .exec(String(mail.parsed.html))?.[1]
      .replace(/&#x3D;/g, '=') as string;
    const redirected = await fetch(click, { redirect: 'manual' });
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get('location')).toMatch(/^https:\/\/shop\.example\.com\/p\/p\d$/);
  });

  it('sends at local time on delayed jobs, and an unsubscribe in between stops that later mail', async () => {
    // A UTC customer the first campaign mailed (not held out) unsubscribes from its mail.
    leaver = TZ_CUSTOMERS.find((c) => c.zone === 'UTC' && mailsTo(c.id).length === 1)?.id as string;
    const first = mailsTo(leaver)[0];
    // Eight seconds from now, as a UTC wall-clock time: due soon in UTC, tomorrow in Tokyo.
    const sendAt = Math.ceil((Date.now() + 8_000) / 1000) * 1000;
    const time = new Date(sendAt).toISOString().slice(11, 19);
    // Review first (segment, predict, copy), so the plan happens well before the send time.
    const run = await harness.enqueue(spec({ id: 'second', schedule: { type: 'local', time } }), {
      dryRun: true,
    });
    expect((await harness.wait(run.runId)).state).toBe('reviewed');
    await sendReviewedRun(harness, run.runId);
    const dispatch = harness.queues.get('dispatch');
    const plannedJob = async () => {
      for (;;) {
        const job = await Job.fromId(dispatch, `${run.runId}-dispatch-reviewed`);
        const plannedAt = job?.data.plannedAt as number | undefined;
        if (plannedAt && (await dispatch.getJob(sendJobId(run.runId, 0, sendAt, plannedAt))))
          return plannedAt;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const plannedAt = await plannedJob();
    expect(sendAt - plannedAt).toBeGreaterThan(2_000);
    const utcJob = await dispatch.getJob(sendJobId(run.runId, 0, sendAt, plannedAt));
    expect(await utcJob?.getState()).toBe('delayed');
    expect((utcJob?.timestamp ?? 0) + (utcJob?.opts.delay ?? 0)).toBeGreaterThanOrEqual(sendAt - 50);
    // Tokyo's 'time' is tomorrow there: a job delayed by hours.
    const delayed = (await dispatch.getJobs(['delayed'])).filter((j) => j.data.runId === run.runId);
    const tokyo = delayed.filter((j) => j.data.sendAt > sendAt);
    expect(tokyo.length).toBe(1);
    expect(tokyo[0].data.sendAt - sendAt).toBeGreaterThan(12 * 3_600_000);

    // The leaver unsubscribes with the link of the first campaign's mail, before the second one's time.
    const posted = await fetch(unsubscribeUrlOf(first.raw), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(posted.status).toBe(200);
    expect(Date.now()).toBeLessThan(sendAt);
    const before = sink.mails.length;
    const ledger = new SendLedger(redis.client);
    const utc = TZ_CUSTOMERS.filter((c) => c.zone === 'UTC' && c.consent);
    const deadline = Date.now() + 30_000;
    while ((await ledger.counts('second')).sent < utc.length - 1) {
      if (Date.now() > deadline) throw new Error('the delayed send did not happen');
      await new Promise((r) => setTimeout(r, 100));
    }
    const states = await ledger.states(
      'second',
      utc.map((c) => ledgerField(c.id, 'email')),
    );
    for (const [i, state] of states.entries()) {
      if (utc[i].id === leaver) expect(state).toBe('skipped:unsubscribed');
      else expect(Number(state?.slice(5))).toBeGreaterThanOrEqual(sendAt);
    }
    expect(sink.mails.length - before).toBe(utc.length - 1);
    expect(mailsTo(leaver).map((m) => m.parsed.messageId)).toEqual([first.parsed.messageId]);
    const summary = await summarizeRun(harness.store, run.runId);
    expect(summary.state).toBe('dispatching');
    expect(summary.skipped).toMatchObject({ unsubscribed: 1, 'no-consent': 1 });
    expect(summary.pending).toBe(4); // Tokyo, tomorrow morning
  }, 60_000);

  it('caps marketing mails per customer across campaigns in a rolling window', async () => {
    const run = await harness.enqueue(spec({ id: 'third', mailCap: { maxMails: 2, windowDays: 7 } }));
    expect((await harness.wait(run.runId)).state).toBe('completed');
    const summary = await summarizeRun(harness.store, run.runId);
    const held = TZ_CUSTOMERS.filter((c) => c.consent && isHeldOut(0.3, 3, 'first', c.id));
    // UTC customers mailed twice already are capped; Tokyo's second mail has not gone yet.
    const cappedExpected = TZ_CUSTOMERS.filter(
      (c) => c.zone === 'UTC' && c.consent && c.id !== leaver && !held.some((h) => h.id === c.id),
    );
    expect(summary.skipped['mail-cap']).toBe(cappedExpected.length);
    expect(summary.skipped.unsubscribed).toBe(1);
    for (const c of TZ_CUSTOMERS.filter((c) => c.zone === 'Asia/Tokyo'))
      expect(mailsTo(c.id).length).toBeGreaterThanOrEqual(1);
  });

  it('attributes an order file to the mailed and the held-out, once, with revenue per recipient and uplift', async () => {
    const ledger = new SendLedger(redis.client);
    const eligible = TZ_CUSTOMERS.filter((c) => c.consent);
    const states = await ledger.states(
      'first',
      eligible.map((c) => ledgerField(c.id, 'email')),
    );
    const mailed = eligible.filter((_, i) => states[i]?.startsWith('sent:'));
    const held = eligible.filter((_, i) => states[i] === 'skipped:holdout');
    const sentAt = Math.max(...states.filter((s) => s?.startsWith('sent:')).map((s) => Number(s?.slice(5))));
    const iso = (ms: number) => new Date(ms).toISOString();
    const hour = 3_600_000;
    // Mailed: the first two order 30.00 and 12.50 (two lines) within the window; one orders
    // before the mail and one after the window (neither counts). Held out: one orders 10.00.
    const lines = [
      'order_id,customer_id,product_id,quantity,unit_price,ordered_at',
      `a1,${mailed[0].id},p1,1,30.00,${iso(sentAt + hour)}`,
      `a2,${mailed[1].id},p2,1,8.50,${iso(sentAt + 2 * hour)}`,
      `x9,n1,p2,1,99.00,${iso(sentAt + hour)}`,
      `a3,${mailed[2].id},p1,1,24.00,${iso(sentAt - 10 * 24 * hour)}`,
      `a4,${mailed[3].id},p1,1,24.00,${iso(sentAt + 6 * 24 * hour)}`,
      `h1,${held[0].id},p3,2,5.00,${iso(sentAt + 3 * hour)}`,
      `a2,${mailed[1].id},p3,1,4.00,${iso(sentAt + 2 * hour)}`,
    ];
    const file = join(home, 'new-orders.csv');
    writeFileSync(file, lines.join('\n'));
    const orders = await readOrderFile(file);
    expect(orders.orders).toHaveLength(6);
    // Only 'first' turns tracking on, so later campaigns do not take its orders.
    const result = await attributeOrders({ redis: redis.client, store: harness.store }, orders.orders);
    expect(result).toMatchObject({ orders: 6, attributed: 3, alreadyCounted: 0, unattributed: 3 });
    expect(result.campaigns.first).toEqual({
      mailed: { orders: 2, revenue: 42.5 },
      holdout: { orders: 1, revenue: 10 },
    });
    const again = await attributeOrders({ redis: redis.client, store: harness.store }, orders.orders);
    expect(again).toMatchObject({ attributed: 3, alreadyCounted: 3 });

    const earned = await campaignEarnings(redis.client, 'first', {
      tracking: spec({ tracking: { holdout: 0.3 } }).tracking,
    });
    expect(earned?.mailed).toMatchObject({ members: mailed.length, orders: 2, buyers: 2, revenue: 42.5 });
    expect(earned?.holdout).toMatchObject({ members: held.length, orders: 1, buyers: 1, revenue: 10 });
    const rprMailed = 42.5 / mailed.length;
    const rprHeld = 10 / held.length;
    expect(earned?.mailed.perMember.revenue).toBeCloseTo(rprMailed, 4);
    expect(earned?.uplift?.revenuePerRecipient).toBeCloseTo(rprMailed - rprHeld, 4);
    expect(earned?.uplift?.relative).toBeCloseTo(rprMailed / rprHeld - 1, 3);
    expect(earned?.clicks).toBe(1);
    expect(earned?.unsubscribes).toBe(1);
    // The run summary carries the same figures.
    const summary = await summarizeRun(harness.store, 'first-r1', { redis: redis.client });
    expect(summary.earned).toEqual(earned);
    expect(await new SuppressionList(redis.client).get(emailOf(leaver))).toMatchObject({
      reason: 'unsubscribed',
      campaignId: 'first',
    });
  });
});
