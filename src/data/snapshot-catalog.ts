import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tailorHome } from '../config/paths.js';
import { assertSnapshotName, SNAPSHOT_FILES, type StoredManifest } from './snapshot-files.js';
import { FileSnapshotReader } from './snapshot-reader.js';

/**
 * Where snapshots live: `<root>/snapshots/<name>/`, root being `TAILOR_HOME` or `.tailor` in
 * the working directory. Names starting with a dot are an import's temporary directories.
 */

export class SnapshotNotFoundError extends Error {
  override readonly name = 'SnapshotNotFoundError';
}

export function snapshotsDir(root: string): string {
  return join(root, 'snapshots');
}

export function snapshotDir(root: string, name: string): string {
  assertSnapshotName(name);
  return join(snapshotsDir(root), name);
}

/** Manifests of every complete snapshot under `root`, by name. */
export async function listSnapshots(root: string = tailorHome()): Promise<StoredManifest[]> {
  let names: string[];
  try {
    names = await readdir(snapshotsDir(root));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const manifests: StoredManifest[] = [];
  for (const name of names.sort()) {
    if (name.startsWith('.')) continue;
    try {
      manifests.push(
        JSON.parse(await readFile(join(snapshotsDir(root), name, SNAPSHOT_FILES.manifest), 'utf8')),
      );
    } catch {
      // Not a snapshot (or not a complete one): listing shows only what can be opened.
    }
  }
  return manifests;
}

export async function openSnapshot(root: string, name: string): Promise<FileSnapshotReader> {
  const dir = snapshotDir(root, name);
  try {
    await readFile(join(dir, SNAPSHOT_FILES.manifest));
  } catch {
    const known = (await listSnapshots(root)).map((manifest) => manifest.name);
    const hint = known.length > 0 ? `known: ${known.join(', ')}` : 'none imported yet: run `tailor import`';
    throw new SnapshotNotFoundError(
      `no dataset named ${JSON.stringify(name)} under ${snapshotsDir(root)} (${hint})`,
    );
  }
  return FileSnapshotReader.open(dir);
}
