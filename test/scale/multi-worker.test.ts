import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { enqueueCampaign, waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import { fetchedRoot } from '../../src/data/snapshot-publish.js';
import { campaignOutboxDir } from '../../src/dispatch/outbox-transport.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import { SnapshotCache } from '../../src/workers/snapshot-cache.js';
import { demoSpec, importSample } from '../support/pipeline.js';
import { startTestRedis } from '../support/redis.js';
import { startWorkerProcess } from './worker-processes.js';

/**
 * Three `tailor worker` processes, each with its own TAILOR_HOME (as on three machines: none sees
 * the importer's `.tailor/`), reach the snapshot through the shared store and send exactly what
 * one worker process sends for the same campaign: the same messages, each once.
 * Needs the compiled CLI (`npm run build`; `npm test` builds first).
 */
describe('three worker processes', () => {
  const CAMPAIGN = 'multi-worker';
  let scratch: string;
  let importer: string;
  let store: string;
  const chunkSize = process.env.TAILOR_CHUNK_SIZE;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'tailor-multi-'));
    importer = join(scratch, 'importer');
    store = join(scratch, 'store');
    await importSample(importer);
    // Small send chunks, so that every worker gets some of the ~380 mails.
    process.env.TAILOR_CHUNK_SIZE = '10';
  });

  afterAll(() => {
    if (chunkSize === undefined) delete process.env.TAILOR_CHUNK_SIZE;
    else process.env.TAILOR_CHUNK_SIZE = chunkSize;
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The campaign on a fresh Redis with `count` worker processes; the .eml files they wrote. */
  async function sendWith(count: number): Promise<{ byWorker: Map<string, string>[]; fetched: boolean[] }> {
    const redis = await startTestRedis();
    const homes = Array.from({ length: count }, (_, i) => join(scratch, `run-${count}`, `worker-${i}`));
    const env = {
      REDIS_URL: redis.server.url,
      TAILOR_SNAPSHOT_STORE: store,
      // One secret for every machine, as production sets it (links must verify anywhere).
      TAILOR_SECRET: 'a-test-secret-that-is-at-least-32-characters',
      TAILOR_COPY_MODE: 'template',
    };
    const workers = await Promise.all(
      homes.map((home) => startWorkerProcess(['--transport', 'outbox'], { ...env, TAILOR_HOME: home })),
    );
    const queues = new TailorQueues(redis.client);
    const snapshots = new SnapshotCache(importer, store);
    try {
      const campaignStore = new CampaignStore(redis.client);
      const run = await enqueueCampaign(
        { store: campaignStore, queues, openSnapshot: (dataset) => snapshots.get(dataset) },
        demoSpec({ id: CAMPAIGN, channels: ['email'] }),
      );
      const finished = await waitForRun(campaignStore, run.runId, undefined, 100);
      expect(finished.error).toBeUndefined();
      expect(finished.state).toBe('completed');
      const byWorker = homes.map((home) => {
        const dir = campaignOutboxDir(join(home, 'outbox'), CAMPAIGN);
        const mails = new Map<string, string>();
        if (!existsSync(dir)) return mails;
        for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml'))) {
          // The Date header is the send time; everything else must match byte for byte.
          mails.set(file, readFileSync(join(dir, file), 'latin1').replace(/^Date: .*\r\n/m, ''));
        }
        return mails;
      });
      const fetched = homes.map((home) => existsSync(join(fetchedRoot(home), 'sample', run.snapshotVersion)));
      return { byWorker, fetched };
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await queues.close();
      await snapshots.close();
      await redis.stop();
    }
  }

  it('sends the same mails, each once, as one worker process', async () => {
    const one = await sendWith(1);
    const three = await sendWith(3);
    const single = one.byWorker[0];
    expect(single.size).toBeGreaterThan(300);
    expect(one.fetched).toEqual([true]);

    // Several workers sent mail, and each that did fetched the snapshot into its own home (BullMQ
    // does not promise every process a job: one starved on a busy machine has nothing to fetch).
    const sizes = three.byWorker.map((mails) => mails.size);
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    sizes.forEach((n, i) => {
      if (n > 0) expect(three.fetched[i], `worker ${i} sent ${n} mails`).toBe(true);
    });
    // Disjoint: no mail was written by two workers.
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(single.size);
    const union = new Map(three.byWorker.flatMap((mails) => [...mails]));
    expect(union.size).toBe(single.size);
    for (const [file, content] of single) expect(union.get(file), file).toBe(content);
  }, 120_000);
});
