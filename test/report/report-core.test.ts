import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUDIENCE } from '../../src/campaigns/chunk-codec.js';
import { NO_PRODUCT } from '../../src/prediction/predictor.js';
import { fallbackReasonLabel } from '../../src/report/copy-overview.js';
import {
  bucketSecondsFor,
  buildTimeline,
  type ChunkEvent,
  chunkOutcome,
  throughputOf,
} from '../../src/report/delivery-timeline.js';
import { coveringRanges, evenRanks, pickAcrossGroups } from '../../src/report/even-sample.js';
import { escapeHtml, jsonForScript } from '../../src/report/html-text.js';
import { PredictionTally } from '../../src/report/prediction-tally.js';
import type { CampaignReport } from '../../src/report/report-model.js';
import { renderReportHtml } from '../../src/report/report-page.js';
import { scatterIndices } from '../../src/report/segment-scatter.js';

describe('even samples', () => {
  it('picks at most `limit` distinct ranks in order, all of them when the population is small', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 3_000 }),
        (population, limit) => {
          const ranks = evenRanks(population, limit);
          expect(ranks.length).toBe(Math.min(population, limit));
          for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThan(ranks[i - 1]);
          if (ranks.length) expect(ranks.at(-1)).toBeLessThan(population);
        },
      ),
    );
  });

  it('gives every group a member before any group a second', () => {
    const groups = [Array.from({ length: 100 }, (_, i) => `a${i}`), ['b0'], [], ['c0', 'c1', 'c2']];
    expect(pickAcrossGroups(groups, 3).sort()).toEqual(['a50', 'b0', 'c1'].sort());
    const picked = pickAcrossGroups(groups, 10);
    expect(picked.length).toBe(10);
    expect(new Set(picked).size).toBe(10);
    expect(picked.filter((x) => x.startsWith('c')).length).toBe(3);
  });

  it('covers sorted indices with ranges that never exceed the longest read', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 50_000 }), { maxLength: 300 }),
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        (raw, gap, maxLength) => {
          const sorted = [...raw].sort((a, b) => a - b);
          const ranges = coveringRanges(sorted, gap, maxLength);
          for (const index of sorted)
            expect(ranges.some((r) => r.start <= index && index < r.end)).toBe(true);
          for (let i = 0; i < ranges.length; i++) {
            expect(ranges[i].end - ranges[i].start).toBeLessThanOrEqual(Math.max(1, maxLength));
            if (i > 0) expect(ranges[i].start).toBeGreaterThanOrEqual(ranges[i - 1].end);
          }
        },
      ),
    );
  });

  it('samples only segmented customers for the scatter', () => {
    const assignments = Int16Array.from({ length: 10_000 }, (_, i) => (i % 3 === 0 ? -1 : i % 5));
    const { population, indices } = scatterIndices(assignments, 2_000);
    expect(population).toBe(assignments.filter((a) => a >= 0).length);
    expect(indices.length).toBe(2_000);
    for (const i of indices) expect(assignments[i]).toBeGreaterThanOrEqual(0);
    // Spread over the whole range, not the first 2,000 segmented.
    expect(indices.at(-1)).toBeGreaterThan(9_900);
  });
});

describe('delivery timeline', () => {
  const event = (finishedAt: number, sent: number, skipped = 0, failed = 0): ChunkEvent => ({
    startedAt: finishedAt - 50,
    finishedAt,
    sent,
    skipped,
    failed,
  });

  it('reads a chunk job’s counts by outcome', () => {
    expect(
      chunkOutcome({
        chunk: 3,
        sent: 40,
        'skipped:no-consent': 3,
        'skipped:already-sent': 2,
        'failed:550': 1,
        adRows: 40,
        bogus: 'x',
      }),
    ).toEqual({ sent: 40, skipped: 5, failed: 1 });
  });

  it('keeps every mail in some bucket, at most 60 buckets, with empty buckets for pauses', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 3 * 86_400_000 }),
            sent: fc.nat(500),
            skipped: fc.nat(50),
          }),
          {
            minLength: 1,
            maxLength: 200,
          },
        ),
        (raw) => {
          const events = raw.map((r) => event(1_700_000_000_000 + r.at, r.sent, r.skipped));
          const { bucketSeconds, buckets } = buildTimeline(events);
          expect(buckets.length).toBeLessThanOrEqual(60);
          expect(buckets.reduce((n, b) => n + b.sent, 0)).toBe(raw.reduce((n, r) => n + r.sent, 0));
          expect(buckets.reduce((n, b) => n + b.skipped, 0)).toBe(raw.reduce((n, r) => n + r.skipped, 0));
          for (let i = 1; i < buckets.length; i++)
            expect(buckets[i].at - buckets[i - 1].at).toBe(bucketSeconds * 1000);
        },
      ),
    );
    const paused = buildTimeline([event(60_000, 5), event(60_000 + 10 * 60_000, 7)]);
    expect(paused.bucketSeconds).toBe(15);
    const { buckets } = paused;
    expect(buckets.length).toBe(41);
    expect(buckets.slice(1, -1).every((b) => b.sent === 0)).toBe(true);
  });

  it('chooses sub-second buckets for a small campaign and minutes for a long one', () => {
    expect(bucketSecondsFor(500)).toBe(0.1);
    expect(bucketSecondsFor(50 * 60_000)).toBe(60);
    expect(bucketSecondsFor(30 * 86_400_000)).toBe(86_400);
  });

  it('measures throughput from the first chunk start to the last finish', () => {
    const t = throughputOf([event(10_000, 100, 10), event(12_000, 100)]);
    expect(t).toMatchObject({ seconds: 2.05, sentPerSecond: 97.56, handledPerSecond: 102.44 });
    expect(throughputOf([])).toBeUndefined();
  });
});

describe('prediction tally', () => {
  it('counts the audience per segment, the predicted products and one member per segment', () => {
    const k = 2;
    // Customers 100..105: outside, profiled seg 0, profiled seg 1, generic, profiled seg 0, outside.
    const audience = Uint8Array.from([
      AUDIENCE.outside,
      AUDIENCE.profiled,
      AUDIENCE.profiled,
      AUDIENCE.generic,
      AUDIENCE.profiled,
      AUDIENCE.outside,
    ]);
    const products = Uint32Array.from([9, 9, 1, 2, 3, NO_PRODUCT, 7, 7, 1, 3, 9, 9]);
    const assignments = new Int16Array(106).fill(-1);
    assignments.set([0, 0, 1, 1, 0, 1], 100);
    const tally = new PredictionTally();
    tally.add(
      { batch: { start: 100, length: 6, k, products, expectedNextOrderAt: new Float64Array(6) }, audience },
      assignments,
    );
    expect(tally.audience).toBe(4);
    expect(tally.generic).toBe(1);
    expect([...tally.perSegment]).toEqual([
      [0, 2],
      [1, 1],
      ['generic', 1],
    ]);
    expect(tally.representatives.get(0)).toEqual({
      index: 101,
      audience: AUDIENCE.profiled,
      productRow: [1, 2],
    });
    expect(tally.topProducts(2)).toEqual([
      { product: 1, customers: 2 },
      { product: 3, customers: 2 },
    ]);
  });
});

describe('fallback reasons', () => {
  it('labels fallbacks the way the copywriter counts them', () => {
    expect(fallbackReasonLabel('guardrail price: "£5" is not a price of the products')).toBe(
      'guardrail: price',
    );
    expect(fallbackReasonLabel('guardrail limit: subject too long; retry: format: no body')).toBe(
      'guardrail: limit',
    );
    expect(fallbackReasonLabel('model error: out of memory')).toBe('model error');
    expect(fallbackReasonLabel('template')).toBe('template');
    expect(fallbackReasonLabel(undefined)).toBe('unknown');
  });
});

describe('report HTML', () => {
  it('escapes text and embeds JSON that no string can break out of', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, text) => {
        const payload = { value, text: `${text}</script><!--<script>\u2028\u2029` };
        const json = jsonForScript(payload);
        expect(json).not.toContain('<');
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(payload)));
      }),
    );
  });

  it('renders hostile text as text, three scripts allowed by hash, a table for every chart', () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';
    const { html, contentSecurityPolicy } = renderReportHtml(reportFixture(evil));
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1])).toEqual([' type="application/json" id="report-data"', '', '']);
    for (const [, , source] of scripts.slice(1))
      expect(contentSecurityPolicy).toContain(
        `'sha256-${createHash('sha256').update(source).digest('base64')}'`,
      );
    // Outside the scripts the hostile text only ever appears escaped.
    const markup = html.replace(/<script[\s\S]*?<\/script>/g, '');
    expect(markup).not.toContain('<img src=x');
    expect(markup).not.toContain('<script>alert');
    expect(markup).toContain(escapeHtml(evil));
    const data = JSON.parse(scripts[0][2]) as { charts: Record<string, unknown> };
    for (const id of Object.keys(data.charts)) {
      expect(markup).toContain(`data-chart="${id}"`);
      expect(markup).toMatch(new RegExp(`id="figure-${id}"[\\s\\S]*?<table>`));
    }
    expect(Object.keys(data.charts).sort()).toEqual(
      [
        'copy-fallbacks',
        'copy-source',
        'model-scores',
        'segment-scatter',
        'segment-sizes',
        'top-products',
      ].sort(),
    );
    expect(markup).toContain('data-delivery="not-sent"');
    expect(markup).toContain('tailor campaign send demo-r1');
  });
});

function reportFixture(evil: string): CampaignReport {
  return {
    version: 1,
    generatedAt: '2024-01-02T03:04:05.000Z',
    run: {
      runId: 'demo-r1',
      campaignId: 'demo',
      name: `Sale ${evil}`,
      state: 'reviewed',
      dryRun: true,
      dataset: 'shop',
      snapshotVersion: 'v1',
      createdAt: '2024-01-02T03:00:00.000Z',
      finishedAt: '2024-01-02T03:01:00.000Z',
      channels: ['email', 'ads'],
      personalisation: 'segment',
      audience: 'at least 1 order',
      brand: `Brand ${evil}`,
      template: 'default',
      currency: 'GBP',
      productsPerCustomer: 3,
    },
    totals: { customers: 10, audience: 8, sent: 0, skipped: 0, failed: 0, pending: 8, adRows: 0 },
    segments: {
      ready: true,
      method: 'rfm-quantile',
      k: 2,
      rows: [
        {
          key: 0,
          name: `Champions ${evil}`,
          description: evil,
          size: 5,
          audience: 5,
          recencyDays: 3,
          orders: 4,
          spend: 100,
        },
        {
          key: 1,
          name: 'Lost',
          description: 'Long gone',
          size: 3,
          audience: 2,
          recencyDays: 300,
          orders: 1,
          spend: 9,
        },
        { key: 'generic', name: 'Everyone', description: 'All', size: 1, audience: 1 },
      ],
      unsegmented: 2,
      scatter: {
        population: 8,
        points: [
          [3, 4, 100, 0],
          [300, 1, 9, 1],
        ],
      },
    },
    predictions: {
      ready: true,
      method: 'top-frequency',
      version: 'baseline',
      audience: 8,
      generic: 1,
      topProducts: [{ productId: evil, title: `Teapot ${evil}`, customers: 4 }],
      scores: {
        k: 10,
        users: 6,
        evaluatedAt: '2024-01-02T03:04:05.000Z',
        source: 'measured',
        methods: [
          { method: 'popularity', recall: 0.1, ndcg: 0.1, hr: 0.2, used: false },
          { method: 'top-frequency', recall: 0.2, ndcg: 0.25, hr: 0.4, used: true },
        ],
      },
      sample: [
        {
          customerId: evil,
          segment: 'Lost',
          orders: 1,
          recencyDays: 300,
          spend: 9,
          history: [{ at: '2023-01-01', products: [`Mug ${evil}`], more: 0 }],
          predicted: [`Teapot ${evil}`],
        },
      ],
      sampleNote: '1 customer',
    },
    copy: {
      ready: true,
      copywriter: 'template',
      pieces: 4,
      model: 1,
      fallback: 3,
      generateCalls: 1,
      fallbackReasons: { [`guardrail: ${evil}`]: 1, template: 2 },
      reasonsCounted: 4,
      perSegment: [
        {
          segment: `Champions ${evil}`,
          audience: 5,
          example: false,
          variants: [
            { channel: 'email', title: `Subject ${evil}`, text: `Preheader ${evil}`, source: 'model' },
            { channel: 'ads', title: `Ad ${evil}`, text: `Buy ${evil}`, source: 'fallback', reason: evil },
          ],
        },
      ],
    },
    delivery: {
      status: 'not-sent',
      note: 'This dry run waits for review.',
      sent: 0,
      skipped: {},
      failed: {},
      pending: 8,
      adRows: 0,
      timeline: { available: false, bucketSeconds: 60, buckets: [], chunks: 0, failedChunks: 0 },
    },
    lookup: {
      email: true,
      previewPath: '/api/campaigns/demo-r1/preview?customer={customer}',
      customers: [{ customerId: evil, segment: 'Lost', subject: `Subject ${evil}`, html: `<p>${evil}</p>` }],
    },
  };
}
