import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enqueueCampaign, sendReviewedRun, waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import { summarizeRun } from '../../src/campaigns/run-summary.js';
import { registerCampaignCommands } from '../../src/cli/campaign-command.js';
import { registerReportCommand } from '../../src/cli/report-command.js';
import { importDataset } from '../../src/data/import-dataset.js';
import { QUEUE_NAMES } from '../../src/queues/queue-names.js';
import { collectCampaignReport } from '../../src/report/collect-report.js';
import { writeCampaignReport } from '../../src/report/report-file.js';
import { SAMPLE_LIMIT, SCATTER_LIMIT } from '../../src/report/report-model.js';
import { renderReportHtml } from '../../src/report/report-page.js';
import { DOCUMENTED_ROUTES } from '../../src/server/openapi.js';
import { routesOf } from '../../src/server/tailor-server.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startWorkers, type WorkerPool } from '../../src/workers/worker-pool.js';
import { basicAuth, type Harness, SAMPLE_SHOP, startHarness } from '../server/harness.js';
import { demoSpec } from '../support/pipeline.js';
import {
  ARTIFACTS,
  CHART_IDS,
  drawnCharts,
  launchChromium,
  lazyReportDeps,
  normalise,
  sentHtml,
  watchErrors,
} from './support.js';

/**
 * The campaign report in real headless Chromium: the file of a finished demo campaign opens
 * offline with every chart drawn and a customer's email exactly as sent; the same page is
 * served behind auth with a live lookup; a dry run's report shows everything but delivery.
 */

const USER = 'manager';
const PASSWORD = 'a long manager password';

let h: Harness;
let context: StageContext;
let pool: WorkerPool;
let browser: Browser;
let runId: string;
let dryRunId: string;
const deps = lazyReportDeps(() => h);
const outboxDir = () => join(h.root, 'outbox');

beforeAll(async () => {
  process.env.TAILOR_COPY_MODE = 'template';
  process.env.TAILOR_CHUNK_SIZE = '40'; // several send chunks, so the timeline has points
  mkdirSync(ARTIFACTS, { recursive: true });
  h = await startHarness({
    credentials: { basic: { user: USER, password: PASSWORD } },
    dataset: { name: 'sample', input: SAMPLE_SHOP },
  });
  context = createStageContext({
    redis: h.redis.client,
    queues: h.queues,
    home: h.root,
    delivery: { transport: 'outbox', outboxDir: outboxDir() },
  });
  pool = startWorkers(context, { queues: [...QUEUE_NAMES] });
  browser = await launchChromium();
  const enqueue = (spec: ReturnType<typeof demoSpec>, dryRun: boolean) =>
    enqueueCampaign({ store: h.store, queues: h.queues, openSnapshot: h.openSnapshot }, spec, { dryRun });
  runId = (await enqueue(demoSpec({ id: 'report-demo' }), false)).runId;
  dryRunId = (await enqueue(demoSpec({ id: 'report-review', name: 'Winter favourites (review)' }), true))
    .runId;
  expect((await waitForRun(h.store, runId, undefined, 100)).state).toBe('completed');
  expect((await waitForRun(h.store, dryRunId, undefined, 100)).state).toBe('reviewed');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pool?.close();
  if (context) await closeStageContext(context);
  await h?.stop();
});

/** A browser context that can reach nothing but file: URLs; every other request is recorded. */
async function offlineContext(): Promise<{ session: BrowserContext; requests: string[] }> {
  const session = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const requests: string[] = [];
  await session.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('about:') || url.startsWith('data:'))
      return route.continue();
    requests.push(url);
    return route.abort();
  });
  return { session, requests };
}

describe('campaign report', () => {
  it('the report file of a finished campaign opens offline with all four sections and every chart drawn', async () => {
    const file = join(h.root, 'reports', 'report-demo.html');
    const written = await writeCampaignReport(deps, runId, file);
    expect(written.bytes).toBeGreaterThan(100_000); // the chart library is inside
    const { session, requests } = await offlineContext();
    const page = await session.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(written.path).href);
    const inked = await drawnCharts(page);
    expect(Object.keys(inked).sort()).toEqual(Object.values(CHART_IDS).flat().sort());
    for (const [id, pixels] of Object.entries(inked))
      expect(pixels, `chart ${id} drew nothing`).toBeGreaterThan(800);
    for (const id of ['segments', 'predictions', 'copy', 'delivery', 'lookup'])
      await expect(page.locator(`section#${id} h2`).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/report-overview.png` });
    await page.screenshot({ path: `${ARTIFACTS}/report-completed.png`, fullPage: true });
    await page.addStyleTag({ content: '.toc { position: static }' }); // no sticky bar over section shots
    for (const id of ['segments', 'predictions', 'copy', 'delivery'])
      await page.locator(`section#${id}`).screenshot({ path: `${ARTIFACTS}/report-${id}.png` });
    copyFileSync(written.path, `${ARTIFACTS}/report-completed.html`);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await session.close();
  });

  it('shows the run’s own numbers, bounded samples and a table for every chart', async () => {
    const report = await collectCampaignReport(deps, runId);
    const summary = await summarizeRun(h.store, runId);
    expect(report.totals).toMatchObject({ audience: summary.recipients, sent: summary.sent, pending: 0 });
    expect(report.delivery.status).toBe('done');
    const timelineSent = report.delivery.timeline.buckets.reduce((n, b) => n + b.sent, 0);
    expect(timelineSent).toBe(summary.sent);
    expect(report.delivery.timeline.chunks).toBe((await h.store.requireRun(runId)).chunks);
    expect(report.segments.scatter.points.length).toBeLessThanOrEqual(SCATTER_LIMIT);
    expect(report.segments.scatter.points.length).toBe(report.segments.scatter.population); // 402 customers: all shown
    expect(report.segments.rows.reduce((n, r) => n + r.audience, 0)).toBe(summary.recipients);
    expect(report.predictions.sample.length).toBeGreaterThan(0);
    expect(report.predictions.sample.length).toBeLessThanOrEqual(SAMPLE_LIMIT);
    // Every named segment with members in the audience has an example customer.
    const sampled = new Set(report.predictions.sample.map((c) => c.segment));
    for (const row of report.segments.rows) if (row.audience > 0) expect(sampled.has(row.name)).toBe(true);
    expect(report.predictions.scores?.methods.map((m) => m.method)).toContain('top-frequency');
    expect(report.predictions.scores?.methods.find((m) => m.used)?.method).toBe(summary.methods.predictor);
    expect(report.copy.fallbackReasons).toEqual({ template: summary.copy.fallback });
    expect(report.copy.perSegment.length).toBe(report.segments.rows.filter((r) => r.audience > 0).length);
    for (const segment of report.copy.perSegment)
      expect(segment.variants.map((v) => v.channel)).toEqual(['email', 'ads']);
    expect(report.lookup.customers.length).toBe(report.predictions.sample.length);

    const page = await browser.newPage();
    await page.goto(pathToFileURL(join(h.root, 'reports', 'report-demo.html')).href);
    const tables = await page.locator('main figure').evaluateAll((figures) =>
      figures.map((f) => ({
        chart: f.querySelector('[data-chart]') !== null,
        table: f.querySelector('details table') !== null,
      })),
    );
    expect(tables.length).toBe(8);
    for (const t of tables) expect(t).toEqual({ chart: true, table: true });
    // The outcome table's sent row says what the run sent.
    const sentRow = page.locator('#figure-delivery-outcomes details table tbody tr', { hasText: 'Sent' });
    await expect(sentRow.locator('td').first().textContent()).resolves.toBe(
      summary.sent.toLocaleString('en-GB'),
    );
    await page.close();
  });

  it('looks a customer up and shows the email exactly as it was sent', async () => {
    const report = await collectCampaignReport(deps, runId);
    const customer = report.predictions.sample.find((c) => c.outcome === 'sent');
    expect(customer, 'a sampled customer who was sent the mail').toBeDefined();
    const id = customer?.customerId as string;
    const { session } = await offlineContext();
    const page = await session.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(join(h.root, 'reports', 'report-demo.html')).href);
    await page.getByLabel('Customer id').fill(id);
    await page.getByRole('button', { name: 'Show the email', exact: true }).click();
    await expect(page.locator('#mail-customer').textContent()).resolves.toBe(id);
    const frame = page.frameLocator('#mail-frame');
    await frame.getByRole('link', { name: 'Unsubscribe' }).waitFor();
    await page.addStyleTag({ content: '.toc { position: static }' });
    await page.locator('#lookup').screenshot({ path: `${ARTIFACTS}/report-lookup.png` });
    const shown = await page.locator('#mail-frame').evaluate((frame: HTMLIFrameElement) => frame.srcdoc);
    expect(normalise(shown)).toBe(await sentHtml(outboxDir(), 'report-demo', id));

    await page.getByLabel('Customer id').fill('no-such-customer');
    await page.getByRole('button', { name: 'Show the email', exact: true }).click();
    await expect(page.locator('#lookup-status').textContent()).resolves.toMatch(
      /not among the \d+ customers embedded/,
    );
    expect(errors).toEqual([]);
    await session.close();
  });

  it('is served at /campaigns/:id behind the API credentials, and looks up any customer live', async () => {
    expect((await fetch(`${h.baseUrl}/campaigns/report-demo`)).status).toBe(401);
    expect(routesOf(h.app)).toContainEqual({ method: 'GET', url: '/campaigns/:id' });
    expect(DOCUMENTED_ROUTES.map((r) => `${r.method} ${r.url}`)).toContain('GET /campaigns/:id');
    const session = await browser.newContext({
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1360, height: 900 },
    });
    const page = await session.newPage();
    const errors = watchErrors(page);
    const response = await page.goto(`${h.baseUrl}/campaigns/report-demo`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'sha256-/);
    const inked = await drawnCharts(page);
    expect(Object.keys(inked).length).toBe(8);

    // A customer in the audience who is not embedded: the page asks the preview API.
    const report = await collectCampaignReport(deps, runId);
    const embedded = new Set(report.lookup.customers.map((c) => c.customerId));
    const snapshot = await h.openSnapshot('sample');
    const customers = await snapshot.customers(0, snapshot.manifest.customers);
    const aggregates = await snapshot.aggregates(0, snapshot.manifest.customers);
    const other = customers.find((c, i) => c.consent && aggregates.orders[i] >= 1 && !embedded.has(c.id));
    expect(other).toBeDefined();
    const id = other?.id as string;
    await page.getByLabel('Customer id').fill(id);
    await page.getByRole('button', { name: 'Show the email', exact: true }).click();
    await page.waitForFunction(() =>
      /rendered by the server/.test(document.getElementById('lookup-status')?.textContent ?? ''),
    );
    const shown = await page.locator('#mail-frame').evaluate((frame: HTMLIFrameElement) => frame.srcdoc);
    expect(normalise(shown)).toBe(await sentHtml(outboxDir(), 'report-demo', id));
    expect(errors).toEqual([]);

    const missing = await fetch(`${h.baseUrl}/campaigns/no-such-campaign`, {
      headers: { authorization: basicAuth(USER, PASSWORD) },
    });
    expect(missing.status).toBe(404);
    await session.close();
  });

  it('a dry run’s report shows segments, predictions and copy, and says nothing was sent; sending it sends what it showed', async () => {
    const file = join(h.root, 'reports', 'report-review.html');
    await writeCampaignReport(deps, dryRunId, file);
    const { session } = await offlineContext();
    const page = await session.newPage();
    const errors = watchErrors(page);
    await page.goto(pathToFileURL(file).href);
    const inked = await drawnCharts(page);
    expect(Object.keys(inked).sort()).toEqual(
      [...CHART_IDS.segments, ...CHART_IDS.predictions, ...CHART_IDS.copy].sort(),
    );
    for (const pixels of Object.values(inked)) expect(pixels).toBeGreaterThan(800);
    const delivery = page.locator('#delivery [data-delivery="not-sent"]');
    await expect(delivery.textContent()).resolves.toContain('Nothing was sent yet');
    await expect(delivery.textContent()).resolves.toContain(`tailor campaign send ${dryRunId}`);
    await expect(page.locator('.badge.reviewed').textContent()).resolves.toMatch(/Dry run/);
    await page.screenshot({ path: `${ARTIFACTS}/report-dry-run.png`, fullPage: true });
    await page.addStyleTag({ content: '.toc { position: static }' });
    await page.locator('section#delivery').screenshot({ path: `${ARTIFACTS}/report-dry-run-delivery.png` });
    expect(errors).toEqual([]);

    // What the review showed each embedded customer is what they are then sent.
    const reviewed = await collectCampaignReport(deps, dryRunId);
    expect(reviewed.delivery.status).toBe('not-sent');
    expect(reviewed.predictions.sample.every((c) => c.outcome === undefined)).toBe(true);
    await sendReviewedRun(h, dryRunId);
    expect((await waitForRun(h.store, dryRunId, undefined, 100)).state).toBe('completed');
    const after = await collectCampaignReport(deps, dryRunId);
    let compared = 0;
    for (const shown of reviewed.lookup.customers) {
      const outcome = after.predictions.sample.find((c) => c.customerId === shown.customerId)?.outcome;
      if (outcome !== 'sent') continue;
      expect(normalise(shown.html)).toBe(await sentHtml(outboxDir(), 'report-review', shown.customerId));
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
    expect(after.delivery.status).toBe('done');
    await session.close();
  });

  it('shows hostile customer, product and campaign text as text: no markup from the data runs', async () => {
    const dir = join(h.root, 'hostile-input');
    mkdirSync(dir, { recursive: true });
    const csv = (rows: string[][]) =>
      `${rows.map((r) => r.map((v) => `"${v.replace(/"/g, '""')}"`).join(',')).join('\n')}\n`;
    writeFileSync(
      join(dir, 'products.csv'),
      csv([
        ['id', 'title', 'description', 'category', 'price', 'url'],
        [
          'p1',
          "<script>window.__xss='title'</script>Teapot",
          '<img src=x onerror="window.__xss=\'desc\'">',
          'kitchen',
          '24.00',
          'https://shop.example.com/p/1',
        ],
        [
          'p2',
          'Mug</script><script>window.__xss="mug"</script>',
          'Stoneware',
          'kitchen',
          '8.50',
          'https://shop.example.com/p/2',
        ],
        ['p3', 'Towel <img src=x onerror="window.__xss=3">', 'Linen', 'textiles', '6.00', ''],
      ]),
    );
    const hostileIds = [
      'c1<script>window.__xss=4</script>',
      'c2"><img src=x onerror="window.__xss=5">',
      "c3' onmouseover='window.__xss=6",
    ];
    writeFileSync(
      join(dir, 'customers.csv'),
      csv([
        ['id', 'email', 'first_name', 'country', 'timezone', 'consent'],
        [hostileIds[0], 'ann@example.com', '<b>Ann</b>', 'United Kingdom', 'Europe/London', 'true'],
        [hostileIds[1], 'bob@example.com', 'Bob', 'United Kingdom', 'Europe/London', 'true'],
        [hostileIds[2], 'cy@example.com', 'Cy', 'France', 'Europe/Paris', 'true'],
      ]),
    );
    const orders = [['order_id', 'customer_id', 'product_id', 'quantity', 'unit_price', 'ordered_at']];
    hostileIds.forEach((id, c) => {
      for (let o = 0; o < 3; o++)
        for (const product of ['p1', 'p2', 'p3'].slice(0, 1 + ((o + c) % 3)))
          orders.push([`o${c}-${o}`, id, product, '1', '5.00', `2024-0${o + 1}-1${c} 10:00:00`]);
    });
    writeFileSync(join(dir, 'orders.csv'), csv(orders));
    await importDataset({
      name: 'hostile',
      root: h.root,
      orders: join(dir, 'orders.csv'),
      customers: join(dir, 'customers.csv'),
      products: join(dir, 'products.csv'),
    });
    const spec = demoSpec({
      id: 'hostile-report',
      dataset: 'hostile',
      name: "Spring <script>window.__xss='name'</script> sale",
      brand: { name: 'Shop <img src=x onerror="window.__xss=7">', voice: 'Plain.' },
    });
    const run = await enqueueCampaign(
      { store: h.store, queues: h.queues, openSnapshot: h.openSnapshot },
      spec,
    );
    expect((await waitForRun(h.store, run.runId, undefined, 100)).state).toBe('completed');
    const file = join(h.root, 'reports', 'hostile.html');
    await writeCampaignReport(deps, run.runId, file);

    const { session } = await offlineContext();
    const page = await session.newPage();
    const errors = watchErrors(page);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(file).href);
    await drawnCharts(page);
    await expect(page.locator('h1').textContent()).resolves.toContain(
      "Spring <script>window.__xss='name'</script> sale",
    );
    await expect(page.locator('#figure-top-products table').textContent()).resolves.toContain(
      "<script>window.__xss='title'</script>Teapot",
    );
    for (const id of hostileIds) {
      await page.getByLabel('Customer id').fill(id);
      await page.getByRole('button', { name: 'Show the email', exact: true }).click();
      await expect(page.locator('#mail-customer').textContent()).resolves.toBe(id);
    }
    await page.locator('.picks button').first().hover();
    await page.screenshot({ path: `${ARTIFACTS}/report-hostile.png`, fullPage: true });
    await expect(
      page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss),
    ).resolves.toBeUndefined();
    const frameXss = await page
      .frameLocator('#mail-frame')
      .locator('body')
      .evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
    expect(frameXss).toBeUndefined();
    expect(dialogs).toEqual([]);
    // Broken images from the data would show here as failed loads; none may be requested at all.
    expect(errors.filter((error) => !/ERR_FAILED|net::/.test(error))).toEqual([]);
    await session.close();
  });

  it('`tailor campaign report ID --out FILE` writes the report and prints a one-line JSON summary', async () => {
    const program = new Command('tailor').exitOverride();
    registerCampaignCommands(program);
    registerReportCommand(program);
    const out = join(h.root, 'cli', 'report.html');
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    const env = { TAILOR_HOME: process.env.TAILOR_HOME, REDIS_URL: process.env.REDIS_URL };
    process.env.TAILOR_HOME = h.root;
    process.env.REDIS_URL = h.redis.server.url;
    try {
      await program.parseAsync(['campaign', 'report', 'report-demo', '--out', out], { from: 'user' });
    } finally {
      write.mockRestore();
      for (const [name, value] of Object.entries(env)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(printed).toHaveLength(1);
    expect(JSON.parse(printed[0])).toMatchObject({ runId, report: out });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h1>Winter favourites');
    expect(html).toContain('data-chart="delivery-timeline"');
  });

  it('a run whose stages have not run yet still gets a report saying what it waits for', async () => {
    const snapshot = await h.openSnapshot('sample');
    const waiting = await h.store.createRun(demoSpec({ id: 'not-started' }), 'not-started', {
      dataset: 'sample',
      snapshotVersion: snapshot.manifest.version,
      customers: snapshot.manifest.customers,
      chunkSize: 500,
      dryRun: false,
    });
    const report = await collectCampaignReport(deps, waiting.runId);
    expect([report.segments.ready, report.predictions.ready, report.copy.ready]).toEqual([
      false,
      false,
      false,
    ]);
    expect(report.delivery.status).toBe('not-sent');
    expect(report.lookup.customers).toEqual([]);
    const { html } = renderReportHtml(report);
    expect(html).toContain('The segment stage has not stored its result yet.');
    expect(html).toContain('The run has not reached dispatch yet.');
    expect(html).not.toContain('data-chart=');
  });

  it('the file is one page: no external script, stylesheet or font', () => {
    const html = readFileSync(join(h.root, 'reports', 'report-demo.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+rel=["']?stylesheet/i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
  });
});
