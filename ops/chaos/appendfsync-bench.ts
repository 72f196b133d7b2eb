/**
 * What `appendfsync always` costs against `everysec` on Tailor's embedded Redis, one JSON line:
 *   npm run --silent build:bench && node dist-bench/ops/chaos/appendfsync-bench.js [--jobs 4000] [--mails 3000] [--rounds 4]
 *
 * Both settings in the same run, after a discarded warm-up round of each, alternating which goes
 * first, each on a fresh redis-server started by
 * Tailor's own startRedisServer (so every other setting is Tailor's):
 * - jobs/s: BullMQ no-op jobs added with addBulk, then processed by one worker at concurrency 50
 *   (every completion is a write the AOF must take);
 * - mails/s: deliverBatch over a real SMTP sink in chunks of 500 (claim, send, mark as sent, with
 *   the delivery gate holding each SMTP slot until the mark is written, as dispatch does).
 * The machine's load average is printed with the figures: the ratio is what to read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { deliverBatch } from '../../src/dispatch/deliver-batch.js';
import { type EmailCampaign, prepareEmail } from '../../src/dispatch/prepare-email.js';
import { SendLedger } from '../../src/dispatch/send-ledger.js';
import { SmtpTransport } from '../../src/dispatch/smtp-transport.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { startRedisServer } from '../../src/queues/redis-server.js';
import { Mulberry32 as SeededRandom } from '../../src/util/mulberry32.js';
import { ChaosSink } from './chaos-sink.js';
import { repoRoot } from './repo-root.js';

type Fsync = 'everysec' | 'always';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '4000' },
    mails: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '4' },
  },
});
const JOBS = Number(values.jobs);
const MAILS = Number(values.mails);
const ROUNDS = Number(values.rounds);

const campaign: EmailCampaign = {
  campaignId: 'fsync-bench',
  template: 'default',
  // From dist-bench/ the installation's templates are found from the repository root.
  templatesDir: join(repoRoot(), 'templates', 'email'),
  sender: { name: 'Bench Shop', address: 'news@bench-shop.example.com', postalAddress: '1 Bench Lane' },
  brand: { name: 'Bench Shop' },
  currency: 'GBP',
  publicUrl: 'https://bench-shop.example.com',
};
const copy = {
  subject: 'Picked for you',
  preheader: 'A few favourites',
  body: 'Hello,\n\nWe picked a few things for you:\n\n- Teapot\n- Mug\n\nTake a look.',
};
const products = [{ title: 'Teapot', price: 12.5, url: 'https://bench-shop.example.com/p/1' }];

async function measureJobs(url: string, round: number): Promise<{ addPerSec: number; jobsPerSec: number }> {
  const connection = createRedisClient(url);
  const name = `bench-${round}`;
  const queue = new Queue(name, { connection });
  const addStart = performance.now();
  for (let i = 0; i < JOBS; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, JOBS - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })),
    );
  }
  const addSeconds = (performance.now() - addStart) / 1000;
  let done = 0;
  const start = performance.now();
  const workerConnection = createRedisClient(url);
  let worker: Worker | undefined;
  await new Promise<void>((resolve) => {
    worker = new Worker(name, async () => {}, { connection: workerConnection, concurrency: 50 });
    worker.on('completed', () => {
      if (++done === JOBS) resolve();
    });
  });
  const seconds = (performance.now() - start) / 1000;
  await worker?.close();
  await queue.close();
  workerConnection.disconnect();
  connection.disconnect();
  return { addPerSec: Math.round(JOBS / addSeconds), jobsPerSec: Math.round(JOBS / seconds) };
}

async function measureMails(url: string, sink: ChaosSink, round: number): Promise<number> {
  const redis = createRedisClient(url);
  const ledger = new SendLedger(redis);
  const suppression = new SuppressionList(redis);
  const transport = new SmtpTransport({ url: sink.url });
  const messages = Array.from({ length: MAILS }, (_, i) =>
    prepareEmail(
      { ...campaign, campaignId: `fsync-bench-${round}` },
      { id: `B${i}`, email: `bench-${i}@example.net`, firstName: 'Ann' },
      copy,
      products,
    ),
  );
  const start = performance.now();
  for (let i = 0; i < MAILS; i += 500) {
    await deliverBatch({
      campaignId: `fsync-bench-${round}`,
      messages: messages.slice(i, i + 500),
      ledger,
      suppression,
      transport,
    });
  }
  const seconds = (performance.now() - start) / 1000;
  await transport.close();
  redis.disconnect();
  return Math.round(MAILS / seconds);
}

async function measure(appendfsync: Fsync, sink: ChaosSink, round: number) {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-fsync-'));
  const server = await startRedisServer({ dataDir: dir, appendfsync });
  try {
    const jobs = await measureJobs(server.url, round);
    const mailsPerSec = await measureMails(server.url, sink, round);
    return { ...jobs, mailsPerSec };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sink = new ChaosSink({ hardBounces: new Set(), transientRate: 0, random: new SeededRandom(1) });
await sink.start();
const results: Record<Fsync, { addPerSec: number[]; jobsPerSec: number[]; mailsPerSec: number[] }> = {
  everysec: { addPerSec: [], jobsPerSec: [], mailsPerSec: [] },
  always: { addPerSec: [], jobsPerSec: [], mailsPerSec: [] },
};
// One discarded round of each first: JIT warm-up and first-connection costs land there.
for (const setting of ['everysec', 'always'] as const)
  await measure(setting, sink, 100 + (setting === 'always' ? 1 : 0));
const loadBefore = loadavg()[0];
for (let round = 0; round < ROUNDS; round++) {
  const order: Fsync[] = round % 2 === 0 ? ['everysec', 'always'] : ['always', 'everysec'];
  for (const setting of order) {
    const r = await measure(setting, sink, round * 2 + order.indexOf(setting));
    results[setting].addPerSec.push(r.addPerSec);
    results[setting].jobsPerSec.push(r.jobsPerSec);
    results[setting].mailsPerSec.push(r.mailsPerSec);
  }
}
await sink.stop();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (setting: Fsync) => ({
  addPerSec: median(results[setting].addPerSec),
  jobsPerSec: median(results[setting].jobsPerSec),
  mailsPerSec: median(results[setting].mailsPerSec),
  runs: results[setting],
});
const everysec = summary('everysec');
const always = summary('always');
process.stdout.write(
  `${JSON.stringify({
    bench: 'appendfsync',
    jobs: JOBS,
    mails: MAILS,
    rounds: ROUNDS,
    everysec,
    always,
    alwaysVsEverysec: {
      addPerSec: Math.round((always.addPerSec / everysec.addPerSec) * 100) / 100,
      jobsPerSec: Math.round((always.jobsPerSec / everysec.jobsPerSec) * 100) / 100,
      mailsPerSec: Math.round((always.mailsPerSec / everysec.mailsPerSec) * 100) / 100,
    },
    load: {
      before: Math.round(loadBefore * 100) / 100,
      after: Math.round(loadavg()[0] * 100) / 100,
      cpus: cpus().length,
    },
  })}\n`,
);
