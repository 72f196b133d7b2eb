import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { readClickToken, readOpenToken } from '../audience/campaign-links.js';
import { campaignEarnings, EarningsStore } from '../audience/earnings-store.js';
import { isOneClickBody } from '../audience/one-click-body.js';
import type { LinkSigner } from '../audience/signed-token.js';
import { addSuppressions } from '../audience/suppression-admin.js';
import { checkUnsubscribeLink, unsubscribe } from '../audience/unsubscribe.js';
import { confirmPage, refusedPage, unsubscribedPage } from '../audience/unsubscribe-pages.js';
import type { CampaignStore } from '../campaigns/campaign-store.js';
import type { SnapshotReader } from '../data/snapshot.js';
import { validateEmailAddress } from '../dispatch/header-safety.js';
import { SUPPRESSION_REASONS, SuppressionList } from '../dispatch/suppression.js';
import { safeLinkUrl } from '../dispatch/unsubscribe-url.js';
import { CampaignIdParams, parseParams } from './api-params.js';
import { resolveRun } from './campaign-status.js';
import type { DocumentedRoute } from './openapi.js';
import type { RoutePlugin } from './tailor-server.js';

/**
 * What recipients reach without logging in (unsubscribe, click redirects, the open pixel) and
 * the manager's suppression and earnings API behind the usual credentials. Both take the link
 * signer of this process (src/audience/link-secret.ts: TAILOR_SECRET or `<home>/secret`).
 */

export interface AudienceRouteDeps {
  redis: Redis;
  store: CampaignStore;
  signer: LinkSigner;
  /** The dataset's current snapshot. */
  openSnapshot: (dataset: string) => Promise<SnapshotReader>;
}

/** A 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** The confirmation page posts to its own URL; nothing else runs or loads. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const ONE_CLICK_BODY_LIMIT = 16 * 1024;

function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-robots-tag', 'noindex')
    .send(html);
}

const TokenParams = z.object({ token: z.string().min(1).max(600) });

/** Public: `/u/:token` (GET asks, POST unsubscribes), `/c/:token` (click), `/o/:token` (open pixel). */
export function unsubscribeRoutes(deps: AudienceRouteDeps): RoutePlugin {
  const suppression = new SuppressionList(deps.redis);
  const earnings = new EarningsStore(deps.redis);
  const unsubscribeDeps = { ...deps, suppression };
  return async (app: FastifyInstance) => {
    // RFC 8058 bodies are form-encoded or multipart; read any body as text and check it here.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: ONE_CLICK_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );

    app.get('/u/:token', async (request, reply) => {
      const parsed = TokenParams.safeParse(request.params);
      if (!parsed.success) return sendPage(reply, 400, refusedPage('this unsubscribe link is not valid'));
      const checked = await checkUnsubscribeLink(unsubscribeDeps, parsed.data.token);
      if (!checked.ok) return sendPage(reply, checked.status, refusedPage(checked.reason));
      return sendPage(reply, 200, confirmPage(checked.campaign.brand));
    });

    app.post('/u/:token', async (request, reply) => {
      const parsed = TokenParams.safeParse(request.params);
      if (!parsed.success) return sendPage(reply, 400, refusedPage('this unsubscribe link is not valid'));
      const body = typeof request.body === 'string' ? request.body : '';
      if (!isOneClickBody(body, request.headers['content-type'])) {
        return sendPage(
          reply,
          400,
          refusedPage('the request did not ask to unsubscribe (expected List-Unsubscribe=One-Click)'),
        );
      }
      const result = await unsubscribe(unsubscribeDeps, parsed.data.token);
      if (!result.ok) return sendPage(reply, result.status, refusedPage(result.reason));
      return sendPage(reply, 200, unsubscribedPage(result.campaign.brand));
    });

    app.get('/c/:token', async (request, reply) => {
      const parsed = TokenParams.safeParse(request.params);
      const to = (request.query as Record<string, unknown>)?.to;
      const target = typeof to === 'string' ? to : '';
      const claim = parsed.success && target ? readClickToken(deps.signer, parsed.data.token, target) : null;
      // Only the exact target this recipient's mail carried, and only http(s): no open redirect.
      if (!claim || safeLinkUrl(target) !== target) {
        return sendPage(reply, 400, refusedPage('this link is not valid'));
      }
      await earnings.recordClick(claim.campaignId, claim.customerId).catch((error: Error) => {
        request.log.warn({ err: error }, 'click not recorded');
      });
      return reply.code(302).header('location', target).header('cache-control', 'no-store').send();
    });

    app.get('/o/:token', async (request, reply) => {
      const parsed = TokenParams.safeParse(request.params);
      const claim = parsed.success ? readOpenToken(deps.signer, parsed.data.token) : null;
      if (!claim) return reply.code(400).header('cache-control', 'no-store').send();
      await earnings.recordOpen(claim.campaignId, claim.customerId).catch((error: Error) => {
        request.log.warn({ err: error }, 'open not recorded');
      });
      return reply.code(200).type('image/gif').header('cache-control', 'no-store, private').send(PIXEL);
    });
  };
}

const Reason = z.enum(SUPPRESSION_REASONS);

export const SuppressionEntrySchema = z.object({
  email: z.string(),
  reason: Reason,
  at: z.string().describe('ISO time it was added'),
  campaignId: z.string().optional(),
});

export const SuppressionListQuery = z.object({
  email: z.string().min(3).max(320).optional().describe('look up one address (cursor and count are ignored)'),
  cursor: z
    .string()
    .regex(/^\d+$/, 'the cursor a previous page returned')
    .default('0')
    .describe('from a previous page; 0 starts'),
  count: z.coerce.number().int().min(1).max(5_000).default(500).describe('entries per page (about)'),
});

export const SuppressionListSchema = z.object({
  cursor: z.string().describe("next page's cursor; '0' when this was the last page"),
  entries: z.array(SuppressionEntrySchema),
});

export const SuppressionAddBody = z
  .object({
    entries: z
      .array(
        z
          .object({
            email: z.string().max(320),
            reason: Reason.default('manual'),
            campaignId: z.string().max(128).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(10_000),
  })
  .strict();

export const SuppressionAddSchema = z.object({
  added: z.number().int(),
  alreadySuppressed: z.number().int().describe('on the list already: their earlier record is kept'),
});

export const SuppressionRemoveBody = z
  .object({ emails: z.array(z.string().max(320)).min(1).max(10_000) })
  .strict();

export const SuppressionRemoveSchema = z.object({
  removed: z.number().int(),
  missing: z.array(z.string()).describe('addresses that were not on the list'),
});

const groupSchema = z.object({
  members: z.number().int(),
  orders: z.number().int(),
  buyers: z.number().int(),
  revenue: z.number(),
  perMember: z.object({ orders: z.number(), revenue: z.number(), conversion: z.number() }),
});

export const EarnedSchema = z.object({
  campaignId: z.string(),
  runId: z.string(),
  currency: z.string(),
  tracking: z.boolean().describe('false when the spec does not turn tracking on (nothing is measured)'),
  earned: z
    .object({
      windowDays: z.number(),
      holdoutShare: z.number(),
      clicks: z.number().int(),
      clickers: z.number().int(),
      opens: z.number().int(),
      openers: z.number().int(),
      unsubscribes: z.number().int(),
      clicksPerRecipient: z.number(),
      mailed: groupSchema,
      holdout: groupSchema,
      uplift: z
        .object({
          revenuePerRecipient: z.number(),
          ordersPerRecipient: z.number(),
          conversion: z.number(),
          relative: z.number().nullable(),
          incrementalRevenue: z.number(),
        })
        .nullable(),
    })
    .optional(),
});

function bodyError(reply: FastifyReply, issues: { field: string; message: string }[]): FastifyReply {
  return reply.code(400).send({
    error: 'invalid-body',
    message: `invalid request body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  });
}

/** Protected: the suppression list and what a campaign earned. */
export function audienceApiRoutes(deps: AudienceRouteDeps): RoutePlugin {
  const suppression = new SuppressionList(deps.redis);
  return async (app: FastifyInstance) => {
    app.get('/api/suppressions', async (request) => {
      const query = parseParams(SuppressionListQuery, request.query, 'query');
      if (query.email) {
        const entry = await suppression.get(query.email);
        return { cursor: '0', entries: entry ? [entry] : [] };
      }
      return suppression.list(query.cursor, query.count);
    });

    app.post('/api/suppressions', async (request, reply) => {
      const parsed = SuppressionAddBody.safeParse(request.body);
      if (!parsed.success) {
        return bodyError(
          reply,
          parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
        );
      }
      const issues: { field: string; message: string }[] = [];
      const entries = parsed.data.entries.map((entry, i) => {
        try {
          return { ...entry, email: validateEmailAddress(entry.email, `entries.${i}.email`) };
        } catch (error) {
          issues.push({ field: `entries.${i}.email`, message: (error as Error).message });
          return entry;
        }
      });
      if (issues.length > 0) return bodyError(reply, issues);
      return addSuppressions(suppression, entries);
    });

    app.post('/api/suppressions/remove', async (request, reply) => {
      const parsed = SuppressionRemoveBody.safeParse(request.body);
      if (!parsed.success) {
        return bodyError(
          reply,
          parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
        );
      }
      const missing: string[] = [];
      let removed = 0;
      for (const email of parsed.data.emails) {
        if (await suppression.remove(email)) removed++;
        else missing.push(email);
      }
      return { removed, missing };
    });

    app.get('/api/campaigns/:id/earned', async (request, reply) => {
      const { id } = parseParams(CampaignIdParams, request.params, 'path');
      const runId = await resolveRun(deps.store, id);
      const run = runId ? await deps.store.getRun(runId) : undefined;
      if (!run) {
        return reply.code(404).send({ error: 'not-found', message: `no campaign or run named '${id}'` });
      }
      const earned = await campaignEarnings(deps.redis, run.campaignId, run.spec);
      return {
        campaignId: run.campaignId,
        runId: run.runId,
        currency: run.spec.currency,
        tracking: Boolean(run.spec.tracking),
        ...(earned ? { earned } : {}),
      };
    });
  };
}

/** Both route groups, as `createTailorServer` takes them. */
export function audienceRoutePlugins(deps: AudienceRouteDeps): {
  publicRoutes: RoutePlugin[];
  protectedRoutes: RoutePlugin[];
} {
  return { publicRoutes: [unsubscribeRoutes(deps)], protectedRoutes: [audienceApiRoutes(deps)] };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

const json = (schema: z.ZodType) => ({ 'application/json': { schema: jsonSchema(schema) } });
const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});
const tokenParam = { name: 'token', in: 'path', required: true, schema: { type: 'string' } };
const errorRef = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
const UNAUTHORIZED = {
  description: 'credentials missing or wrong (HTTP Basic or bearer token)',
  content: errorRef,
};

function queryParameters(schema: z.ZodObject): Record<string, unknown>[] {
  const input = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>> };
  return Object.entries(input.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
}

/** The OpenAPI entries of these routes (src/server/openapi.ts lists them in DOCUMENTED_ROUTES). */
export const AUDIENCE_DOCUMENTED_ROUTES: DocumentedRoute[] = [
  {
    method: 'GET',
    url: '/u/:token',
    operation: {
      summary: 'Unsubscribe link of a mail: a confirmation page whose button POSTs (a GET changes nothing)',
      security: [],
      parameters: [tokenParam],
      responses: {
        200: html('the confirmation page'),
        400: html('the token does not verify (tampered or not ours)'),
        404: html('the token names a list or campaign that does not exist'),
      },
    },
  },
  {
    method: 'POST',
    url: '/u/:token',
    operation: {
      summary: 'RFC 8058 one-click unsubscribe: suppresses the recipient at once (no login, no confirmation)',
      security: [],
      parameters: [tokenParam],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: { type: 'string', example: 'List-Unsubscribe=One-Click' },
          },
          'multipart/form-data': {
            schema: { type: 'object', properties: { 'List-Unsubscribe': { const: 'One-Click' } } },
          },
        },
      },
      responses: {
        200: html('unsubscribed (or already suppressed)'),
        400: html(
          'the body is not List-Unsubscribe=One-Click, or the token does not verify; nothing changed',
        ),
        404: html('the list, campaign or customer does not exist; nothing changed'),
      },
    },
  },
  {
    method: 'GET',
    url: '/c/:token',
    operation: {
      summary:
        'Click-tracking redirect (campaigns with tracking.clicks): counts the click, redirects to `to`',
      security: [],
      parameters: [
        tokenParam,
        {
          name: 'to',
          in: 'query',
          required: true,
          description: 'the link of the mail; the token signs it',
          schema: { type: 'string' },
        },
      ],
      responses: {
        302: { description: 'to the target' },
        400: html('the token does not sign this target: no redirect (no open redirect)'),
      },
    },
  },
  {
    method: 'GET',
    url: '/o/:token',
    operation: {
      summary: 'Open pixel (campaigns with tracking.opens): counts the open',
      security: [],
      parameters: [tokenParam],
      responses: {
        200: {
          description: '1×1 GIF',
          content: { 'image/gif': { schema: { type: 'string', format: 'binary' } } },
        },
        400: { description: 'the token does not verify' },
      },
    },
  },
  {
    method: 'GET',
    url: '/api/suppressions',
    operation: {
      summary: 'The suppression list, a page at a time (or one address)',
      parameters: queryParameters(SuppressionListQuery),
      responses: {
        200: { description: 'entries', content: json(SuppressionListSchema) },
        400: { description: 'bad parameter', content: errorRef },
        401: UNAUTHORIZED,
      },
    },
  },
  {
    method: 'POST',
    url: '/api/suppressions',
    operation: {
      summary:
        'Suppress addresses (unsubscribed, hard-bounced, complained or manual); listed ones keep their record',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonSchema(SuppressionAddBody, 'input') } },
      },
      responses: {
        200: { description: 'added', content: json(SuppressionAddSchema) },
        400: {
          description: 'invalid body; `issues` names each bad entry. Nothing is added',
          content: errorRef,
        },
        401: UNAUTHORIZED,
      },
    },
  },
  {
    method: 'POST',
    url: '/api/suppressions/remove',
    operation: {
      summary: 'Take addresses off the suppression list',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: jsonSchema(SuppressionRemoveBody, 'input') } },
      },
      responses: {
        200: { description: 'removed', content: json(SuppressionRemoveSchema) },
        400: { description: 'invalid body', content: errorRef },
        401: UNAUTHORIZED,
      },
    },
  },
  {
    method: 'GET',
    url: '/api/campaigns/:id/earned',
    operation: {
      summary:
        'What the campaign earned: clicks, opens, attributed orders and revenue per recipient next to the hold-out, and the uplift',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'earnings', content: json(EarnedSchema) },
        401: UNAUTHORIZED,
        404: { description: 'no such campaign or run', content: errorRef },
      },
    },
  },
];
