import type { Command } from 'commander';
import { openLinkSigner } from '../audience/link-secret.js';
import { QUEUE_NAMES } from '../queues/queue-names.js';
import { audienceRoutePlugins } from '../server/audience-routes.js';
import { checkExposure, credentialsFromEnv } from '../server/auth.js';
import { DASHBOARD_PATH } from '../server/queue-dashboard.js';
import { reportRoutes } from '../server/report-routes.js';
import { createTailorServer } from '../server/tailor-server.js';
import { closeStageContext, createStageContext } from '../workers/stage-context.js';
import { startWorkers } from '../workers/worker-pool.js';
import { printJson, untilSignal, withRuntime } from './cli-runtime.js';
import { parseQueueList } from './worker-command.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be a number from 0 to 65535 (got '${value}')`);
  return port;
}

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description(
      'serve the HTTP API, /metrics and bull-board (/admin/queues); runs workers in-process unless --no-workers',
    )
    .option('--port <n>', 'port to listen on', process.env.TAILOR_PORT ?? '8080')
    .option(
      '--host <address>',
      'address to listen on (anything but loopback needs TAILOR_ADMIN_USER/PASSWORD)',
      '127.0.0.1',
    )
    .option(
      '--workers <list>',
      `queues to run workers for in this process (${QUEUE_NAMES.join(',')})`,
      QUEUE_NAMES.join(','),
    )
    .option('--no-workers', 'serve only; workers run elsewhere (`tailor worker`)')
    .action(async (options: { port: string; host: string; workers: string | false }) => {
      const port = parsePort(options.port);
      // Refuse an open server on a reachable address before touching Redis.
      const credentials = credentialsFromEnv();
      const openNotice = checkExposure(options.host, credentials);
      const queues = options.workers === false ? [] : parseQueueList(options.workers, '--workers');

      await withRuntime(async (runtime) => {
        // Unsubscribe and tracking links are verified with the secret the workers sign with.
        const signer = await openLinkSigner({ home: runtime.home, redis: runtime.redis.client });
        const context =
          queues.length > 0
            ? createStageContext({ redis: runtime.redis.client, queues: runtime.queues, home: runtime.home })
            : undefined;
        const pool = context ? startWorkers(context, { queues }) : undefined;
        const audience = audienceRoutePlugins({
          redis: runtime.redis.client,
          store: runtime.store,
          signer,
          openSnapshot: (dataset) => runtime.snapshots.get(dataset),
        });
        const app = await createTailorServer(
          {
            redis: runtime.redis.client,
            queues: runtime.queues,
            store: runtime.store,
            openSnapshot: (dataset, version) => runtime.snapshots.get(dataset, version),
            signer,
          },
          {
            credentials,
            publicRoutes: audience.publicRoutes,
            protectedRoutes: [
              ...audience.protectedRoutes,
              reportRoutes({
                redis: runtime.redis.client,
                store: runtime.store,
                queues: runtime.queues,
                openSnapshot: (dataset, version) => runtime.snapshots.get(dataset, version),
                home: runtime.home,
                signer,
              }),
            ],
          },
        );
        try {
          const address = await app.listen({ host: options.host, port });
          const log = (line: string) => process.stderr.write(`tailor server ${process.pid}: ${line}\n`);
          log(
            `listening on ${address} (API /api/campaigns, bull-board ${DASHBOARD_PATH}, /metrics, /openapi.json, unsubscribe /u/)`,
          );
          log(queues.length ? `workers in this process: ${queues.join(', ')}` : 'no workers in this process');
          if (openNotice) log(openNotice);
          const signal = await untilSignal();
          log(`${signal}: closing the server, then finishing jobs in flight (again to force)`);
          // A second signal means "now": leave without waiting for jobs in flight.
          const force = () => process.exit(130);
          process.once('SIGINT', force);
          process.once('SIGTERM', force);
          await app.close(); // stop taking requests, let those in flight finish
          await pool?.close(); // then let jobs in flight finish
          printJson({ server: 'stopped', signal, address });
        } finally {
          // Also reached when listen fails (port taken): release what was started.
          await app.close();
          await pool?.close();
          if (context) await closeStageContext(context);
        }
      });
    });
}
