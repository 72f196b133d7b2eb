/**
 * Segment stability on real customers: imports the UCI Online Retail file (or reuses an imported
 * snapshot), segments every profilable customer with automatic k and nInit 10 under several
 * seeds, and prints one JSON line: the k chosen and silhouette scores per seed, the adjusted Rand
 * index between every pair of seeds (the bar: ≥ 0.9), and each segment's name beside its RFM
 * centroid and quintile scores, so names can be checked against where the centroid sits.
 *
 *   node <build>/bench/segment-online-retail.js [--input FILE] [--root DIR] [--seeds 3] [--n-init 10] [--json]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importDataset } from '../src/data/import-dataset.js';
import { FLAG_PROFILING_OBJECTION } from '../src/data/snapshot.js';
import { openSnapshot } from '../src/data/snapshot-catalog.js';
import { adjustedRandIndex } from '../src/segmentation/adjusted-rand.js';
import { buildCustomerFeatures } from '../src/segmentation/features.js';
import { KMeansSegmenter } from '../src/segmentation/kmeans-segmenter.js';
import { RfmQuantileSegmenter } from '../src/segmentation/rfm-quantile.js';
import { featureDistribution, rfmScoresOf } from '../src/segmentation/segment-names.js';
import type { SegmentationResult } from '../src/segmentation/segmenter.js';

const { values: args } = parseArgs({
  options: {
    input: { type: 'string', default: '../shared/datasets/uci-online-retail/online_retail.csv.gz' },
    root: { type: 'string', default: join(process.env.TMPDIR ?? '/tmp', 'tailor-bench-online-retail') },
    name: { type: 'string', default: 'online-retail' },
    seeds: { type: 'string', default: '3' },
    'n-init': { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const seeds = Number(args.seeds);
const nInit = Number(args['n-init']);

async function main() {
  const root = args.root!;
  const name = args.name!;
  let importSeconds: number | undefined;
  if (!existsSync(join(root, 'snapshots', name, 'manifest.json'))) {
    mkdirSync(root, { recursive: true });
    const started = performance.now();
    await importDataset({ name, root, orders: args.input!, writeRejects: false });
    importSeconds = (performance.now() - started) / 1000;
  }
  const reader = await openSnapshot(root, name);
  try {
    const customers = reader.manifest.customers;
    const aggregates = await reader.aggregates(0, customers);
    const flags = await reader.flags();
    const profilable = Uint8Array.from(flags, (flag) => ((flag & FLAG_PROFILING_OBJECTION) === 0 ? 1 : 0));
    const referenceTime = reader.manifest.referenceTime;
    const input = { aggregates, referenceTime, profilable };

    const runs: SegmentationResult[] = [];
    const started = performance.now();
    for (let seed = 0; seed < seeds; seed++) {
      runs.push(await new KMeansSegmenter({ nInit }).segment({ ...input, seed }));
    }
    const secondsPerRun = (performance.now() - started) / 1000 / seeds;
    const pairs: { seeds: [number, number]; ari: number }[] = [];
    for (let a = 0; a < seeds; a++) {
      for (let b = a + 1; b < seeds; b++) {
        pairs.push({
          seeds: [a, b],
          ari: round(adjustedRandIndex(runs[a].assignments, runs[b].assignments)),
        });
      }
    }
    const rfm = await new RfmQuantileSegmenter().segment({ ...input, seed: 0 });
    const distribution = featureDistribution(buildCustomerFeatures(aggregates, referenceTime, profilable));
    const first = runs[0];
    const segments = first.profiles.map((profile) => {
      const { recencyDays, orders, spend, avgBasket } = profile.centroid;
      return {
        id: profile.id,
        name: profile.name,
        size: profile.size,
        centroid: {
          recencyDays: round(recencyDays, 1),
          orders: round(orders, 2),
          spend: round(spend, 0),
          avgBasket: round(avgBasket, 0),
        },
        rfmScores: rfmScoresOf({ recencyDays, orders, spend }, distribution),
      };
    });
    const minAri = Math.min(...pairs.map((p) => p.ari));
    const line = {
      bench: 'segment-online-retail',
      customers,
      segmented: first.details.segmented,
      importSeconds: importSeconds === undefined ? 'reused snapshot' : round(importSeconds, 1),
      nInit,
      secondsPerRun: round(secondsPerRun, 2),
      kBySeed: runs.map((run) => run.k),
      silhouetteBySeed: runs.map((run) =>
        (run.details.silhouette as { k: number; silhouette: number }[]).map((s) => [
          s.k,
          round(s.silhouette),
        ]),
      ),
      namesBySeed: runs.map((run) => run.profiles.map((p) => `${p.name} (${p.size})`)),
      ariBetweenSeeds: pairs,
      minAri,
      stable: minAri >= 0.9,
      ariAgainstRfmQuantiles: round(adjustedRandIndex(first.assignments, rfm.assignments)),
      segments,
      rfmQuantileSegments: rfm.profiles.map((p) => `${p.name} (${p.size})`),
    };
    console.log(args.json ? JSON.stringify(line) : JSON.stringify(line, null, 2));
  } finally {
    await reader.close();
  }
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

await main();
