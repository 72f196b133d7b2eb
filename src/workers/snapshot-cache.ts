import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { SnapshotReader } from '../data/snapshot.js';
import { openSnapshot } from '../data/snapshot-catalog.js';

/**
 * Open snapshots of this process, by dataset name. A run records the snapshot version it was
 * planned on; a worker that finds another version (re-imported mid-campaign) refuses the job
 * rather than mixing two datasets.
 */
export class SnapshotCache {
  private readonly open = new Map<string, Promise<SnapshotReader>>();

  constructor(private readonly home: string) {}

  async get(dataset: string, expectedVersion?: string): Promise<SnapshotReader> {
    let pending = this.open.get(dataset);
    if (!pending) {
      pending = openSnapshot(join(this.home), dataset);
      this.open.set(dataset, pending);
      pending.catch(() => this.open.delete(dataset));
    }
    const reader = await pending;
    if (expectedVersion && reader.manifest.version !== expectedVersion) {
      this.open.delete(dataset);
      const fresh = await openSnapshot(this.home, dataset);
      if (fresh.manifest.version !== expectedVersion) {
        throw new UnrecoverableError(
          `dataset '${dataset}' changed since the campaign was planned (snapshot ${fresh.manifest.version}, run expects ${expectedVersion}): enqueue the campaign again`,
        );
      }
      this.open.set(dataset, Promise.resolve(fresh));
      return fresh;
    }
    return reader;
  }

  async close(): Promise<void> {
    const readers = await Promise.allSettled([...this.open.values()]);
    this.open.clear();
    for (const r of readers) if (r.status === 'fulfilled') await r.value.close();
  }
}
