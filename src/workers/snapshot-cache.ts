import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { SnapshotReader } from '../data/snapshot.js';
import { openSnapshot, SnapshotNotFoundError, snapshotDir } from '../data/snapshot-catalog.js';
import { SNAPSHOT_FILES } from '../data/snapshot-files.js';
import {
  currentPublishedVersion,
  fetchSnapshot,
  publishedDir,
  publishSnapshot,
  snapshotStoreFromEnv,
} from '../data/snapshot-publish.js';
import { FileSnapshotReader } from '../data/snapshot-reader.js';

/** Versions kept open per process; older readers are closed after a grace period. */
const OPEN_VERSIONS = 4;
const CLOSE_GRACE_MS = 15 * 60_000;

/**
 * Open snapshots of this process, by dataset and version. A run records the snapshot version it
 * was planned on and every stage asks for exactly that version:
 * - the home's own snapshot (`<home>/snapshots/<name>/`) when it is that version (one machine,
 *   or the importer's machine);
 * - otherwise, with a snapshot store (`TAILOR_SNAPSHOT_STORE`, see snapshot-publish.ts), the
 *   published copy of that version, fetched once into `<home>/snapshot-cache/`: workers on other
 *   machines, and runs planned before a re-import, keep reading what they were planned on;
 * - otherwise the job is refused (UnrecoverableError): mixing two datasets is never an option.
 *
 * Without a version (planning a new run) the newest is meant: the home's snapshot, which is
 * then published to the store (once per version) so that workers elsewhere can fetch it, or
 * else the store's current version.
 */
export class SnapshotCache {
  private readonly open = new Map<string, Promise<SnapshotReader>>();

  constructor(
    private readonly home: string,
    private readonly store: string | undefined = snapshotStoreFromEnv(),
  ) {}

  async get(dataset: string, expectedVersion?: string): Promise<SnapshotReader> {
    const local = await this.localVersion(dataset);
    const version =
      expectedVersion ??
      local ??
      (this.store ? await currentPublishedVersion(this.store, dataset) : undefined);
    if (version === undefined) return openSnapshot(this.home, dataset); // throws SnapshotNotFoundError with a hint
    const key = `${dataset}@${version}`;
    let pending = this.open.get(key);
    if (!pending) {
      pending = this.openVersion(dataset, version, local);
      this.open.set(key, pending);
      pending.catch(() => this.open.delete(key));
      this.evictOld();
    }
    return pending;
  }

  async close(): Promise<void> {
    const readers = await Promise.allSettled([...this.open.values()]);
    this.open.clear();
    for (const r of readers) if (r.status === 'fulfilled') await r.value.close();
  }

  private async openVersion(
    dataset: string,
    version: string,
    local: string | undefined,
  ): Promise<SnapshotReader> {
    if (local === version) {
      const reader = await openSnapshot(this.home, dataset);
      // Re-imported between reading the manifest and opening it: fall through to the store.
      if (reader.manifest.version === version) {
        if (this.store) await this.ensurePublished(dataset, version, reader.dir);
        return reader;
      }
      await reader.close();
    }
    if (!this.store) {
      throw new UnrecoverableError(
        `dataset '${dataset}' changed since the campaign was planned (snapshot ${local ?? 'missing'}, run expects ${version}), and no snapshot store (TAILOR_SNAPSHOT_STORE) keeps older versions: enqueue the campaign again`,
      );
    }
    try {
      return await FileSnapshotReader.open(await fetchSnapshot(this.store, this.home, dataset, version));
    } catch (error) {
      if (error instanceof SnapshotNotFoundError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  private async ensurePublished(dataset: string, version: string, dir: string): Promise<void> {
    const published = join(publishedDir(this.store as string, dataset, version), SNAPSHOT_FILES.manifest);
    const there = await readFile(published).then(
      () => true,
      () => false,
    );
    if (!there) await publishSnapshot(this.store as string, dir);
  }

  /** Version of `<home>/snapshots/<name>/`, or undefined when this home has none. */
  private async localVersion(dataset: string): Promise<string | undefined> {
    try {
      const text = await readFile(join(snapshotDir(this.home, dataset), SNAPSHOT_FILES.manifest), 'utf8');
      const version = (JSON.parse(text) as { version?: unknown }).version;
      return typeof version === 'string' ? version : undefined;
    } catch {
      return undefined;
    }
  }

  /** A long-lived worker sees many imports: keep the newest few versions open. */
  private evictOld(): void {
    while (this.open.size > OPEN_VERSIONS) {
      const [oldest, pending] = this.open.entries().next().value as [string, Promise<SnapshotReader>];
      this.open.delete(oldest);
      // Jobs still reading it finish first: close later.
      setTimeout(() => {
        void pending.then((reader) => reader.close()).catch(() => {});
      }, CLOSE_GRACE_MS).unref();
    }
  }
}
