import { join } from 'node:path';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { CampaignStore } from '../campaigns/campaign-store.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import { DeliveryServices } from './delivery-services.js';
import { SnapshotCache } from './snapshot-cache.js';
import { StageMethods } from './stage-methods.js';

export type TransportKind = 'outbox' | 'smtp' | 'stream';

export interface DeliveryConfig {
  transport: TransportKind;
  outboxDir: string;
  smtpUrl?: string;
}

/** What every processor of one worker process shares: connections, stores, loaded methods. */
export interface StageContext {
  redis: Redis;
  queues: TailorQueues;
  store: CampaignStore;
  home: string;
  snapshots: SnapshotCache;
  methods: StageMethods;
  delivery: DeliveryServices;
}

export function createStageContext(options: {
  redis: Redis;
  queues: TailorQueues;
  home: string;
  delivery?: Partial<DeliveryConfig>;
}): StageContext {
  const transport = options.delivery?.transport ?? (process.env.SMTP_URL ? 'smtp' : 'outbox');
  return {
    redis: options.redis,
    queues: options.queues,
    store: new CampaignStore(options.redis),
    home: options.home,
    snapshots: new SnapshotCache(options.home),
    methods: new StageMethods(options.home, options.redis),
    delivery: new DeliveryServices(options.redis, {
      transport,
      outboxDir: options.delivery?.outboxDir ?? join(options.home, 'outbox'),
      smtpUrl: options.delivery?.smtpUrl ?? process.env.SMTP_URL,
    }),
  };
}

export async function closeStageContext(context: StageContext): Promise<void> {
  await context.snapshots.close();
  await context.methods.close();
  await context.delivery.close();
}

/** Parse a job payload at the boundary: a malformed payload can never succeed, so no retries. */
export function parsePayload<T extends z.ZodType>(schema: T, job: Job): z.infer<T> {
  const result = schema.safeParse(job.data);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new UnrecoverableError(`job ${job.queueName}/${job.id} has an invalid payload: ${fields}`);
  }
  return result.data;
}
