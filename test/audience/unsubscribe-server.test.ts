import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CampaignLinks,
  campaignLinks,
  MARKETING_LIST,
  unsubscribeToken,
} from '../../src/audience/campaign-links.js';
import { openLinkSigner } from '../../src/audience/link-secret.js';
import type { LinkSigner } from '../../src/audience/signed-token.js';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { importDataset } from '../../src/data/import-dataset.js';
import type { SnapshotReader } from '../../src/data/snapshot.js';
import { openSnapshot } from '../../src/data/snapshot-catalog.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { parseCampaignSpec } from '../../src/queues/campaign-spec.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import {
  AUDIENCE_DOCUMENTED_ROUTES,
  audienceRoutePlugins,
  EarnedSchema,
  SuppressionListSchema,
} from '../../src/server/audience-routes.js';
import { DOCUMENTED_ROUTES } from '../../src/server/openapi.js';
import { createTailorServer, routesOf } from '../../src/server/tailor-server.js';
import { basicAuth, EXAMPLE_SHOP, exampleSpec } from '../server/harness.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * The public unsubscribe, click and open routes and the suppression API, on a real server over
 * a real Redis, with the example shop imported by the real importer.
 */

const AUTH = basicAuth('manager', 'a long password');
let redis: TestRedis;
let root: string;
let app: FastifyInstance;
let base: string;
let signer: LinkSigner;
let links: CampaignLinks;
let snapshot: SnapshotReader;
let queues: TailorQueues;
const suppression = () => new SuppressionList(redis.client);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tailor-unsub-'));
  await importDataset({ name: 'shop', root, ...EXAMPLE_SHOP });
  redis = await startTestRedis();
  snapshot = await openSnapshot(root, 'shop');
  queues = new TailorQueues(redis.client);
  const store = new CampaignStore(redis.client);
  const spec = parseCampaignSpec(exampleSpec({ id: 'spring', tracking: { clicks: true, opens: true } }));
  await store.createRun(spec, 'spring', {
    dataset: 'shop',
    snapshotVersion: snapshot.manifest.version,
    customers: snapshot.manifest.customers,
    chunkSize: 500,
    dryRun: false,
  });
  signer = await openLinkSigner({ env: {}, home: root, redis: redis.client });
  app = await createTailorServer(
    { redis: redis.client, queues, store, openSnapshot: async () => snapshot },
    {
      credentials: { basic: { user: 'manager', password: 'a long password' } },
      ...audienceRoutePlugins({ redis: redis.client, store, signer, openSnapshot: async () => snapshot }),
    },
  );
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  links = campaignLinks(signer, {
    campaignId: 'spring',
    base: new URL(base),
    tracking: { clicks: true, opens: true },
  });
});

afterAll(async () => {
  await app?.close();
  await queues?.close();
  await snapshot?.close();
  await redis?.stop();
  rmSync(root, { recursive: true, force: true });
});

const oneClick = (
  url: string,
  body = 'List-Unsubscribe=One-Click',
  type = 'application/x-www-form-urlencoded',
) => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

describe('one-click unsubscribe (RFC 8058)', () => {
  it('a GET shows a confirmation page and changes nothing', async () => {
    const url = links.unsubscribeUrlFor(base, 'spring', 'c1', 0);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('Unsubscribe from Example Shop emails?');
    expect(html).toContain('<form method="post">');
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(await suppression().size()).toBe(0);
  });

  it('a tampered token, a wrong body or an unknown campaign, list or customer get a 4xx and change nothing', async () => {
    const url = links.unsubscribeUrlFor(base, 'spring', 'c1', 0);
    const token = url.split('/').at(-1) as string;
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    expect((await oneClick(`${base}/u/${flipped}`)).status).toBe(400);
    expect((await fetch(`${base}/u/${flipped}`)).status).toBe(400);
    expect((await oneClick(`${base}/u/not-a-token`)).status).toBe(400);
    expect((await oneClick(url, 'List-Unsubscribe=Yes')).status).toBe(400);
    expect((await oneClick(url, '')).status).toBe(400);
    const sign = (campaignId: string, customerId: string, list = MARKETING_LIST) =>
      `${base}/u/${unsubscribeToken(signer, { campaignId, customerId, list })}`;
    expect((await oneClick(sign('autumn', 'c1'))).status).toBe(404);
    expect((await oneClick(sign('spring', 'nobody'))).status).toBe(404);
    expect((await oneClick(sign('spring', 'c1', 'newsletter'))).status).toBe(404);
    expect(await suppression().size()).toBe(0);
  });

  it('a POST of List-Unsubscribe=One-Click suppresses at once, without login; again is harmless', async () => {
    const url = links.unsubscribeUrlFor(base, 'spring', 'c1', 0);
    const response = await oneClick(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    expect(await suppression().get('ada@example.com')).toMatchObject({
      email: 'ada@example.com',
      reason: 'unsubscribed',
      campaignId: 'spring',
    });
    expect((await oneClick(url)).status).toBe(200);
    // The RFC's multipart form, and a stale index hint (the customer is found by id).
    const multipart = links.unsubscribeUrlFor(base, 'spring', 'c2', 3);
    const body = [
      '-----FormBoundaryjWmhtjORrn',
      'Content-Disposition: form-data; name="List-Unsubscribe"',
      '',
      'One-Click',
      '-----FormBoundaryjWmhtjORrn--',
      '',
    ].join('\r\n');
    expect(
      (await oneClick(multipart, body, 'multipart/form-data; boundary=---FormBoundaryjWmhtjORrn')).status,
    ).toBe(200);
    expect((await suppression().get('grace@example.com'))?.reason).toBe('unsubscribed');
    expect(await suppression().size()).toBe(2);
  });
});

describe('click and open tracking', () => {
  it('redirects a signed click to its target and refuses any other target', async () => {
    const target = 'https://shop.example.com/p/p1';
    const url = new URL(links.clickUrlFor?.(target, 'c3') as string);
    const response = await fetch(url, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(target);
    const foreign = new URL(url);
    foreign.searchParams.set('to', 'https://evil.example.net/phish');
    const refused = await fetch(foreign, { redirect: 'manual' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    const bare = new URL(url);
    bare.search = '';
    expect((await fetch(bare, { redirect: 'manual' })).status).toBe(400);
    const pixel = await fetch(links.openPixelUrlFor?.('c3') as string);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(
      Buffer.from(await pixel.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe('GIF89a');
    expect((await fetch(`${base}/o/AAAAAAAAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(400);

    const earned = await fetch(`${base}/api/campaigns/spring/earned`, { headers: { authorization: AUTH } });
    const body = EarnedSchema.parse(await earned.json());
    expect(body.tracking).toBe(true);
    expect(body.earned).toMatchObject({ clicks: 1, clickers: 1, opens: 1, openers: 1, unsubscribes: 2 });
  });
});

describe('suppression API', () => {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: AUTH, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  it('needs credentials', async () => {
    expect((await fetch(`${base}/api/suppressions`)).status).toBe(401);
    expect((await fetch(`${base}/api/campaigns/spring/earned`)).status).toBe(401);
  });

  it('adds (refusing bad entries by field), lists, looks up and removes', async () => {
    const bad = await api('/api/suppressions', {
      method: 'POST',
      body: JSON.stringify({ entries: [{ email: 'ok@example.com' }, { email: 'not an address' }] }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).issues[0].field).toBe('entries.1.email');
    const reason = await api('/api/suppressions', {
      method: 'POST',
      body: JSON.stringify({ entries: [{ email: 'x@example.com', reason: 'bored' }] }),
    });
    expect(reason.status).toBe(400);
    expect(await suppression().get('ok@example.com')).toBeNull();

    const added = await api('/api/suppressions', {
      method: 'POST',
      body: JSON.stringify({
        entries: [
          { email: 'ok@example.com', reason: 'complained' },
          { email: 'ada@example.com', reason: 'manual' },
        ],
      }),
    });
    expect(await added.json()).toEqual({ added: 1, alreadySuppressed: 1 });
    expect((await suppression().get('ada@example.com'))?.reason).toBe('unsubscribed'); // kept

    const listed = SuppressionListSchema.parse(await (await api('/api/suppressions?count=2')).json());
    const all = [...listed.entries];
    let cursor = listed.cursor;
    while (cursor !== '0') {
      const page = SuppressionListSchema.parse(
        await (await api(`/api/suppressions?cursor=${cursor}`)).json(),
      );
      all.push(...page.entries);
      cursor = page.cursor;
    }
    expect(all.map((e) => e.email).sort()).toEqual([
      'ada@example.com',
      'grace@example.com',
      'ok@example.com',
    ]);
    const one = SuppressionListSchema.parse(
      await (await api('/api/suppressions?email=OK@example.com')).json(),
    );
    expect(one.entries).toMatchObject([{ email: 'ok@example.com', reason: 'complained' }]);

    const removed = await api('/api/suppressions/remove', {
      method: 'POST',
      body: JSON.stringify({ emails: ['ok@example.com', 'never@example.com'] }),
    });
    expect(await removed.json()).toEqual({ removed: 1, missing: ['never@example.com'] });
  });

  it('the OpenAPI document lists every route served, these included', async () => {
    const doc = (await (await api('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const served = routesOf(app)
      .filter((r) => !r.url.startsWith('/admin/queues'))
      .map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    // Other modules' route groups are documented too; this server has only the core and these.
    expect(documented).toEqual(expect.arrayContaining(served));
    const audience = AUDIENCE_DOCUMENTED_ROUTES.map(
      (r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`,
    );
    expect(served).toEqual(expect.arrayContaining(audience));
    expect(audience).toEqual(
      expect.arrayContaining(['GET /u/{token}', 'POST /u/{token}', 'GET /c/{token}', 'GET /o/{token}']),
    );
    expect(DOCUMENTED_ROUTES).toEqual(expect.arrayContaining(AUDIENCE_DOCUMENTED_ROUTES));
  });
});
