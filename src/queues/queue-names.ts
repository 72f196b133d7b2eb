/** The topology in one place: every queue Tailor uses, in data-flow order. */
export const QUEUE_NAMES = ['campaigns', 'segment', 'predict', 'generate', 'dispatch'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * BullMQ key prefix. Hash-tagged so every key of a queue lands in one Redis Cluster slot,
 * as BullMQ documents for cluster deployments; harmless on a single Redis.
 */
export function queuePrefix(): string {
  return process.env.TAILOR_QUEUE_PREFIX ?? '{tailor}';
}

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}
