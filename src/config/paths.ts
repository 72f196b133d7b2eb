import { resolve } from 'node:path';

/** Where Tailor keeps its local state: snapshots, models, embedded Redis, outbox. */
export function tailorHome(): string {
  return resolve(process.env.TAILOR_HOME || '.tailor');
}

/** The project's install directory (templates/, data/sample/ live there). */
export const projectRoot = resolve(new URL('../..', import.meta.url).pathname);
