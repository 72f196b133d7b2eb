import { type DefaultJobOptions, FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type QueueName, queuePrefix } from './queue-names.js';

/**
 * Retries with backoff for transient failures; completed jobs kept a week so operators can
 * inspect a campaign in bull-board, failed ones a month.
 */
export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
};

/**
 * The facade that owns queue and flow-producer creation, so no other file repeats connection,
 * prefix or default options. One instance per process.
 */
export class TailorQueues {
  readonly prefix = queuePrefix();
  readonly flows: FlowProducer;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(readonly connection: Redis) {
    this.flows = new FlowProducer({ connection, prefix: this.prefix });
    // A Redis restart surfaces as 'error' events while ioredis reconnects; commands wait for it.
    this.flows.on('error', () => {});
  }

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      queue.on('error', () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }

  all(): Queue[] {
    return QUEUE_NAMES.map((name) => this.get(name));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    await this.flows.close();
  }
}
