import { CampaignStore } from '../campaigns/campaign-store.js';
import { tailorHome } from '../config/paths.js';
import { openRedis, type RedisRuntime } from '../queues/redis-runtime.js';
import { TailorQueues } from '../queues/tailor-queues.js';
import { SnapshotCache } from '../workers/snapshot-cache.js';

/** What a CLI command that talks to Redis needs, opened once and closed on the way out. */
export interface CliRuntime {
  home: string;
  redis: RedisRuntime;
  queues: TailorQueues;
  store: CampaignStore;
  snapshots: SnapshotCache;
}

export async function withRuntime<T>(
  fn: (runtime: CliRuntime) => Promise<T>,
  home = tailorHome(),
): Promise<T> {
  const redis = await openRedis({ home });
  const queues = new TailorQueues(redis.client);
  const runtime: CliRuntime = {
    home,
    redis,
    queues,
    store: new CampaignStore(redis.client),
    snapshots: new SnapshotCache(home),
  };
  try {
    return await fn(runtime);
  } finally {
    await queues.close();
    await runtime.snapshots.close();
    await redis.close();
  }
}

/** The one-line JSON summary every long command ends with. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
