import type { Command } from 'commander';
import { snapshotStoreFromEnv } from '../data/snapshot-publish.js';
import { isQueueName, QUEUE_NAMES, type QueueName } from '../queues/queue-names.js';
import { closeStageContext, createStageContext, type TransportKind } from '../workers/stage-context.js';
import { startWorkers } from '../workers/worker-pool.js';
import { untilSignal, withRuntime } from './cli-runtime.js';

const TRANSPORTS: readonly TransportKind[] = ['outbox', 'smtp', 'stream'];

export function parseQueueList(list: string, option = '--queues'): QueueName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isQueueName(name))
      throw new Error(`${option}: unknown queue '${name}' (queues: ${QUEUE_NAMES.join(', ')})`);
  }
  return names as QueueName[];
}

/**
 * The mail transport of this worker: --transport, else TAILOR_TRANSPORT, else SMTP when SMTP_URL
 * is set, else the file outbox. `stream` builds every message through nodemailer and drops it
 * (benchmarks, load tests): it delivers nowhere.
 */
export function parseTransport(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TransportKind | undefined {
  const value = option ?? env.TAILOR_TRANSPORT;
  if (value === undefined || value === '') return undefined;
  if (!(TRANSPORTS as readonly string[]).includes(value)) {
    const source = option === undefined ? 'TAILOR_TRANSPORT' : '--transport';
    throw new Error(`${source}: unknown transport '${value}' (transports: ${TRANSPORTS.join(', ')})`);
  }
  return value as TransportKind;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run stage workers until SIGTERM/SIGINT; any number, on any machines, may share one Redis')
    .option('--queues <list>', `comma-separated queues (${QUEUE_NAMES.join(',')})`, QUEUE_NAMES.join(','))
    .option('--concurrency <n>', 'jobs in parallel per queue (default per stage)')
    .option(
      '--transport <kind>',
      `mail transport: ${TRANSPORTS.join(' | ')} (default: TAILOR_TRANSPORT, else smtp with SMTP_URL, else outbox)`,
    )
    .action(async (options: { queues: string; concurrency?: string; transport?: string }) => {
      const queues = parseQueueList(options.queues);
      const concurrency = options.concurrency ? Number(options.concurrency) : undefined;
      if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
        throw new Error('--concurrency must be a positive integer');
      }
      const transport = parseTransport(options.transport);
      await withRuntime(async (runtime) => {
        const context = createStageContext({
          redis: runtime.redis.client,
          queues: runtime.queues,
          home: runtime.home,
          delivery: transport ? { transport } : undefined,
        });
        const pool = startWorkers(context, {
          queues,
          concurrency: concurrency ? Object.fromEntries(queues.map((q) => [q, concurrency])) : undefined,
        });
        const store = snapshotStoreFromEnv();
        process.stderr.write(
          `tailor worker ${process.pid}: ${queues.join(', ')} on ${runtime.redis.url}` +
            `${transport ? `, transport ${transport}` : ''}${store ? `, snapshots from ${store}` : ''}\n`,
        );
        const signal = await untilSignal();
        process.stderr.write(`tailor worker ${process.pid}: ${signal}, finishing jobs in flight\n`);
        await pool.close();
        await closeStageContext(context);
      });
    });
}
