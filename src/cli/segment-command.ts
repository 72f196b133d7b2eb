import type { Command } from 'commander';
import { tailorHome } from '../config/paths.js';
import { FLAG_PROFILING_OBJECTION } from '../data/snapshot.js';
import { openSnapshot } from '../data/snapshot-catalog.js';
import { closeSharedBlockPool } from '../segmentation/block-worker-pool.js';
import { fitCsv } from '../segmentation/fit-csv.js';
import { KMeansSegmenter } from '../segmentation/kmeans-segmenter.js';
import { printJson } from './cli-runtime.js';

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer (got '${value}')`);
  return n;
}

export function registerSegmentCommands(program: Command): void {
  const segment = program.command('segment').description('customer segmentation by k-means');

  segment
    .command('fit')
    .description(
      "k-means on a numeric CSV (--input) or on an imported dataset's customer features (--dataset)",
    )
    .option('--input <file>', 'plain numeric CSV: a header row, one row per point')
    .option('--dataset <name>', 'an imported dataset: RFM and behaviour features per customer')
    .option('--k <k>', 'clusters (a dataset without --k chooses k by silhouette)')
    .option('--seed <seed>', 'random seed', '0')
    .option('--n-init <n>', 'k-means++ initialisations', '10')
    .option('--json', 'print only the JSON line')
    .action(
      async (options: { input?: string; dataset?: string; k?: string; seed: string; nInit: string }) => {
        if (Boolean(options.input) === Boolean(options.dataset))
          throw new Error('give exactly one of --input FILE or --dataset NAME');
        const seed = Number(options.seed);
        if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer (got '${options.seed}')`);
        const nInit = positiveInteger(options.nInit, '--n-init');
        try {
          if (options.input) {
            if (!options.k) throw new Error('--k is required with --input');
            printJson(
              await fitCsv({ input: options.input, k: positiveInteger(options.k, '--k'), seed, nInit }),
            );
            return;
          }
          const snapshot = await openSnapshot(tailorHome(), options.dataset as string);
          try {
            const n = snapshot.manifest.customers;
            const [aggregates, flags] = await Promise.all([snapshot.aggregates(0, n), snapshot.flags()]);
            const profilable = new Uint8Array(n);
            for (let i = 0; i < n; i++)
              profilable[i] = flags[i] & FLAG_PROFILING_OBJECTION || aggregates.orders[i] === 0 ? 0 : 1;
            const result = await new KMeansSegmenter({ nInit }).segment({
              aggregates,
              referenceTime: snapshot.manifest.referenceTime,
              profilable,
              k: options.k ? positiveInteger(options.k, '--k') : undefined,
              seed,
            });
            printJson({
              k: result.k,
              n: profilable.reduce((a, b) => a + b, 0),
              inertia: result.details.inertia,
              iterations: result.details.iterations,
              silhouette: result.details.silhouette,
              fitSeconds: result.details.seconds,
              segments: result.profiles.map((p) => ({ name: p.name, size: p.size, centroid: p.centroid })),
            });
          } finally {
            await snapshot.close();
          }
        } finally {
          await closeSharedBlockPool();
        }
      },
    );
}
