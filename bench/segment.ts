/**
 * k-means speed: Tailor's k-means (greedy k-means++, Hamerly bounds, worker threads) against
 * scikit-learn's KMeans and ml-kmeans, on the same 1,000,000 × 8 standard-normal points with
 * k = 8 and one init each, in the same run. Prints one JSON line.
 *
 *   npm run bench:segment -- [--n 1000000] [--d 8] [--k 8] [--rounds 5] [--seed 0]
 *                            [--threads N] [--fresh-pool] [--skip-ml-kmeans] [--skip-sklearn] [--json]
 *
 * How many Lloyd iterations a fit needs depends on where k-means++ happened to start (scikit-learn
 * needs 16 to over 100 on these points depending on its seed), so each side fits `rounds` seeds,
 * alternating sides round by round on a shared machine, and the headline ratio is of the total
 * time over those seeds. A second comparison starts both from the same centres (Tailor's
 * k-means++ of the first round), so both walk the same iterations: that isolates the cost per
 * iteration. Tailor's threads are started in the first fit (its time includes that and compiling
 * the kernels) and kept for the next, as a worker process keeps them; `--fresh-pool` starts new
 * threads for every fit. scikit-learn's time is `fit` alone in one long-lived Python process
 * (start-up and loading the points are not timed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { sharedFloat64 } from '../src/segmentation/block-executor.js';
import { BlockWorkerPool } from '../src/segmentation/block-worker-pool.js';
import { type KMeansResult, kmeans } from '../src/segmentation/kmeans.js';
import { SeededRandom } from '../src/segmentation/seeded-random.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    d: { type: 'string', default: '8' },
    k: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '5' },
    seed: { type: 'string', default: '0' },
    threads: { type: 'string' },
    'skip-ml-kmeans': { type: 'boolean', default: false },
    'skip-sklearn': { type: 'boolean', default: false },
    'fresh-pool': { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'boolean', default: false },
  },
});

const integer = (name: string, value: string | undefined, min: number): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
};
const n = integer('n', args.n, 1);
const d = integer('d', args.d, 1);
const k = integer('k', args.k, 1);
const rounds = integer('rounds', args.rounds, 1);
const seed = integer('seed', args.seed, 0);
const threads = args.threads === undefined ? undefined : integer('threads', args.threads, 1);

interface SideResult {
  seconds: number;
  /** CPU time of all the side's threads: steadier than wall time on a busy machine. */
  cpuSeconds: number;
  inertia: number;
  iterations: number;
}

/** scikit-learn in a long-lived Python process, answering one fit per request. */
class SklearnHelper {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ReturnType<typeof spawn>) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static async start(python: string, points: string): Promise<{ helper: SklearnHelper; version: string }> {
    const script = [
      fileURLToPath(new URL('./sklearn_kmeans.py', import.meta.url)),
      fileURLToPath(new URL('../../bench/sklearn_kmeans.py', import.meta.url)),
      join(process.cwd(), 'bench', 'sklearn_kmeans.py'),
    ].find((path) => existsSync(path));
    if (!script) throw new Error('bench/sklearn_kmeans.py not found');
    const child = spawn(python, [script, points, String(n), String(d)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const helper = new SklearnHelper(child);
    const first = await helper.lines.next();
    if (first.done) throw new Error(`scikit-learn helper did not start: ${stderr.trim().split('\n').pop()}`);
    return { helper, version: JSON.parse(first.value).version };
  }

  async fit(command: Record<string, unknown>): Promise<SideResult & { threads: number | null }> {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error('scikit-learn helper exited');
    return JSON.parse(line.value);
  }

  close(): void {
    this.child.stdin!.end();
  }
}

/**
 * Longest the main thread's timers ran late during any of Tailor's fits (ms; on a busy machine
 * this includes waiting for a core), and the share of the fits' time the main thread's event
 * loop was busy rather than waiting for the worker threads.
 */
let eventLoopMaxDelayMs = 0;
let mainThreadBusy = { active: 0, idle: 0 };

async function tailorFit(data: Float64Array, options: { seed: number; initialCentroids?: Float64Array }) {
  const eventLoop = monitorEventLoopDelay({ resolution: 10 });
  eventLoop.enable();
  const utilisation = performance.eventLoopUtilization();
  try {
    return await timedTailorFit(data, options);
  } finally {
    eventLoop.disable();
    eventLoopMaxDelayMs = Math.max(eventLoopMaxDelayMs, eventLoop.max / 1e6);
    const used = performance.eventLoopUtilization(utilisation);
    mainThreadBusy = { active: mainThreadBusy.active + used.active, idle: mainThreadBusy.idle + used.idle };
  }
}

/** Tailor's worker threads: started in the first fit (and timed there), then kept, as a worker process keeps them. */
let pool: BlockWorkerPool | undefined;

async function timedTailorFit(
  data: Float64Array,
  options: { seed: number; initialCentroids?: Float64Array },
) {
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  pool ??= await BlockWorkerPool.start(threads);
  const executor = pool;
  const poolSeconds = (performance.now() - started) / 1000;
  try {
    const fit = await kmeans(data, d, { k, nInit: 1, executor, ...options });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, poolSeconds, fit };
  } finally {
    if (args['fresh-pool']) {
      await executor.close();
      pool = undefined;
    }
  }
}

function summary(results: SideResult[]) {
  const seconds = results.map((r) => r.seconds);
  return {
    totalSeconds: round(sum(seconds)),
    totalCpuSeconds: round(sum(results.map((r) => r.cpuSeconds))),
    medianSeconds: round(median(seconds)),
    secondsPerIteration: round(sum(seconds) / sum(results.map((r) => r.iterations)), 5),
    seconds: seconds.map((s) => round(s)),
    iterations: results.map((r) => r.iterations),
    inertia: results.map((r) => round(r.inertia, 2)),
    medianInertia: round(median(results.map((r) => r.inertia)), 2),
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const round = (x: number, digits = 4) => Number(x.toFixed(digits));

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tailor-bench-segment-'));
  try {
    const random = new SeededRandom(seed);
    const data = sharedFloat64(n * d);
    for (let i = 0; i < data.length; i++) data[i] = random.normal();
    const pointsFile = join(work, 'points.f64');
    writeFileSync(pointsFile, new Uint8Array(data.buffer));

    let sklearn: { helper: SklearnHelper; version: string } | undefined;
    let sklearnSkipped: string | undefined = args['skip-sklearn'] ? '--skip-sklearn' : undefined;
    if (!sklearnSkipped) {
      try {
        sklearn = await SklearnHelper.start(args.python!, pointsFile);
      } catch (error) {
        sklearnSkipped = (error as Error).message;
      }
    }

    const ours: (SideResult & { poolSeconds: number })[] = [];
    const theirs: (SideResult & { threads: number | null })[] = [];
    let firstFit: KMeansResult | undefined;
    for (let r = 0; r < rounds; r++) {
      const runOurs = async () => {
        const { seconds, cpuSeconds, poolSeconds, fit } = await tailorFit(data, { seed: seed + r });
        firstFit ??= fit;
        ours.push({ seconds, cpuSeconds, poolSeconds, inertia: fit.inertia, iterations: fit.iterations });
      };
      const runTheirs = async () => {
        if (sklearn) theirs.push(await sklearn.helper.fit({ k, seed: seed + r }));
      };
      // Alternate who goes first, so neither side always meets the same neighbours' load.
      if (r % 2 === 0) {
        await runOurs();
        await runTheirs();
      } else {
        await runTheirs();
        await runOurs();
      }
    }

    // Same start for both: the iterations then match and only their cost differs.
    let sameInit: Record<string, unknown> | undefined;
    if (sklearn && firstFit) {
      const centresFile = join(work, 'centres.f64');
      writeFileSync(centresFile, new Uint8Array(firstFit.initialCentroids.buffer.slice(0)));
      const theirsSame = await sklearn.helper.fit({ k, init: centresFile });
      const oursSame = await tailorFit(data, { seed, initialCentroids: firstFit.initialCentroids });
      sameInit = {
        tailor: {
          seconds: round(oursSame.seconds),
          cpuSeconds: round(oursSame.cpuSeconds),
          iterations: oursSame.fit.iterations,
          inertia: round(oursSame.fit.inertia, 2),
        },
        sklearn: {
          seconds: round(theirsSame.seconds),
          cpuSeconds: round(theirsSame.cpuSeconds),
          iterations: theirsSame.iterations,
          inertia: round(theirsSame.inertia, 2),
        },
        timeRatio: round(oursSame.seconds / theirsSame.seconds),
        cpuRatio: round(oursSame.cpuSeconds / theirsSame.cpuSeconds),
        inertiaRatio: round(oursSame.fit.inertia / theirsSame.inertia, 6),
      };
    }
    sklearn?.helper.close();

    let ml: Record<string, unknown> = { skipped: '--skip-ml-kmeans' };
    if (!args['skip-ml-kmeans']) {
      const converting = performance.now();
      const rows: number[][] = [];
      for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * d, (i + 1) * d)));
      const convertSeconds = (performance.now() - converting) / 1000;
      const started = performance.now();
      const result = mlKmeans(rows, k, { seed, maxIterations: 300 });
      const seconds = (performance.now() - started) / 1000;
      let inertia = 0;
      result.clusters.forEach((cluster, i) => {
        const centre = result.centroids[cluster];
        for (let j = 0; j < d; j++) inertia += (rows[i][j] - centre[j]) ** 2;
      });
      ml = {
        version: '7.0.1',
        seconds: round(seconds),
        convertSeconds: round(convertSeconds),
        iterations: result.iterations,
        converged: result.converged,
        inertia: round(inertia, 2),
      };
    }

    await pool?.close();
    const tailor = {
      ...summary(ours),
      // The first fit starts the threads and compiles the kernels; later ones find them ready
      // (unless --fresh-pool).
      firstFitSeconds: round(ours[0].seconds),
      poolStartSeconds: round(ours[0].poolSeconds),
      freshPoolEachFit: args['fresh-pool'],
    };
    const reference =
      theirs.length > 0
        ? { version: sklearn!.version, threads: theirs[0].threads, ...summary(theirs) }
        : undefined;
    const timeRatio = reference ? round(tailor.totalSeconds / reference.totalSeconds) : undefined;
    const cpuRatio = reference ? round(tailor.totalCpuSeconds / reference.totalCpuSeconds) : undefined;
    const inertiaRatio = reference ? round(tailor.medianInertia / reference.medianInertia, 6) : undefined;
    const line = {
      bench: 'segment',
      n,
      d,
      k,
      nInit: 1,
      rounds,
      seeds: Array.from({ length: rounds }, (_, r) => seed + r),
      threads: threads ?? 'one per core',
      tailor,
      sklearn: reference ?? { skipped: sklearnSkipped },
      timeRatio,
      cpuRatio,
      inertiaRatio,
      sameInit,
      mlKmeans: ml,
      mlKmeansTimeRatio:
        typeof ml.seconds === 'number' ? round(tailor.medianSeconds / ml.seconds, 5) : undefined,
      eventLoopMaxDelayMs: round(eventLoopMaxDelayMs, 1),
      mainThreadBusyShare: round(mainThreadBusy.active / (mainThreadBusy.active + mainThreadBusy.idle)),
      pass:
        timeRatio !== undefined && inertiaRatio !== undefined
          ? timeRatio <= 1 && Math.abs(inertiaRatio - 1) <= 0.005
          : undefined,
    };
    if (args.json) console.log(JSON.stringify(line));
    else console.log(JSON.stringify(line, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
