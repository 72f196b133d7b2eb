import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { enqueueCampaign, waitForRun } from '../../src/campaigns/enqueue-campaign.js';
import { projectRoot } from '../../src/config/paths.js';
import { importDataset } from '../../src/data/import-dataset.js';
import { type CampaignSpec, parseCampaignSpec } from '../../src/queues/campaign-spec.js';
import { QUEUE_NAMES } from '../../src/queues/queue-names.js';
import { TailorQueues } from '../../src/queues/tailor-queues.js';
import { SnapshotCache } from '../../src/workers/snapshot-cache.js';
import { closeStageContext, createStageContext, type StageContext } from '../../src/workers/stage-context.js';
import { startWorkers, type WorkerPool } from '../../src/workers/worker-pool.js';
import type { TestRedis } from './redis.js';

export const SAMPLE_ORDERS = join(projectRoot, 'data', 'sample', 'online_retail_sample.csv.gz');
export const SAMPLE_CUSTOMERS = join(projectRoot, 'data', 'sample', 'customers.csv');

export async function importSample(home: string, name = 'sample') {
  return importDataset({ name, root: home, orders: SAMPLE_ORDERS, customers: SAMPLE_CUSTOMERS });
}

/** The demo campaign's spec with test overrides. */
export function demoSpec(overrides: Record<string, unknown> = {}): CampaignSpec {
  const json = JSON.parse(readFileSync(join(projectRoot, 'examples', 'demo-campaign.json'), 'utf8'));
  return parseCampaignSpec({ ...json, ...overrides });
}

/** Queues, store and (optionally) in-process workers on a test Redis. */
export class PipelineHarness {
  readonly queues: TailorQueues;
  readonly store: CampaignStore;
  context?: StageContext;
  readonly snapshots: SnapshotCache;
  pool?: WorkerPool;

  constructor(
    readonly redis: TestRedis,
    readonly home: string,
  ) {
    this.queues = new TailorQueues(redis.client);
    this.store = new CampaignStore(redis.client);
    this.snapshots = new SnapshotCache(home);
  }

  startWorkers(delivery: Parameters<typeof createStageContext>[0]['delivery']): void {
    this.context = createStageContext({
      redis: this.redis.client,
      queues: this.queues,
      home: this.home,
      delivery,
    });
    this.pool = startWorkers(this.context, { queues: [...QUEUE_NAMES] });
  }

  async stopWorkers(): Promise<void> {
    await this.pool?.close();
    if (this.context) await closeStageContext(this.context);
    this.pool = undefined;
    this.context = undefined;
  }

  enqueue(spec: CampaignSpec, options: { dryRun?: boolean } = {}) {
    const snapshots = this.context?.snapshots ?? this.snapshots;
    return enqueueCampaign(
      { store: this.store, queues: this.queues, openSnapshot: (d) => snapshots.get(d) },
      spec,
      options,
    );
  }

  wait(runId: string) {
    return waitForRun(this.store, runId, undefined, 100);
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    await this.queues.close();
    await this.snapshots.close();
  }
}
