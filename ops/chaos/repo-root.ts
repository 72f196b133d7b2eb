import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found upwards from this file, so the harness works from TypeScript
 * source (vitest) and from `dist-bench/` alike.
 */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'tailor') return dir;
    if (dirname(dir) === dir) throw new Error(`no tailor package.json above ${from}`);
  }
}

/** The `tailor` command as built (`npm run build`): bin/tailor.js runs dist/. */
export function tailorBin(): string {
  const bin = join(repoRoot(), 'bin', 'tailor.js');
  if (!existsSync(join(repoRoot(), 'dist', 'cli', 'main.js'))) {
    throw new Error('the chaos harness runs the built `tailor` command: run `npm run build` first');
  }
  return bin;
}
