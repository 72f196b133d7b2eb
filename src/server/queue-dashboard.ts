import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { TailorQueues } from '../queues/tailor-queues.js';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board with every Tailor queue, mounted at /admin/queues. Register it inside the
 * authenticated scope: bull-board can retry, promote and delete jobs.
 */
export async function registerQueueDashboard(app: FastifyInstance, queues: TailorQueues): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.all().map((queue) => new BullMQAdapter(queue)),
    // @bull-board/fastify 9.10.1 declares its own copy of @bull-board/api 9.10.1's types; the
    // runtime objects are the same (one createBullBoard, one adapter), only the declarations differ.
    serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
    options: { uiConfig: { boardTitle: 'Tailor queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
}
