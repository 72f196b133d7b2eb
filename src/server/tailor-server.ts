import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { LinkSigner } from '../audience/signed-token.js';
import type { CampaignStore } from '../campaigns/campaign-store.js';
import { RunControl } from '../campaigns/run-control.js';
import { projectRoot } from '../config/paths.js';
import type { SnapshotReader } from '../data/snapshot.js';
import type { TailorQueues } from '../queues/tailor-queues.js';
import { apiErrorHandler } from './api-errors.js';
import { registerApiRoutes } from './api-routes.js';
import { authGuard, type ServerCredentials } from './auth.js';
import { IdempotencyStore } from './idempotency.js';
import { MetricsCollector } from './metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus-text.js';
import { registerQueueDashboard } from './queue-dashboard.js';

/** A group of routes another module adds (issue 9's report pages, issue 11's unsubscribe). */
export type RoutePlugin = (app: FastifyInstance) => Promise<void>;

export interface TailorServerDeps {
  redis: Redis;
  queues: TailorQueues;
  store: CampaignStore;
  /** Open a dataset's snapshot; with a version, refuse another one (SnapshotCache.get). */
  openSnapshot: (dataset: string, version?: string) => Promise<SnapshotReader>;
  /** Signs links the way dispatch does (previews show the mail as sent). */
  signer?: LinkSigner;
}

export interface TailorServerOptions {
  /** undefined: no authentication (only allowed on loopback; checked by the caller, see checkExposure). */
  credentials?: ServerCredentials;
  /** Routes behind the same credentials as the API, e.g. `/campaigns/:id` report pages. */
  protectedRoutes?: RoutePlugin[];
  /** Routes anyone may call, e.g. `POST /u/:token` one-click unsubscribe (RFC 8058: no login). */
  publicRoutes?: RoutePlugin[];
  logger?: boolean;
}

export interface RouteEntry {
  method: string;
  url: string;
}

const routeTables = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server registered (HEAD routes Fastify adds by itself excluded). */
export function routesOf(app: FastifyInstance): RouteEntry[] {
  return routeTables.get(app) ?? [];
}

/** Largest request body: a campaign spec is a page of JSON. */
const BODY_LIMIT = 256 * 1024;

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '0.0.0';
  }
}

/**
 * The HTTP surface of Tailor: the JSON API, /metrics, /openapi.json and bull-board, all behind
 * one authentication hook, plus /healthz (open, for load balancers). Built, not listening:
 * the caller decides host and port, so tests listen on a free port.
 */
export async function createTailorServer(
  deps: TailorServerDeps,
  options: TailorServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: 'idle',
  });
  app.setErrorHandler(apiErrorHandler);
  const routes: RouteEntry[] = [];
  routeTables.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url });
    }
  });
  const control = new RunControl(deps.redis, deps.store, deps.queues);
  const metrics = new MetricsCollector(deps.queues, deps.store);
  const openApi = buildOpenApiDocument({ version: packageVersion() });

  app.get('/healthz', async (_request, reply) => {
    const started = performance.now();
    try {
      await withTimeout(deps.redis.ping(), 2_000);
      return {
        status: 'ok',
        redis: { ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 },
      };
    } catch (error) {
      return reply
        .code(503)
        .send({ status: 'unavailable', redis: { ok: false, error: (error as Error).message } });
    }
  });
  for (const plugin of options.publicRoutes ?? []) await app.register(plugin);

  await app.register(async (scope) => {
    scope.addHook('onRequest', authGuard(options.credentials));
    // The API speaks JSON only: any other body is a 415, not a string the spec parser rejects.
    scope.removeContentTypeParser('text/plain');
    scope.get('/openapi.json', async () => openApi);
    scope.get('/metrics', async (_request, reply) =>
      reply.type(PROMETHEUS_CONTENT_TYPE).send(await metrics.collect()),
    );
    await registerApiRoutes(scope, {
      redis: deps.redis,
      store: deps.store,
      queues: deps.queues,
      control,
      idempotency: new IdempotencyStore(deps.redis),
      openSnapshot: deps.openSnapshot,
      signer: deps.signer,
    });
    await registerQueueDashboard(scope, deps.queues);
    for (const plugin of options.protectedRoutes ?? []) await scope.register(plugin);
  });
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
