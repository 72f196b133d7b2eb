import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../src/segmentation/adjusted-rand.js';
import { InThreadExecutor } from '../../src/segmentation/block-executor.js';
import { BLOCK_ROWS } from '../../src/segmentation/block-ops.js';
import { BlockWorkerPool, closeSharedBlockPool } from '../../src/segmentation/block-worker-pool.js';
import { kmeans } from '../../src/segmentation/kmeans.js';
import { UNROLL_LIMIT } from '../../src/segmentation/kmeans-kernels.js';
import { blobs, normalPoints } from './points.js';

// Worker threads load dist/: `npm test` builds first (or run `npx tsc -p tsconfig.json`).
let pool: BlockWorkerPool;
beforeAll(async () => {
  pool = await BlockWorkerPool.start(2);
});
afterAll(async () => {
  await pool.close();
});
const inThread = new InThreadExecutor();

const CENTRES = [
  [0, 0, 0],
  [10, 0, 0],
  [0, 10, 0],
  [0, 0, 10],
  [10, 10, 10],
];

describe('kmeans', () => {
  it('recovers well-separated clusters exactly, on threads and in-thread', async () => {
    const { data, truth, d } = blobs(CENTRES, 4000, 0.5, 7); // 20,000 rows: several blocks
    expect(data.length / d).toBeGreaterThan(2 * BLOCK_ROWS);
    for (const executor of [pool, inThread]) {
      const fit = await kmeans(data, d, { k: 5, seed: 3, nInit: 3, executor });
      expect(adjustedRandIndex(fit.labels, truth)).toBe(1);
      expect(fit.sizes).toEqual([4000, 4000, 4000, 4000, 4000]);
      expect(fit.converged).toBe(true);
      // Each centroid sits on one true centre.
      const found = Array.from({ length: 5 }, (_, c) =>
        Array.from(fit.centroids.subarray(c * d, (c + 1) * d), (v) => Math.round(v)).join(','),
      ).sort();
      expect(found).toEqual(CENTRES.map((c) => c.join(',')).sort());
    }
  });

  it('is deterministic under a seed, whatever the number of threads', async () => {
    const data = normalPoints(30_000, 4, 11);
    const a = await kmeans(data, 4, { k: 6, seed: 42, nInit: 2, executor: pool });
    const b = await kmeans(data, 4, { k: 6, seed: 42, nInit: 2, executor: pool });
    const c = await kmeans(data, 4, { k: 6, seed: 42, nInit: 2, executor: inThread });
    const single = await BlockWorkerPool.start(1);
    const e = await kmeans(data, 4, { k: 6, seed: 42, nInit: 2, executor: single }).finally(() =>
      single.close(),
    );
    for (const other of [b, c, e]) {
      expect(other.inertia).toBe(a.inertia);
      expect(other.iterations).toBe(a.iterations);
      expect(Array.from(other.labels)).toEqual(Array.from(a.labels));
      expect(Array.from(other.centroids)).toEqual(Array.from(a.centroids));
    }
    const differentSeed = await kmeans(data, 4, { k: 6, seed: 43, nInit: 2, executor: pool });
    expect(Array.from(differentSeed.initialCentroids)).not.toEqual(Array.from(a.initialCentroids));
  });

  it("gives Hamerly's pruned steps the same result as plain Lloyd from the same start", async () => {
    const data = normalPoints(20_000, 8, 5);
    const start = (await kmeans(data, 8, { k: 8, seed: 9, maxIter: 1, executor: inThread })).initialCentroids;
    const hamerly = await kmeans(data, 8, { k: 8, seed: 0, initialCentroids: start, executor: pool });
    const lloyd = await kmeans(data, 8, {
      k: 8,
      seed: 0,
      initialCentroids: start,
      algorithm: 'lloyd',
      executor: inThread,
    });
    expect(hamerly.iterations).toBe(lloyd.iterations);
    expect(hamerly.iterations).toBeGreaterThan(5);
    expect(Array.from(hamerly.labels)).toEqual(Array.from(lloyd.labels));
    expect(hamerly.sizes).toEqual(lloyd.sizes);
    for (let i = 0; i < start.length; i++) expect(hamerly.centroids[i]).toBeCloseTo(lloyd.centroids[i], 9);
    expect(hamerly.inertia).toBeCloseTo(lloyd.inertia, 6);
  });

  it('agrees with Lloyd above the unrolling limit and with odd row counts', async () => {
    for (const d of [3, UNROLL_LIMIT + 5]) {
      const data = normalPoints(BLOCK_ROWS + 1001, d, d);
      const start = (await kmeans(data, d, { k: 5, seed: 2, maxIter: 1, executor: inThread }))
        .initialCentroids;
      const hamerly = await kmeans(data, d, { k: 5, seed: 0, initialCentroids: start, executor: pool });
      const lloyd = await kmeans(data, d, {
        k: 5,
        seed: 0,
        initialCentroids: start,
        algorithm: 'lloyd',
        executor: inThread,
      });
      expect(hamerly.iterations).toBe(lloyd.iterations);
      expect(Array.from(hamerly.labels)).toEqual(Array.from(lloyd.labels));
      expect(hamerly.inertia).toBeCloseTo(lloyd.inertia, 6);
    }
  });

  it('refills a cluster that lost all its points with the farthest point', async () => {
    const { data, d } = blobs(CENTRES.slice(0, 3), 50, 0.5, 2);
    // Centre 3 starts far from every point, so the first step leaves it empty.
    const start = Float64Array.from([0, 0, 0, 10, 0, 0, 0, 10, 0, 1000, 1000, 1000]);
    const fit = await kmeans(data, d, { k: 4, seed: 0, initialCentroids: start, executor: inThread });
    expect(fit.sizes.every((size) => size > 0)).toBe(true);
    expect(fit.sizes.reduce((a, b) => a + b, 0)).toBe(150);
    expect(Array.from(fit.centroids).every(Number.isFinite)).toBe(true);
    // Sizes agree with the labels.
    const counted = [0, 0, 0, 0];
    for (const label of fit.labels) counted[label]++;
    expect(counted).toEqual(fit.sizes);
  });

  it('copes with fewer distinct points than clusters', async () => {
    const data = Float64Array.from([0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5, 9, 9, 9, 9, 9, 9]); // 10 rows, d = 2
    const fit = await kmeans(data, 2, { k: 5, seed: 1, executor: inThread });
    expect(fit.inertia).toBe(0);
    expect(fit.sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Array.from(fit.centroids).every(Number.isFinite)).toBe(true);
  });

  it('stops at maxIter without claiming convergence', async () => {
    const data = normalPoints(5000, 3, 1);
    const fit = await kmeans(data, 3, { k: 7, seed: 1, maxIter: 2, executor: inThread });
    expect(fit.iterations).toBe(2);
    expect(fit.converged).toBe(false);
  });

  it('runs several inits and keeps the lowest inertia', async () => {
    const data = normalPoints(5000, 2, 3);
    const fit = await kmeans(data, 2, { k: 5, seed: 4, nInit: 4, executor: inThread });
    expect(fit.inits).toHaveLength(4);
    expect(fit.inertia).toBe(Math.min(...fit.inits.map((init) => init.inertia)));
  });

  it('refuses impossible input with a clear message', async () => {
    await expect(kmeans(new Float64Array(6), 2, { k: 4, seed: 0, executor: inThread })).rejects.toThrow(
      /at least k = 4 points, got 3/,
    );
    await expect(kmeans(new Float64Array(5), 2, { k: 1, seed: 0, executor: inThread })).rejects.toThrow(
      /rows of d = 2/,
    );
    const bad = normalPoints(10, 2, 0);
    bad[7] = Number.NaN;
    await expect(kmeans(bad, 2, { k: 2, seed: 0, executor: inThread })).rejects.toThrow(/NaN or infinite/);
    // On threads the error comes back from the thread driving the fit, and the pool stays usable.
    const big = normalPoints(3 * BLOCK_ROWS, 2, 0);
    big[5] = Number.POSITIVE_INFINITY;
    await expect(kmeans(big, 2, { k: 2, seed: 0, executor: pool })).rejects.toThrow(/NaN or infinite/);
    big[5] = 0;
    expect((await kmeans(big, 2, { k: 2, seed: 0, executor: pool })).sizes).toHaveLength(2);
  });

  it("runs on the process's shared pool by default, several fits at once", async () => {
    const data = normalPoints(20_000, 4, 12);
    const alone = await kmeans(data, 4, { k: 5, seed: 8, executor: inThread });
    const [a, b] = await Promise.all([
      kmeans(data, 4, { k: 5, seed: 8 }),
      kmeans(data, 4, { k: 5, seed: 8 }),
    ]);
    for (const fit of [a, b]) {
      expect(fit.inertia).toBe(alone.inertia);
      expect(Array.from(fit.labels)).toEqual(Array.from(alone.labels));
    }
    await closeSharedBlockPool();
  });

  it('lets the process exit while the shared pool idles', async () => {
    // The compiled module, as a worker process runs it (`npm test` builds first).
    const kmeansModule = pathToFileURL(join(process.cwd(), 'dist/segmentation/kmeans.js')).href;
    const script = `
      const { kmeans } = await import(${JSON.stringify(kmeansModule)});
      const data = Float64Array.from({ length: 4000 }, (_, i) => (i * 7919) % 101);
      const fit = await kmeans(data, 2, { k: 3, seed: 1 });
      console.log(fit.sizes.reduce((a, b) => a + b, 0));`;
    const dir = mkdtempSync(join(tmpdir(), 'tailor-kmeans-exit-'));
    try {
      writeFileSync(join(dir, 'fit.mjs'), script);
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'fit.mjs')], {
        timeout: 30_000,
      });
      expect(stdout.trim()).toBe('2000');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not block the event loop while it runs on threads', async () => {
    const data = normalPoints(200_000, 8, 8);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    await kmeans(data, 8, { k: 8, seed: 0, executor: pool });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // A blocked loop would tick once at the end; a free one ticks throughout.
    expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 5 / 4));
  });
});
