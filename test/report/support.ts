import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { messageIdFor, outboxFileName } from '../../src/dispatch/message-id.js';
import { campaignOutboxDir } from '../../src/dispatch/outbox-transport.js';
import type { ReportDeps } from '../../src/report/collect-report.js';
import type { Harness } from '../server/harness.js';

export const ARTIFACTS = 'artifacts';
export const CHART_IDS = {
  segments: ['segment-sizes', 'segment-scatter'],
  predictions: ['top-products', 'model-scores'],
  copy: ['copy-source', 'copy-fallbacks'],
  delivery: ['delivery-outcomes', 'delivery-timeline'],
};

/** Report dependencies read from the harness when a request comes (the harness starts after its routes). */
export function lazyReportDeps(harness: () => Harness): ReportDeps {
  return {
    get redis() {
      return harness().redis.client;
    },
    get store() {
      return harness().store;
    },
    get queues() {
      return harness().queues;
    },
    get home() {
      return harness().root;
    },
    openSnapshot: (dataset: string) => harness().openSnapshot(dataset),
  };
}

export { launchChromium } from '../support/browser.js';

/** Console errors, page errors and CSP violations of a page, as text. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return errors;
}

/** Waits until every chart of the page is drawn; per chart id, its non-blank canvas pixels. */
export async function drawnCharts(page: Page): Promise<Record<string, number>> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll<HTMLElement>('[data-chart]')].every((el) => el.dataset.rendered === 'true'),
  );
  // ECharts draws on the next animation frame: let it finish.
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  );
  return page.evaluate(() => {
    const out: Record<string, number> = {};
    for (const el of document.querySelectorAll<HTMLElement>('[data-chart]')) {
      let inked = 0;
      for (const canvas of el.querySelectorAll('canvas')) {
        const context = canvas.getContext('2d');
        if (!context || canvas.width === 0 || canvas.height === 0) continue;
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < pixels.length; i += 4) {
          const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
          if (a > 0 && (r < 245 || g < 245 || b < 245)) inked++;
        }
      }
      out[el.dataset.chart as string] = inked;
    }
    return out;
  });
}

/** The HTML part of the mail the outbox holds for a customer of a campaign. */
export async function sentHtml(outboxDir: string, campaignId: string, customerId: string): Promise<string> {
  const messageId = messageIdFor({ campaignId, customerId, channel: 'email' }, 'shop.example.com');
  const eml = readFileSync(join(campaignOutboxDir(outboxDir, campaignId), outboxFileName(messageId)));
  return normalise(String((await simpleParser(eml)).html));
}

export const normalise = (html: string) => html.replace(/\r\n/g, '\n');
