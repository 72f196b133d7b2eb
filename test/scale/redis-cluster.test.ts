import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { enqueueCampaign, waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import type { CustomerRecord } from '../../src/data/snapshot.js';
import { openSnapshot } from '../../src/data/snapshot-catalog.js';
import { SendLedger } from '../../src/dispatch/send-ledger.js';
import { QUEUE_NAMES } from '../../src/queues/queue-names.js';
import { openRedis } from '../../src/queues/redis-runtime.js';
import { createTopologyClient } from '../../src/queues/redis-topology.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startWorkers, type WorkerPool } from '../../src/workers/worker-pool.js';
import { spawnTailor } from '../support/cli.js';
import { demoSpec, importSample } from '../support/pipeline.js';
import { startRedisCluster, type TestRedisCluster } from './redis-cluster.js';

/**
 * A small campaign on a real three-node Redis Cluster: the hash-tagged queue prefix keeps each
 * queue (and a flow across queues) in one slot, run keys share `{runId}`, a campaign's ledger
 * keys share `{campaignId}`. The client is the Cluster from redis-topology.ts, as `tailor worker`
 * gets it when REDIS_CLUSTER_NODES is set.
 */
describe('Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let client: Cluster;
  let home: string;
  let queues: TailorQueues;
  let context: StageContext;
  let pool: WorkerPool;
  let customers: CustomerRecord[];
  let orders: Float64Array;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    client = createTopologyClient({ kind: 'cluster', nodes: cluster.nodes, tls: false }) as Cluster;
    home = mkdtempSync(join(tmpdir(), 'tailor-cluster-home-'));
    await importSample(home);
    const snapshot = await openSnapshot(home, 'sample');
    customers = await snapshot.customers(0, snapshot.manifest.customers);
    orders = (await snapshot.aggregates(0, snapshot.manifest.customers)).orders;
    await snapshot.close();
    // Tailor's classes are typed for ioredis `Redis`; a Cluster offers the same commands (what
    // differs at run time is what this test checks). See the scale report for the typing change.
    const redis = client as unknown as Redis;
    queues = new TailorQueues(redis);
    context = createStageContext({ redis, queues, home, delivery: { transport: 'stream' } });
    pool = startWorkers(context, { queues: [...QUEUE_NAMES] });
  });

  afterAll(async () => {
    await pool?.close();
    if (context) await closeStageContext(context);
    await queues?.close();
    client?.disconnect();
    await cluster?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs a campaign through every stage and sends each eligible customer once', async () => {
    const redis = client as unknown as Redis;
    const store = new CampaignStore(redis);
    const spec = demoSpec({ id: 'cluster-campaign', channels: ['email'] });
    const run = await enqueueCampaign(
      { store, queues, openSnapshot: (dataset) => context.snapshots.get(dataset) },
      spec,
    );
    const finished = await waitForRun(store, run.runId, undefined, 100);
    expect(finished.error).toBeUndefined();
    expect(finished.state).toBe('completed');

    const eligible = customers.filter((c, i) => orders[i] >= 1 && c.consent).length;
    const counts = await new SendLedger(redis).counts('cluster-campaign');
    expect(eligible).toBeGreaterThan(200);
    expect(counts.sent).toBe(eligible);
    expect(counts.sending).toBe(0);
    expect(counts.failed).toEqual({});

    // The keys really are spread over the cluster: the queues' slot and the ledger's differ.
    const slotOf = async (key: string) => Number(await client.call('CLUSTER', 'KEYSLOT', key));
    expect(await slotOf(`${queues.prefix}:dispatch:wait`)).not.toBe(
      await slotOf(new SendLedger(redis).keys('cluster-campaign').ledger),
    );
  });

  it('is what openRedis and `tailor worker` connect to when REDIS_CLUSTER_NODES is set', async () => {
    const nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
    const runtime = await openRedis({ home, env: { REDIS_CLUSTER_NODES: nodes } });
    try {
      expect(runtime.client).toBeInstanceOf(Cluster);
      expect(runtime.url).toBe(`cluster ${nodes}`);
      expect(runtime.owned).toBe(false);
    } finally {
      await runtime.close();
    }

    // A worker process on "another machine": its own home, the cluster from the environment.
    const workerHome = mkdtempSync(join(tmpdir(), 'tailor-cluster-worker-'));
    const worker = spawnTailor(['worker', '--queues', 'dispatch', '--transport', 'stream'], {
      TAILOR_HOME: workerHome,
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: nodes,
    });
    try {
      let stderr = '';
      worker.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      await vi.waitFor(
        () => expect(stderr).toContain(`tailor worker ${worker.pid}: dispatch on cluster ${nodes}`),
        {
          timeout: 15_000,
          interval: 100,
        },
      );
    } finally {
      worker.kill('SIGTERM');
      await new Promise((resolve) => worker.once('exit', resolve));
      rmSync(workerHome, { recursive: true, force: true });
    }
  });
});
