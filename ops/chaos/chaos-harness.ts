import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { CampaignStore } from '../../src/campaigns/campaign-store.js';
import { ledgerField, SendLedger } from '../../src/dispatch/send-ledger.js';
import { QUEUE_NAMES, queuePrefix } from '../../src/queues/queue-names.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { Mulberry32 as SeededRandom } from '../../src/util/mulberry32.js';
import { type ChaosReport, tallyChaosRun } from './chaos-report.js';
import { ChaosSink } from './chaos-sink.js';
import { RedisUnderTest } from './redis-under-test.js';
import { tailorBin } from './repo-root.js';
import { writeSyntheticShop } from './synthetic-shop.js';
import { WorkerFleet } from './worker-fleet.js';

export interface ChaosOptions {
  customers: number;
  seed: number;
  /** `tailor worker` processes kept running (default 3). */
  workers?: number;
  /** A random worker is SIGKILLed every killMinMs–killMaxMs (default 1–4 s); 0 turns kills off. */
  killMinMs?: number;
  killMaxMs?: number;
  /** Redis is SIGTERMed and restarted once this share of the eligible mail went out, SIGKILLed at the second. */
  redisFaultsAt?: [terminate: number, kill: number];
  /** Share of messages the relay answers 451 (default 0.1). */
  transientRate?: number;
  /** How long the relay takes to answer each recipient (default CHAOS_RELAY_MS). */
  relayMs?: number;
  /** Customers per dispatch chunk (default CHAOS_CHUNK_SIZE). */
  chunkSize?: number;
  /** Give up after this long (default 20 min). */
  timeoutMs?: number;
  /** Keep the work directory (data, Redis AOF, worker logs) for inspection. */
  keep?: boolean;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

/** BullMQ and lease timings for the run: short, so a killed worker's jobs come back within seconds. */
export const CHAOS_WORKER_ENV = {
  TAILOR_LOCK_DURATION_MS: '5000',
  TAILOR_STALLED_INTERVAL_MS: '1000',
  TAILOR_SEND_LEASE_MS: '3000',
  TAILOR_COPY_MODE: 'template',
} as const;

/**
 * Customers per dispatch chunk in a chaos run. Every kill stalls all the chunks its victim holds
 * (four at a time), and BullMQ fails a job that stalls more than maxStalledCount (5) times: with
 * Tailor's default of 500 a chunk lives long enough under a kill every 1–4 s to be killed six
 * times (seen at 10,000 customers; at 100 too, once in three runs); at 50 the work spreads over
 * more, shorter jobs.
 */
export const CHAOS_CHUNK_SIZE = 50;

/**
 * The relay's answer time per recipient: a relay across the internet, not one on loopback. It
 * also makes a 10,000-customer run last long enough for the 20 or more kills issue 8 asks for at
 * a kill every 1–4 s (at 0 ms the run is over in about 30 s on a quiet 2-core machine; at 40 ms
 * it takes about a minute).
 */
export const CHAOS_RELAY_MS = 40;

const SENDER = { name: 'Chaos Homeware', email: 'news@chaos-shop.example.com', postalAddress: '1 Test Lane' };

/**
 * One chaos run (issue 8): a synthetic shop imported with `tailor import`, Tailor's own Redis,
 * an SMTP sink that answers 451 at random and 550 to a fixed list, three `tailor worker`
 * processes, one campaign enqueued with `tailor campaign enqueue`. While it runs a random worker
 * is SIGKILLed every 1–4 s and replaced, Redis is SIGTERMed once and SIGKILLed once (each time
 * restarted from its AOF on the same port). At the end what the sink received is counted
 * against the shop.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const events: { at: number; event: string }[] = [];
  const log = (line: string) => {
    events.push({ at: performance.now(), event: line });
    options.log?.(line);
  };
  const random = new SeededRandom(options.seed);
  const work = mkdtempSync(join(tmpdir(), 'tailor-chaos-'));
  const home = join(work, 'home');
  const logDir = join(work, 'logs');
  mkdirSync(logDir, { recursive: true });
  const bin = tailorBin();
  const redis = new RedisUnderTest(join(work, 'redis'));
  let sink: ChaosSink | undefined;
  let fleet: WorkerFleet | undefined;
  let client: ReturnType<typeof createRedisClient> | undefined;
  try {
    const shop = await writeSyntheticShop(join(work, 'input'), options.customers, options.seed);
    sink = new ChaosSink({
      hardBounces: shop.hardBounces,
      random: new SeededRandom(options.seed ^ 0x451),
      transientRate: options.transientRate,
      recipientDelayMs: options.relayMs ?? CHAOS_RELAY_MS,
    });
    const relay = sink;
    await Promise.all([redis.start(), relay.start()]);
    log(`redis ${redis.url}, smtp sink ${relay.url}, work dir ${work}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: redis.url,
      SMTP_URL: relay.url,
      TAILOR_HOME: home,
      ...CHAOS_WORKER_ENV,
      TAILOR_CHUNK_SIZE: String(options.chunkSize ?? CHAOS_CHUNK_SIZE),
    };
    const imported = await runCommand(
      bin,
      ['import', '--name', 'chaos', '--orders', shop.files.orders, '--customers', shop.files.customers,
        '--products', shop.files.products, '--json'],
      env,
    ); // biome-ignore format: the import command reads best on two lines
    log(`imported ${imported.trim()}`);

    const campaignId = `chaos-${options.seed >>> 0}`;
    const specPath = join(work, 'campaign.json');
    writeFileSync(
      specPath,
      JSON.stringify({
        id: campaignId,
        name: `Chaos run ${options.seed}`,
        dataset: 'chaos',
        channels: ['email'],
        template: 'default',
        sender: SENDER,
        brand: { name: SENDER.name },
        currency: 'GBP',
        publicUrl: 'https://chaos-shop.example.com',
      }),
    );

    fleet = new WorkerFleet({ bin, env, size: options.workers ?? 3, logDir });
    fleet.start();
    const started = performance.now();
    const enqueued = JSON.parse(await runCommand(bin, ['campaign', 'enqueue', specPath, '--json'], env)) as {
      runId: string;
    };
    log(`enqueued run ${enqueued.runId}`);

    client = createRedisClient(redis.url);
    const store = new CampaignStore(client);
    const eligible = shop.customers.filter((c) => c.consent).length;
    const [terminateAt, killAt] = options.redisFaultsAt ?? [0.2, 0.55];
    const timeoutMs = options.timeoutMs ?? 20 * 60_000;
    const killMin = options.killMinMs ?? 1000;
    const killMax = options.killMaxMs ?? 4000;
    let nextKill = killMin > 0 ? performance.now() + random.int(killMin, killMax) : Infinity;
    let redisFault: Promise<void> | null = null;
    let faultsDone = 0;
    let state = 'queued';
    let lastLog = 0;
    for (;;) {
      await pause(50);
      const now = performance.now();
      if (now - started > timeoutMs) {
        state = `timed out (${state})`;
        break;
      }
      if (now >= nextKill) {
        const victim = fleet.killRandom(random);
        if (options.keep) log(`SIGKILL worker ${victim?.pid}`);
        nextKill = now + random.int(killMin, killMax);
      }
      const delivered = relay.deliveries.length / Math.max(1, eligible);
      if (!redisFault && faultsDone === 0 && delivered >= terminateAt) {
        log(`SIGTERM redis at ${relay.deliveries.length} deliveries`);
        redisFault = redis.terminateAndRestart().finally(() => {
          redisFault = null;
          faultsDone = 1;
        });
      } else if (!redisFault && faultsDone === 1 && delivered >= killAt) {
        log(`SIGKILL redis at ${relay.deliveries.length} deliveries`);
        redisFault = redis.killAndRestart().finally(() => {
          redisFault = null;
          faultsDone = 2;
        });
      }
      if (redisFault) continue; // the store cannot answer while Redis is down
      if (now - lastLog > 2000) {
        lastLog = now;
        log(
          `${state}: ${relay.deliveries.length} deliveries, ${fleet.kills} kills, ${redis.restarts} redis restarts`,
        );
      }
      state = (await store.getRun(enqueued.runId))?.state ?? 'missing';
      if (['completed', 'failed', 'cancelled'].includes(state)) break;
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    while (redisFault) await redisFault;
    await fleet.stop();

    const failedJobs = await failedJobReasons(client);
    for (const failed of failedJobs) log(`failed job ${failed}`);
    const ledger = new SendLedger(client);
    const states = new Map<string, string>();
    const fields = shop.customers.map((c) => ledgerField(c.id, 'email'));
    for (let i = 0; i < fields.length; i += 5000) {
      const slice = fields.slice(i, i + 5000);
      const values = await ledger.states(campaignId, slice);
      values.forEach((value, j) => {
        if (value !== null) states.set(shop.customers[i + j].id, value);
      });
    }
    return tallyChaosRun(
      {
        customers: shop.customers,
        deliveries: relay.deliveries,
        ledger: states,
        campaignId,
        senderDomain: SENDER.email.split('@')[1],
      },
      {
        workerKills: fleet.kills,
        redisRestarts: redis.restarts,
        smtpTransientFailures: relay.transientFailures,
        seconds,
        seed: options.seed,
        runState: state,
        workerRestarts: fleet.unexpectedExits,
        failedJobs: failedJobs.length,
      },
    );
  } finally {
    await fleet?.stop(5_000);
    client?.disconnect();
    await redis.stop();
    await sink?.stop();
    if (options.keep) {
      // What happened when, for reading a run afterwards.
      const lines = [
        ...events.map((e) => ({ at: Math.round(e.at), event: e.event })),
        ...(sink?.deliveries ?? []).map((d) => ({ at: Math.round(d.at), messageId: d.messageId, to: d.to })),
      ].sort((a, b) => a.at - b.at);
      writeFileSync(join(work, 'timeline.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n'));
      log(`kept ${work}`);
    } else rmSync(work, { recursive: true, force: true });
  }
}

/** `queue/jobId: reason` of every job that failed for good, in every queue. */
async function failedJobReasons(connection: ReturnType<typeof createRedisClient>): Promise<string[]> {
  const out: string[] = [];
  for (const name of QUEUE_NAMES) {
    const queue = new Queue(name, { connection, prefix: queuePrefix() });
    for (const job of await queue.getFailed()) out.push(`${name}/${job.id}: ${job.failedReason}`);
    await queue.close();
  }
  return out;
}

/** Runs a `tailor` command to completion and returns its stdout; a failure names the command. */
function runCommand(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`tailor ${args.slice(0, 2).join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
