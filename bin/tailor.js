#!/usr/bin/env node
// The `tailor` command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('tailor: not built yet. Run `npm run build` (or `bash ops/setup.sh`) first.');
  process.exit(1);
}
await import(entry.href);
