import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SnapshotNotFoundError } from './snapshot-catalog.js';
import { assertSnapshotName, SNAPSHOT_FILES, type StoredManifest } from './snapshot-files.js';
import { FileSnapshotReader, SnapshotDamagedError } from './snapshot-reader.js';

/**
 * How workers on several machines reach the same snapshot: an immutable copy per version on
 * storage every machine mounts (NFS, EFS, SMB, a bind mount: `TAILOR_SNAPSHOT_STORE`), fetched
 * by version into each worker's own `<home>/snapshot-cache/`.
 *
 * Why this and not the alternatives (issue 10):
 * - Snapshot in Redis: a 1M-customer snapshot is ~660 bytes per customer (contact records
 *   ~170, aggregates 56, baskets and items ~430), about 660 MB, while Redis must stay under
 *   1 GB holding the queues, run results and send ledger; and every chunk read would cross the
 *   network. Redis keeps what must be shared and mutable, never the bulk read-only data.
 * - A database server: another service to run, back up and size for a workload that is
 *   read-only, versioned and read in contiguous ranges: exactly what files do best.
 * - Files: a snapshot is already immutable and named by a content hash (`version`), its
 *   columns are read by byte range, and any shared filesystem or object-store mount carries
 *   them. Each worker copies a version once (sequential reads, ~1 s per 100 MB on a LAN) and then
 *   reads locally at disk speed, so slow shared storage never sits on the per-chunk path.
 *
 * Layout of the store: `<store>/<name>/<version>/` (the snapshot's files, never changed once
 * there) and `<store>/<name>/current.json` (`{"version": ...}`, the newest published). Every
 * write goes to a temporary name first and is renamed into place, so a reader never sees half
 * a copy; two publishers of the same version race harmlessly (the first rename wins).
 */

export const SNAPSHOT_STORE_ENV = 'TAILOR_SNAPSHOT_STORE';
const CURRENT = 'current.json';
const FETCHED_VERSIONS_KEPT = 3;

/** Every file but rejects.ndjson, which stays on the store for audits: workers never read it. */
const forWorkers = (file: string) => file !== SNAPSHOT_FILES.rejects;

export interface PublishedSnapshot {
  name: string;
  version: string;
  /** `<store>/<name>/<version>`. */
  dir: string;
  /** False when this version was already in the store. */
  copied: boolean;
}

/** The shared snapshot store from the environment, or undefined when workers share one home. */
export function snapshotStoreFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const store = env[SNAPSHOT_STORE_ENV]?.trim();
  return store ? resolve(store) : undefined;
}

export function publishedDir(store: string, name: string, version: string): string {
  assertSnapshotName(name);
  if (!/^[0-9a-f]{16}$/.test(version))
    throw new RangeError(`invalid snapshot version ${JSON.stringify(version)}`);
  return join(store, name, version);
}

/**
 * Copies a snapshot directory (as `importDataset` wrote it) into the store under its version,
 * unless that version is there already, and makes it the store's current version of its name.
 */
export async function publishSnapshot(store: string, snapshotDir: string): Promise<PublishedSnapshot> {
  const reader = await FileSnapshotReader.open(snapshotDir); // checks every file's size first
  const { name, version } = reader.manifest;
  await reader.close();
  const dir = publishedDir(store, name, version);
  let copied = false;
  if (!(await isSnapshotDir(dir))) {
    await copySnapshot(snapshotDir, dir, () => true);
    copied = true;
  }
  const current = join(store, name, CURRENT);
  const tmp = `${current}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ version, publishedAt: new Date().toISOString() })}\n`);
  await rename(tmp, current);
  return { name, version, dir, copied };
}

/** The version `current.json` names for a dataset; SnapshotNotFoundError when none was published. */
export async function currentPublishedVersion(store: string, name: string): Promise<string> {
  assertSnapshotName(name);
  let text: string;
  try {
    text = await readFile(join(store, name, CURRENT), 'utf8');
  } catch {
    throw new SnapshotNotFoundError(
      `no dataset named ${JSON.stringify(name)} has been published to the snapshot store ${store} (${SNAPSHOT_STORE_ENV}): import it on a machine with the store mounted`,
    );
  }
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string')
    throw new SnapshotDamagedError(`${join(store, name, CURRENT)} names no version`);
  return version;
}

/**
 * A local copy of one published version: `<home>/snapshot-cache/<name>/<version>/`, copied from
 * the store on first use (then reused), older fetched versions beyond the newest few removed.
 * Readers that already opened a removed version keep reading it (open file handles).
 */
export async function fetchSnapshot(
  store: string,
  home: string,
  name: string,
  version: string,
): Promise<string> {
  const local = join(fetchedRoot(home), name, version);
  publishedDir(store, name, version); // validates name and version
  if (await isSnapshotDir(local)) {
    await touch(local);
    return local;
  }
  const source = publishedDir(store, name, version);
  if (!(await isSnapshotDir(source))) {
    throw new SnapshotNotFoundError(
      `snapshot ${name}@${version} is not in the snapshot store ${store}: it was never published, or was removed`,
    );
  }
  await copySnapshot(source, local, forWorkers);
  await pruneFetched(join(fetchedRoot(home), name), version);
  return local;
}

export function fetchedRoot(home: string): string {
  return join(home, 'snapshot-cache');
}

/**
 * Copies the files into a temporary sibling of `to`, checks the copy opens as a snapshot, then
 * renames it into place. When another process finished the same copy first, ours is dropped.
 */
async function copySnapshot(from: string, to: string, include: (file: string) => boolean): Promise<void> {
  const parent = resolve(to, '..');
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp);
  try {
    const files = (await readdir(from)).filter(include);
    // The manifest goes last: a directory holding one is complete.
    for (const file of files.filter((f) => f !== SNAPSHOT_FILES.manifest)) {
      await copyFile(join(from, file), join(tmp, file));
    }
    await copyFile(join(from, SNAPSHOT_FILES.manifest), join(tmp, SNAPSHOT_FILES.manifest));
    const copy = await FileSnapshotReader.open(tmp);
    await copy.close();
    try {
      await rename(tmp, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isSnapshotDir(to))) return;
      throw error;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function isSnapshotDir(dir: string): Promise<boolean> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, SNAPSHOT_FILES.manifest), 'utf8')) as StoredManifest;
    return typeof manifest.version === 'string';
  } catch {
    return false;
  }
}

async function touch(dir: string): Promise<void> {
  const now = new Date();
  await utimes(dir, now, now).catch(() => {});
}

/** Keeps the most recently used fetched versions of one dataset (and always `keep`). */
async function pruneFetched(dir: string, keep: string): Promise<void> {
  const entries = (await readdir(dir)).filter((name) => !name.startsWith('.') && name !== keep);
  const dated = await Promise.all(
    entries.map(async (name) => ({ name, at: (await stat(join(dir, name))).mtimeMs })),
  );
  dated.sort((a, b) => b.at - a.at);
  for (const old of dated.slice(FETCHED_VERSIONS_KEPT - 1)) {
    await rm(join(dir, old.name), { recursive: true, force: true });
  }
}
