import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import { messageIdFor, outboxFileName } from '../../src/dispatch/message-id.js';
import { campaignOutboxDir } from '../../src/dispatch/outbox-transport.js';
import { QUEUE_NAMES } from '../../src/queues/queue-names.js';
import { CampaignCreatedSchema, CampaignStatusSchema } from '../../src/server/api-schemas.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startWorkers, type WorkerPool } from '../../src/workers/worker-pool.js';
import { basicAuth, type Harness, SAMPLE_SHOP, startHarness } from '../server/harness.js';
import { launchChromium } from '../support/browser.js';

/**
 * End to end in real headless Chromium: a campaign created through the API runs to completion
 * on in-process workers; an operator logs in to bull-board, sees every queue and the
 * campaign's jobs; a manager opens a customer's preview. Screenshots go to artifacts/.
 */

const USER = 'operator';
const PASSWORD = 'a long admin password';
const ARTIFACTS = 'artifacts';

let h: Harness;
let context: StageContext;
let pool: WorkerPool;
let browser: Browser;
let runId: string;

beforeAll(async () => {
  process.env.TAILOR_COPY_MODE = 'template'; // these tests are about serving and scheduling, not copy
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await startHarness({
    credentials: { basic: { user: USER, password: PASSWORD } },
    dataset: { name: 'sample', input: SAMPLE_SHOP },
  });
  context = createStageContext({
    redis: h.redis.client,
    queues: h.queues,
    home: h.root,
    delivery: { transport: 'outbox', outboxDir: join(h.root, 'outbox') },
  });
  pool = startWorkers(context, { queues: [...QUEUE_NAMES] });
  browser = await launchChromium();

  const spec = {
    ...JSON.parse(readFileSync('examples/demo-campaign.json', 'utf8')),
    id: 'browser-demo',
    dataset: 'sample',
  };
  const response = await fetch(`${h.baseUrl}/api/campaigns`, {
    method: 'POST',
    headers: {
      authorization: basicAuth(USER, PASSWORD),
      'content-type': 'application/json',
      'idempotency-key': 'browser-1',
    },
    body: JSON.stringify(spec),
  });
  expect(response.status).toBe(201);
  runId = CampaignCreatedSchema.parse(await response.json()).runId;
  const run = await waitForRun(h.store, runId, undefined, 100);
  expect(run.state).toBe('completed');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pool?.close();
  if (context) await closeStageContext(context);
  await h?.stop();
});

async function firstPreviewableCustomer(): Promise<string> {
  const snapshot = await h.openSnapshot('sample');
  for (const customer of await snapshot.customers(0, snapshot.manifest.customers)) {
    if (!customer.consent) continue;
    const response = await fetch(
      `${h.baseUrl}/api/campaigns/${runId}/preview?customer=${encodeURIComponent(customer.id)}`,
      {
        headers: { authorization: basicAuth(USER, PASSWORD) },
      },
    );
    if (response.status === 200) return customer.id;
  }
  throw new Error('no customer of the campaign could be previewed');
}

describe('tailor server in a real browser', () => {
  it('the finished campaign reports its sends through the API', async () => {
    const response = await fetch(`${h.baseUrl}/api/campaigns/browser-demo`, {
      headers: { authorization: basicAuth(USER, PASSWORD) },
    });
    const status = CampaignStatusSchema.parse(await response.json());
    expect(status.state).toBe('completed');
    expect(status.sent).toBeGreaterThan(0);
    expect(status.sent + Object.values(status.skipped).reduce((a, b) => a + b, 0)).toBe(status.recipients);
  });

  it('the preview is byte for byte the HTML part of the mail that was sent', async () => {
    const customerId = await firstPreviewableCustomer();
    const preview = await fetch(
      `${h.baseUrl}/api/campaigns/${runId}/preview?customer=${encodeURIComponent(customerId)}`,
      {
        headers: { authorization: basicAuth(USER, PASSWORD) },
      },
    );
    const messageId = messageIdFor(
      { campaignId: 'browser-demo', customerId, channel: 'email' },
      'shop.example.com',
    );
    const eml = readFileSync(
      join(campaignOutboxDir(join(h.root, 'outbox'), 'browser-demo'), outboxFileName(messageId)),
    );
    const sent = await simpleParser(eml);
    const normalise = (html: string) => html.replace(/\r\n/g, '\n');
    expect(normalise(await preview.text())).toBe(normalise(String(sent.html)));
  });

  it('/metrics counts the finished campaign: sends by outcome, copy by source, jobs completed', async () => {
    const text = await (
      await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: basicAuth(USER, PASSWORD) } })
    ).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    const status = CampaignStatusSchema.parse(
      await (
        await fetch(`${h.baseUrl}/api/campaigns/browser-demo`, {
          headers: { authorization: basicAuth(USER, PASSWORD) },
        })
      ).json(),
    );
    const labels = `campaign="browser-demo",run="${runId}"`;
    expect(value(new RegExp(`tailor_campaign_sends\\{${labels},outcome="sent",reason=""\\} (\\d+)`))).toBe(
      status.sent,
    );
    for (const [reason, n] of Object.entries(status.skipped)) {
      expect(
        value(new RegExp(`tailor_campaign_sends\\{${labels},outcome="skipped",reason="${reason}"\\} (\\d+)`)),
      ).toBe(n);
    }
    expect(value(new RegExp(`tailor_campaign_copy\\{${labels},source="fallback"\\} (\\d+)`))).toBe(
      status.copy.fallback,
    );
    expect(value(new RegExp(`tailor_campaign_tokens_generated\\{${labels}\\} (\\d+)`))).toBe(0); // template copy
    expect(value(/tailor_queue_jobs\{queue="dispatch",state="completed"\} (\d+)/)).toBeGreaterThan(0);
    // BullMQ's persistent counters: non-zero only when workers run with the `metrics` option.
    expect(
      value(/tailor_jobs_completed_total\{queue="dispatch"\} (\d+)/),
      'do workers run with the metrics option?',
    ).toBeGreaterThan(0);
  });

  it('bull-board refuses a browser without credentials', async () => {
    const page = await browser.newPage();
    const statuses: number[] = [];
    page.on('response', (response) => statuses.push(response.status()));
    // Headless Chromium cannot show the login prompt, so the navigation ends in an auth error.
    await expect(page.goto(`${h.baseUrl}/admin/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    expect(statuses).toEqual([401]);
    await page.close();
  });

  it('an operator logs in to bull-board, sees every queue and the campaign’s completed jobs', async () => {
    const session = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1280, height: 900 },
    });
    const page = await session.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const response = await page.goto(`${h.baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    for (const name of QUEUE_NAMES)
      await page.getByRole('link', { name, exact: true }).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${ARTIFACTS}/bull-board-overview.png`, fullPage: true });

    await page.goto(`${h.baseUrl}/admin/queues/queue/dispatch?status=completed`);
    await page.getByText(`${runId}-dispatch`, { exact: false }).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: `${ARTIFACTS}/bull-board-dispatch-completed.png`, fullPage: true });
    expect(errors).toEqual([]);
    await session.close();
  });

  it('a manager opens a customer’s preview of the campaign', async () => {
    const customerId = await firstPreviewableCustomer();
    const session = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 800, height: 1000 },
    });
    const page = await session.newPage();
    const response = await page.goto(
      `${h.baseUrl}/api/campaigns/${runId}/preview?customer=${encodeURIComponent(customerId)}`,
    );
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    await expect(page.title()).resolves.not.toBe('');
    await page.getByText('Tailor Gift Shop', { exact: true }).first().waitFor();
    await page.getByRole('link', { name: 'Unsubscribe' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/campaign-preview.png`, fullPage: true });
    await session.close();
  });
});
