import { resolve } from 'node:path';

/** Where Tailor keeps its local state: snapshots, models, embedded Redis, outbox. */
export function tailorHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.TAILOR_HOME || '.tailor');
}

/** The project's install directory (templates/, data/sample/ live there). */
export const projectRoot = resolve(new URL('../..', import.meta.url).pathname);
