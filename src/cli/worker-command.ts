import type { Command } from 'commander';
import { isQueueName, QUEUE_NAMES, type QueueName } from '../queues/queue-names.js';
import { closeStageContext, createStageContext } from '../workers/stage-context.js';
import { startWorkers } from '../workers/worker-pool.js';
import { untilSignal, withRuntime } from './cli-runtime.js';

export function parseQueueList(list: string): QueueName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isQueueName(name))
      throw new Error(`--queues: unknown queue '${name}' (queues: ${QUEUE_NAMES.join(', ')})`);
  }
  return names as QueueName[];
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run stage workers until SIGTERM/SIGINT; any number may share one Redis')
    .option('--queues <list>', `comma-separated queues (${QUEUE_NAMES.join(',')})`, QUEUE_NAMES.join(','))
    .option('--concurrency <n>', 'jobs in parallel per queue (default per stage)')
    .action(async (options: { queues: string; concurrency?: string }) => {
      const queues = parseQueueList(options.queues);
      const concurrency = options.concurrency ? Number(options.concurrency) : undefined;
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new Error('--concurrency must be a positive integer');
      }
      await withRuntime(async (runtime) => {
        const context = createStageContext({
          redis: runtime.redis.client,
          queues: runtime.queues,
          home: runtime.home,
        });
        const pool = startWorkers(context, {
          queues,
          concurrency: concurrency ? Object.fromEntries(queues.map((q) => [q, concurrency])) : undefined,
        });
        process.stderr.write(`tailor worker ${process.pid}: ${queues.join(', ')} on ${runtime.redis.url}\n`);
        const signal = await untilSignal();
        process.stderr.write(`tailor worker ${process.pid}: ${signal}, finishing jobs in flight\n`);
        await pool.close();
        await closeStageContext(context);
      });
    });
}
