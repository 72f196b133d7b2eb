/**
 * The reference of bench:campaign: a no-op BullMQ worker on the same Redis, run as its own
 * process like a `tailor worker`. Adds JOBS jobs with Tailor's default job options (addBulk,
 * 1,000 at a time), then one Worker at concurrency CONCURRENCY completes them doing nothing;
 * prints `{"jobs", "addPerSecond", "jobsPerSecond"}` and removes its queue.
 *
 *   node dist-bench/bench/raw-bullmq.js REDIS_URL [JOBS] [CONCURRENCY]
 */
import { Queue, Worker } from 'bullmq';
import { createRedisClient } from '../src/queues/redis-connection.js';
import { DEFAULT_JOB_OPTIONS } from '../src/queues/tailor-queues.js';

const [url, jobsArg = '30000', concurrencyArg = '50'] = process.argv.slice(2);
if (!url) throw new Error('usage: raw-bullmq.js REDIS_URL [JOBS] [CONCURRENCY]');
const jobs = Number(jobsArg);
const concurrency = Number(concurrencyArg);
const prefix = '{bench-noop}';
const connection = createRedisClient(url);
const queue = new Queue('noop', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
await queue.obliterate({ force: true });

const addStarted = performance.now();
for (let at = 0; at < jobs; at += 1000) {
  const batch = Array.from({ length: Math.min(1000, jobs - at) }, (_, i) => ({
    name: 'noop',
    data: { runId: 'bench', chunk: at + i, start: 0, end: 0 },
  }));
  await queue.addBulk(batch);
}
const addSeconds = (performance.now() - addStarted) / 1000;

let completed = 0;
let started = 0;
const done = new Promise<void>((resolve) => {
  const worker = new Worker('noop', async () => {}, { connection, prefix, concurrency, autorun: false });
  worker.on('completed', () => {
    if (++completed === jobs) {
      const seconds = (performance.now() - started) / 1000;
      void worker.close().then(async () => {
        await queue.obliterate({ force: true });
        await queue.close();
        connection.disconnect();
        console.log(
          JSON.stringify({
            jobs,
            concurrency,
            addPerSecond: Math.round(jobs / addSeconds),
            jobsPerSecond: Math.round(jobs / seconds),
          }),
        );
        resolve();
      });
    }
  });
  started = performance.now();
  void worker.run();
});
await done;
