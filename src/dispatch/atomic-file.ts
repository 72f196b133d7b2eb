import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temporary name beside `path`, hidden and unique to this writer. */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

async function writeTemp(path: string, data: Buffer | string, fsync: boolean): Promise<string> {
  const temp = tempPath(path);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `path` only if no file is there, atomically: the data goes to a temporary file that is
 * then hard-linked to the final name. link() fails when the name exists, so of two writers (or a
 * retry after a crash) exactly one creates the file, and a reader never sees a partial file.
 * With `fsync`, the data and the directory entry are on disk before this resolves.
 * Returns `created`, or `exists` when the file was already there (nothing is rewritten).
 */
export async function writeFileOnce(
  path: string,
  data: Buffer | string,
  options: { fsync?: boolean } = {},
): Promise<'created' | 'exists'> {
  if (await exists(path)) return 'exists';
  const fsync = options.fsync ?? false;
  const temp = await writeTemp(path, data, fsync);
  try {
    await link(temp, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'exists';
    // File systems without hard links: rename after the check above. Two concurrent writers of
    // the same name could both rename here; the content is the same message either way.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
      if (await exists(path)) return 'exists';
      await rename(temp, path);
      if (fsync) await syncDir(dirname(path));
      return 'created';
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  if (fsync) await syncDir(dirname(path));
  return 'created';
}

/** Replaces `path` atomically (temporary file, then rename): readers see the old or the new file. */
export async function writeFileAtomic(
  path: string,
  data: Buffer | string,
  options: { fsync?: boolean } = {},
): Promise<void> {
  const temp = await writeTemp(path, data, options.fsync ?? false);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (options.fsync) await syncDir(dirname(path));
}
