import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openLinkSigner } from '../../src/audience/link-secret.js';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { type ImportOptions, importDataset } from '../../src/data/import-dataset.js';
import type { SnapshotReader } from '../../src/data/snapshot.js';
import { openSnapshot } from '../../src/data/snapshot-catalog.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import { audienceRoutePlugins } from '../../src/server/audience-routes.js';
import type { ServerCredentials } from '../../src/server/auth.js';
import { reportRoutes } from '../../src/server/report-routes.js';
import { createTailorServer, type RoutePlugin } from '../../src/server/tailor-server.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** The four-customer example shop shipped in examples/data. */
export const EXAMPLE_SHOP: Omit<ImportOptions, 'name' | 'root'> = {
  orders: 'examples/data/orders.csv',
  customers: 'examples/data/customers.csv',
  products: 'examples/data/products.csv',
};

export const SAMPLE_SHOP: Omit<ImportOptions, 'name' | 'root'> = {
  orders: 'data/sample/online_retail_sample.csv.gz',
  customers: 'data/sample/customers.csv',
};

export interface Harness {
  redis: TestRedis;
  root: string;
  queues: TailorQueues;
  store: CampaignStore;
  app: FastifyInstance;
  baseUrl: string;
  openSnapshot: (dataset: string) => Promise<SnapshotReader>;
  stop(): Promise<void>;
}

/**
 * A real Tailor server on a free loopback port, over a private redis-server, with one dataset
 * imported by the real importer into a temporary Tailor home.
 */
export async function startHarness(options: {
  credentials?: ServerCredentials;
  dataset?: { name: string; input: Omit<ImportOptions, 'name' | 'root'> };
  protectedRoutes?: RoutePlugin[];
}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'tailor-server-'));
  const dataset = options.dataset ?? { name: 'shop', input: EXAMPLE_SHOP };
  await importDataset({ name: dataset.name, root, ...dataset.input });
  const redis = await startTestRedis();
  const queues = new TailorQueues(redis.client);
  const store = new CampaignStore(redis.client);
  const readers = new Map<string, Promise<SnapshotReader>>();
  const open = (name: string) => {
    let reader = readers.get(name);
    if (!reader) {
      reader = openSnapshot(root, name);
      readers.set(name, reader);
      reader.catch(() => readers.delete(name));
    }
    return reader;
  };
  // The workers a test starts on `root` sign with the same generated secret.
  const signer = await openLinkSigner({ home: root, redis: redis.client });
  const audience = audienceRoutePlugins({ redis: redis.client, store, signer, openSnapshot: open });
  const app = await createTailorServer(
    { redis: redis.client, queues, store, openSnapshot: open, signer },
    {
      credentials: options.credentials,
      publicRoutes: audience.publicRoutes,
      protectedRoutes: [
        ...audience.protectedRoutes,
        reportRoutes({ redis: redis.client, store, queues, openSnapshot: open, home: root, signer }),
        ...(options.protectedRoutes ?? []),
      ],
    },
  );
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    redis,
    root,
    queues,
    store,
    app,
    baseUrl,
    openSnapshot: open,
    async stop() {
      await app.close();
      await queues.close();
      for (const reader of readers.values()) await (await reader.catch(() => undefined))?.close();
      await redis.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A valid campaign on the example shop. */
export function exampleSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Spring teapots',
    dataset: 'shop',
    channels: ['email'],
    template: 'default',
    sender: {
      name: 'Example Shop',
      email: 'hello@shop.example.com',
      postalAddress: '1 Example Street, London',
    },
    brand: { name: 'Example Shop' },
    currency: 'GBP',
    ...overrides,
  };
}
