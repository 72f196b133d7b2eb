import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLinkSigner } from '../../src/audience/link-secret.js';
import { campaignOutboxDir } from '../../src/dispatch/outbox-transport.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { parseCampaignSpec } from '../../src/queues/campaign-spec.js';
import { audienceRoutePlugins } from '../../src/server/audience-routes.js';
import { createTailorServer } from '../../src/server/tailor-server.js';
import { exampleSpec } from '../server/harness.js';
import { launchChromium } from '../support/browser.js';
import { PipelineHarness } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { importTimeZoneShop } from './support.js';

/**
 * A recipient in real headless Chromium: the mail a campaign wrote to the outbox is opened, its
 * Unsubscribe link followed (a page that asks, and changes nothing yet), and the button pressed.
 */

const ARTIFACTS = 'artifacts';
let redis: TestRedis;
let home: string;
let harness: PipelineHarness;
let app: FastifyInstance;
let base: string;
let browser: Browser;
const saved = { ...process.env };

beforeAll(async () => {
  process.env.TAILOR_COPY_MODE = 'template';
  mkdirSync(ARTIFACTS, { recursive: true });
  redis = await startTestRedis();
  home = mkdtempSync(join(tmpdir(), 'tailor-unsub-browser-'));
  await importTimeZoneShop(home, home);
  harness = new PipelineHarness(redis, home);
  harness.startWorkers({ transport: 'outbox', outboxDir: join(home, 'outbox') });
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
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await harness?.close();
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
  process.env = saved;
});

describe('unsubscribing in a real browser', () => {
  it("opens a mail's Unsubscribe link, sees a page that asks, presses the button and is suppressed", async () => {
    const run = await harness.enqueue(
      parseCampaignSpec(exampleSpec({ id: 'browser', dataset: 'tz', channels: ['email'] })),
    );
    expect((await harness.wait(run.runId)).state).toBe('completed');
    const dir = campaignOutboxDir(join(home, 'outbox'), 'browser');
    const file = readdirSync(dir).find((name) => name.endsWith('.eml')) as string;
    const raw = readFileSync(join(dir, file));
    const mail = await simpleParser(raw);
    const recipient = (mail.to && !Array.isArray(mail.to) ? mail.to.value[0].address : '') as string;
    const header = /^List-Unsubscribe: (.+)$/m.exec(raw.toString())?.[1] ?? '';
    const suppression = new SuppressionList(redis.client);

    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.setContent(String(mail.html));
    const link = page.getByRole('link', { name: 'Unsubscribe' });
    expect(header).toContain(await link.getAttribute('href'));
    await Promise.all([page.waitForURL(`${base}/u/**`), link.click()]);
    await page.getByRole('heading', { name: 'Unsubscribe from Example Shop emails?' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/unsubscribe-confirm.png`, fullPage: true });
    // Following the link (a GET) changed nothing.
    expect(await suppression.get(recipient)).toBeNull();

    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Unsubscribe' }).click(),
    ]);
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/unsubscribe-done.png`, fullPage: true });
    expect(await suppression.get(recipient)).toMatchObject({ reason: 'unsubscribed', campaignId: 'browser' });
    expect(errors).toEqual([]);
    await page.close();
  });
});
