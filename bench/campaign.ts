/**
 * One campaign to a whole synthetic retailer, end to end, on this machine (issue 10):
 *
 *   npm run bench:campaign -- --customers 100000 [--transport stream|smtp] [--json]
 *     [--workers 2] [--own-homes] [--seed 1] [--chunk-size 500] [--concurrency C] [--cpu-prof DIR] [--keep]
 *     [--worker-node-args='--single-threaded-gc --no-allocation-site-pretenuring' (the default)]
 *     [--worker-env='NAME=value ...' (none by default)] [--redis-args='--name value ...' (none by default)]
 *     [--data DIR] [--work DIR] [--cli PATH/bin/tailor.js] [--import-node-options=--max-semi-space-size=64]
 *
 * 1. Writes (or reuses) the synthetic retailer (bench:data) under .tailor/bench/data/.
 * 2. Starts a private redis-server as Tailor embeds it (AOF with appendfsync always, noeviction).
 * 3. Measures the reference: a no-op BullMQ worker on that Redis (raw-bullmq.ts), before the
 *    campaign and again after it; the better figure is reported.
 * 4. Imports the retailer with `tailor import` (a child process).
 * 5. Starts --workers `tailor worker` processes (all queues; one per core by default). With
 *    --own-homes each has its own TAILOR_HOME and reaches the snapshot the multi-machine way:
 *    published to a snapshot store, fetched by version (src/data/snapshot-publish.ts).
 * 6. Enqueues one campaign to every customer with an order, with the production methods this
 *    build has (k-means when wired, else RFM quantiles; the predictor StageMethods picks; template
 *    copy unless TAILOR_COPY_MODE says otherwise) and waits for it.
 * 7. Checks every eligible customer was sent exactly once (the send ledger against the data's
 *    own consent count), and prints one JSON line.
 *
 * `emailsPerSecond` is mails sent over the dispatch stage's wall time (first send-chunk job
 * start to last end); `rawBullmqJobsPerSecond` is the reference's no-op jobs per second. Every
 * process's own peak RSS, CPU and garbage-collection time come from rss-report.ts; Redis's peak
 * memory from INFO (used_memory_peak).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { CampaignStore } from '../src/campaigns/campaign-store.js';
import { dispatchChunkSize, enqueueCampaign, waitForRun } from '../src/campaigns/enqueue-campaign.js';
import { progressBar } from '../src/cli/progress.js';
import { snapshotDir } from '../src/data/snapshot-catalog.js';
import { publishSnapshot } from '../src/data/snapshot-publish.js';
import { SendLedger } from '../src/dispatch/send-ledger.js';
import { parseCampaignSpec } from '../src/queues/campaign-spec.js';
import { createRedisClient, parseInfo } from '../src/queues/redis-connection.js';
import { startRedisServer } from '../src/queues/redis-server.js';
import { TailorQueues } from '../src/queues/tailor-queues.js';
import { SnapshotCache } from '../src/workers/snapshot-cache.js';
import { StageMethods } from '../src/workers/stage-methods.js';
import { BenchArgs, REPO_ROOT, UCI_ONLINE_RETAIL } from './bench-args.js';
import { BenchProcess, type ProcessReport } from './bench-process.js';
import { CpuSampler, STOLEN, stolenSeconds } from './cpu-sampler.js';
import { round, stageTimings } from './stage-timings.js';
import { writeSyntheticRetailer } from './synthetic-retailer.js';

const args = new BenchArgs();
const customers = args.integer('customers');
const transport = args.string('transport', 'stream');
if (transport !== 'stream' && transport !== 'smtp') throw new Error('--transport must be stream or smtp');
const workerCount = args.integer('workers', cpus().length);
const seed = args.integer('seed', 1);
const ownHomes = args.has('own-homes');
const json = args.has('json');
const cpuProf = args.has('cpu-prof') ? resolve(args.string('cpu-prof')) : undefined;
const chunkSize = args.integer('chunk-size', dispatchChunkSize());
// Node flags of each `tailor worker` and of the reference, as ops/ starts workers: with one
// worker process per core, --single-threaded-gc keeps V8's GC helper threads from competing with
// the other workers (3-5 % less CPU per mail here), and --no-allocation-site-pretenuring keeps V8
// from moving a hot allocation site's objects to the old generation, behind the scavenge storms of
// ops/README ("Sizing and measured figures"). `--worker-node-args=` for Node's defaults.
// (A V8 flag NODE_OPTIONS does not take, nor v8.setFlagsFromString once the heap exists.)
const WORKER_NODE_FLAGS = '--single-threaded-gc --no-allocation-site-pretenuring';
const workerNodeArgs = args.words('worker-node-args', WORKER_NODE_FLAGS);
// Extra environment of each `tailor worker` and of the reference, none by default: for measuring
// settings such as glibc malloc's (`--worker-env='MALLOC_TRIM_THRESHOLD_=268435456
// MALLOC_MMAP_THRESHOLD_=4194304'`: a quarter fewer page faults, CPU inside the noise; ops/README.md).
const workerEnv = args.envPairs('worker-env', '');
// Extra redis-server arguments, none by default: for measuring Redis settings, such as how often
// it rewrites its AOF (`--redis-args='--auto-aof-rewrite-min-size 1gb'`).
const redisArgs = args.words('redis-args', '');
// Jobs in parallel per queue in each worker (`tailor worker --concurrency`); default per stage.
const workerArgs = args.has('concurrency') ? ['--concurrency', String(args.integer('concurrency'))] : [];
// NODE_OPTIONS of the import process: a larger young generation cuts its CPU by about 40 % (GC
// was a third of it), as ops/README.md recommends; `--import-node-options=` measures Node's
// defaults. Workers run with Node's defaults (the same flag did not change their CPU per mail).
const importNodeOptions = args.string('import-node-options', '--max-semi-space-size=64');
process.env.TAILOR_CHUNK_SIZE = String(chunkSize);
const bench = resolve(REPO_ROOT, '.tailor', 'bench');
const dataDir = resolve(args.string('data', join(bench, 'data', `retail-${customers}-s${seed}`)));
const work = resolve(args.string('work', join(bench, 'run')));
// Another build's CLI (e.g. a checkout with a proposed patch) for A/B runs on the same data.
const cli = resolve(args.string('cli', join(REPO_ROOT, 'bin', 'tailor.js')));
const say = (line: string) => {
  if (!json) process.stderr.write(`${line}\n`);
};

const loadBefore = loadavg()[0];
const data = await writeSyntheticRetailer({
  source: args.string('source', UCI_ONLINE_RETAIL),
  customers,
  out: dataDir,
  seed,
});
say(
  `data: ${data.orderLines} order lines in ${data.dir}${data.cached ? ' (reused)' : ` (${data.seconds} s)`}`,
);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// Let the disk finish writing back what the last run left (gigabytes at a million customers):
// with appendfsync always, a busy disk slowed the reference measured next by half.
execFileSync('sync');
const reports = join(work, 'reports');
mkdirSync(reports);
const redisServer = await startRedisServer({ dataDir: join(work, 'redis'), extraArgs: redisArgs });
const redis = createRedisClient(redisServer.url);
const started: BenchProcess[] = [];
try {
  // The reference, on the same Redis, before and after the campaign (on a shared machine one of
  // the two may catch a busy moment): the better of the two is the bar.
  const measureRaw = async (label: string) => {
    // The reference runs with the workers' Node flags and environment too: the same tuning on
    // both sides.
    const raw = new BenchProcess(label, [join(import.meta.dirname, 'raw-bullmq.js'), redisServer.url], {
      env: workerEnv,
      reportDir: reports,
      nodeArgs: workerNodeArgs,
    });
    const stolenBefore = stolenSeconds();
    const startedAt = performance.now();
    const done = await raw.finished();
    const stolenAfter = stolenSeconds();
    const stolen = asCores(
      stolenBefore === null || stolenAfter === null ? null : stolenAfter - stolenBefore,
      (performance.now() - startedAt) / 1000,
    );
    // Its figures are its last JSON line: V8 may print around it (--trace-gc, --trace-deopt).
    const figuresLine = done.stdout.split('\n').findLast((line) => line.startsWith('{')) ?? '';
    const figures = JSON.parse(figuresLine) as { jobsPerSecond: number };
    return { ...figures, report: done.report, stolen };
  };
  const rawBefore = await measureRaw('raw-bullmq-before');
  say(`reference: no-op BullMQ worker ${rawBefore.jobsPerSecond} jobs/s`);

  const home = join(work, 'home');
  const baseEnv: NodeJS.ProcessEnv = {
    REDIS_URL: redisServer.url,
    TAILOR_HOME: home,
    TAILOR_COPY_MODE: process.env.TAILOR_COPY_MODE ?? 'template',
    // Workers with their own homes must share the link secret, as on several machines.
    TAILOR_SECRET: process.env.TAILOR_SECRET ?? 'bench-campaign-link-secret-0123456789abcdef',
  };
  const profileArgs = (label: string) =>
    cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProf, label)}`] : [];
  const nodeArgs = (label: string) =>
    label === 'import' ? profileArgs(label) : [...workerNodeArgs, ...profileArgs(label)];

  const totalStarted = performance.now();
  const importer = new BenchProcess(
    'import',
    [
      cli,
      'import',
      '--name',
      'retail',
      '--orders',
      data.files.orders,
      '--customers',
      data.files.customers,
      '--products',
      data.files.products,
      '--json',
    ],
    {
      env: { ...baseEnv, NODE_OPTIONS: importNodeOptions },
      reportDir: reports,
      nodeArgs: nodeArgs('import'),
    },
  );
  started.push(importer);
  const imported = await importer.finished();
  const importSeconds = (performance.now() - totalStarted) / 1000;
  const summary = JSON.parse(imported.stdout.trim().split('\n').at(-1) ?? '{}') as {
    orderLines: number;
    customers: number;
    files: Record<string, { accepted: number; rejected: number; skipped: Record<string, number> }>;
  };
  const inputRows = Object.values(summary.files).reduce(
    (sum, f) => sum + f.accepted + f.rejected + Object.values(f.skipped).reduce((a, b) => a + b, 0),
    0,
  );
  say(`import: ${summary.orderLines} order lines in ${round(importSeconds)} s`);

  let publishSeconds = 0;
  const store = ownHomes ? join(work, 'snapshot-store') : undefined;
  if (store) {
    const publishStarted = performance.now();
    await publishSnapshot(store, snapshotDir(home, 'retail'));
    publishSeconds = (performance.now() - publishStarted) / 1000;
  }

  let sink: BenchProcess | undefined;
  let smtpUrl: string | undefined;
  if (transport === 'smtp') {
    sink = new BenchProcess('smtp-sink', [join(import.meta.dirname, 'smtp-sink.js')], { reportDir: reports });
    started.push(sink);
    await sink.waitFor('"url"');
    smtpUrl = (JSON.parse(sink.output.stdout.trim().split('\n')[0]) as { url: string }).url;
  }
  const workers = Array.from({ length: workerCount }, (_, i) => {
    const label = `worker-${i + 1}`;
    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      ...workerEnv,
      ...(ownHomes ? { TAILOR_HOME: join(work, label), TAILOR_SNAPSHOT_STORE: store } : {}),
      ...(smtpUrl ? { SMTP_URL: smtpUrl } : {}),
    };
    const worker = new BenchProcess(label, [cli, 'worker', '--transport', transport, ...workerArgs], {
      env,
      reportDir: reports,
      nodeArgs: nodeArgs(label),
    });
    started.push(worker);
    return worker;
  });
  await Promise.all(workers.map((w) => w.waitFor('tailor worker')));

  const queues = new TailorQueues(redis);
  const campaignStore = new CampaignStore(redis);
  const snapshots = new SnapshotCache(home, store);
  const segmentation = segmentationMethod(home);
  const spec = parseCampaignSpec({
    id: 'bench',
    name: `Bench campaign, ${customers} customers`,
    dataset: 'retail',
    audience: { minOrders: 1 },
    channels: ['email'],
    template: 'default',
    sender: {
      name: 'Tailor Gift Shop',
      email: 'hello@shop.example.com',
      postalAddress: '1 Example Street, London',
    },
    brand: { name: 'Tailor Gift Shop' },
    segmentation: { method: segmentation },
    currency: 'GBP',
    products: 3,
    publicUrl: 'https://shop.example.com',
  });
  const cpu = new CpuSampler({
    redis: redisServer.process.pid,
    bench: process.pid,
    ...Object.fromEntries(workers.map((w, i) => [`worker-${i + 1}`, w.child.pid])),
  });
  const redisCpuSeconds = async () => {
    const cpu = parseInfo(await redis.info('cpu'));
    return Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys);
  };
  const redisCpuBefore = await redisCpuSeconds();
  await redis.config('RESETSTAT'); // command statistics of the campaign alone
  const enqueuedAt = Date.now();
  const run = await enqueueCampaign(
    { store: campaignStore, queues, openSnapshot: (d) => snapshots.get(d) },
    spec,
  );
  const ledger = new SendLedger(redis);
  const expected = data.customers - data.consentFalse;
  const bar = json ? undefined : progressBar(`campaign ${customers}`);
  const finished = await waitForRun(
    campaignStore,
    run.runId,
    async (r) => bar?.update((await ledger.counts(r.campaignId)).sent, expected, r.state),
    500,
  );
  const campaignSeconds = (Date.now() - enqueuedAt) / 1000;
  const totalSeconds = (performance.now() - totalStarted) / 1000;
  bar?.stop();
  if (finished.state !== 'completed')
    throw new Error(`run ${run.runId} ended ${finished.state}: ${finished.error}`);

  const stages = await stageTimings(queues, finished, enqueuedAt);
  cpu.stop();
  // CPU each process spent within the dispatch stage's span: where the mails' time went.
  const dispatchFrom = enqueuedAt + stages.dispatch.startedAfter * 1000;
  const dispatchTo = dispatchFrom + stages.dispatch.seconds * 1000;
  const dispatchCpu = (name: string) => {
    const seconds = cpu.between(name, dispatchFrom, dispatchTo);
    return seconds === null ? null : round(seconds);
  };
  const dispatchCpuSeconds = {
    workers: workers.map((_, i) => dispatchCpu(`worker-${i + 1}`)),
    redis: dispatchCpu('redis'),
    bench: dispatchCpu('bench'),
  };
  const dispatchCpuTotal = [...dispatchCpuSeconds.workers, dispatchCpuSeconds.redis, dispatchCpuSeconds.bench]
    .filter((v): v is number => v !== null)
    .reduce((a, b) => a + b, 0);
  const counts = await ledger.counts(run.campaignId);
  const generate = await campaignStore.chunkTotals(run.runId, 'generate');
  const dispatch = await campaignStore.chunkTotals(run.runId, 'dispatch');
  const memory = parseInfo(await redis.info('memory'));
  const redisCampaignCpu = (await redisCpuSeconds()) - redisCpuBefore;
  // AOF rewrites fork a child that writes the whole dataset: CPU and disk the workers also want.
  const redisCpuInfo = parseInfo(await redis.info('cpu'));
  const persistence = parseInfo(await redis.info('persistence'));
  const redisAof = {
    rewrites: Number(persistence.aof_rewrites ?? 0),
    sizeMbAtEnd: Math.round(Number(persistence.aof_current_size ?? 0) / 1048576),
    childCpuSeconds: round(
      Number(redisCpuInfo.used_cpu_user_children) + Number(redisCpuInfo.used_cpu_sys_children),
    ),
  };
  // Where Redis spent the campaign's time: the commands by total µs (Lua scripts count as
  // `evalsha`, and the commands they call count again by name).
  const redisCommands = Object.entries(parseInfo(await redis.info('commandstats')))
    .map(([name, stats]) => {
      const fields = Object.fromEntries(stats.split(',').map((kv) => kv.split('=')));
      return {
        command: name.replace(/^cmdstat_/, ''),
        calls: Number(fields.calls),
        seconds: Number(fields.usec) / 1e6,
      };
    })
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 8)
    .map((c) => ({ ...c, seconds: round(c.seconds) }));
  const workerReports = await Promise.all(workers.map((w) => w.stop()));
  const sinkReport = sink ? await sink.stop() : null;
  // What reached the SMTP sink: every sent mail once, nothing more.
  const sinkReceived = sink
    ? (JSON.parse(sink.output.stdout.trim().split('\n').at(-1) ?? '{}') as {
        messages: number;
        bytes: number;
      })
    : undefined;
  const rawAfter = await measureRaw('raw-bullmq-after');
  const rawJobsPerSecond = Math.max(rawBefore.jobsPerSecond, rawAfter.jobsPerSecond);
  await queues.close();
  await snapshots.close();

  const failed = Object.values(counts.failed).reduce((a, b) => a + b, 0);
  const exactlyOnce =
    counts.sent === expected &&
    counts.sending === 0 &&
    failed === 0 &&
    counts.total === customers &&
    (sinkReceived === undefined || sinkReceived.messages === counts.sent);
  const mb = (report: ProcessReport | null) => report?.peakRssMb ?? null;
  const result = {
    customers,
    orderLines: summary.orderLines,
    workers: workerCount,
    transport,
    ownHomes,
    importNodeOptions,
    workerNodeArgs: workerNodeArgs.join(' '),
    workerEnv,
    redisArgs: redisArgs.join(' '),
    segmentation: finished.segmenter,
    predictor: finished.predictor,
    copywriter: finished.copywriter,
    importSeconds: round(importSeconds),
    importLinesPerSecond: Math.round(inputRows / importSeconds),
    publishSeconds: round(publishSeconds),
    segmentSeconds: stages.segment.seconds,
    predictSeconds: stages.predict.seconds,
    generateSeconds: stages.generate.seconds,
    dispatchSeconds: stages.dispatch.seconds,
    campaignSeconds: round(campaignSeconds),
    totalSeconds: round(totalSeconds),
    stageStartedAfterSeconds: Object.fromEntries(Object.entries(stages).map(([k, s]) => [k, s.startedAfter])),
    sent: counts.sent,
    expectedSent: expected,
    exactlyOnce,
    ...(sinkReceived ? { smtpSinkMessages: sinkReceived.messages } : {}),
    skipped: counts.skipped,
    failed: counts.failed,
    dispatchChunks: finished.chunks,
    emailsPerSecond: Math.round(counts.sent / stages.dispatch.seconds),
    dispatchCpuSeconds,
    dispatchCoresBusy: round(dispatchCpuTotal / stages.dispatch.seconds),
    dispatchCpuMicrosPerMail: Math.round((dispatchCpuTotal * 1e6) / Math.max(1, counts.sent)),
    rawBullmqJobsPerSecond: rawJobsPerSecond,
    rawBullmqRuns: [rawBefore.jobsPerSecond, rawAfter.jobsPerSecond],
    // Cores' worth of CPU the host gave to other guests meanwhile: noise, not Tailor's doing.
    stolenCores: {
      dispatch: asCores(cpu.between(STOLEN, dispatchFrom, dispatchTo), stages.dispatch.seconds),
      rawBullmqRuns: [rawBefore.stolen, rawAfter.stolen],
    },
    emailsOverRawJobs: round(counts.sent / stages.dispatch.seconds / rawJobsPerSecond),
    llmCalls: generate.generateCalls ?? 0,
    copyKeys: generate.copyKeys ?? 0,
    peakRssMb: {
      import: mb(imported.report),
      workers: workerReports.map(mb),
      rawBullmq: mb(rawBefore.report),
      bench: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(sink ? { smtpSink: mb(sinkReport) } : {}),
    },
    cpuSeconds: {
      import: imported.report?.cpuSeconds ?? null,
      workers: workerReports.map((r) => r?.cpuSeconds ?? null),
      workersInKernel: workerReports.map((r) => r?.systemCpuSeconds ?? null),
      ...(sink ? { smtpSink: sinkReport?.cpuSeconds ?? null } : {}),
      bench: round(process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6),
      // Redis while the campaign ran (enqueue to completed).
      redis: round(redisCampaignCpu),
    },
    gcSeconds: {
      import: imported.report?.gcSeconds ?? null,
      workers: workerReports.map((r) => r?.gcSeconds ?? null),
    },
    // To tell a slow run's causes apart: more collections (more garbage or survivors) or slower
    // ones, and page faults (memory the kernel had to map in).
    gcCount: { workers: workerReports.map((r) => r?.gcCount ?? null) },
    pageFaults: { workers: workerReports.map((r) => r?.pageFaults ?? null) },
    redisTopCommands: redisCommands,
    redisAof,
    redisPeakMemoryMb: Math.round(Number(memory.used_memory_peak) / 1048576),
    redisMemoryAtEndMb: Math.round(Number(memory.used_memory) / 1048576),
    dispatchStats: dispatch,
    loadAverageBefore: round(loadBefore),
    cores: cpus().length,
    dataCached: data.cached,
  };
  console.log(JSON.stringify(result));
  if (!exactlyOnce) process.exitCode = 1;
} finally {
  await Promise.all(started.map((p) => p.stop()));
  redis.disconnect();
  await redisServer.stop();
  if (!args.has('keep')) rmSync(work, { recursive: true, force: true });
}

/** k-means when this build wires it into StageMethods, else RFM quantiles. */
function segmentationMethod(home: string): 'kmeans' | 'rfm-quantile' {
  const methods = new StageMethods(home, redis);
  try {
    methods.segmenter('kmeans');
    return 'kmeans';
  } catch {
    return 'rfm-quantile';
  }
}

/** CPU seconds over a span of wall-clock seconds, as cores (null when the machine does not say). */
function asCores(cpuSeconds: number | null, seconds: number): number | null {
  return cpuSeconds === null || seconds <= 0 ? null : round(cpuSeconds / seconds);
}
