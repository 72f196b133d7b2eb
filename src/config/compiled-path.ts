import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * URL of a compiled sibling module (e.g. a worker-thread or sandboxed-processor entry).
 * Worker threads and child processes need JavaScript on disk: when the caller itself runs from
 * TypeScript source (vitest), point at the same file under dist/, which `npm test` builds first.
 */
export function compiledSibling(importMetaUrl: string, fileName: string): URL {
  const beside = new URL(fileName, importMetaUrl);
  if (existsSync(fileURLToPath(beside))) return beside;
  const path = fileURLToPath(beside);
  const inDist = path.replace(/([/\\])src([/\\])(?!.*[/\\]src[/\\])/, '$1dist$2');
  if (inDist !== path && existsSync(inDist)) return pathToFileURL(inDist);
  throw new Error(
    `compiled module ${fileName} not found beside ${fileURLToPath(importMetaUrl)}: run \`npm run build\``,
  );
}
