import { z } from 'zod';
import { CampaignSpecSchema } from '../queues/campaign-spec.js';
import {
  CampaignIdParams,
  CreateCampaignQuery,
  ListCampaignsQuery,
  PreviewQuery,
  SegmentsQuery,
} from './api-params.js';
import {
  CampaignCreatedSchema,
  CampaignListSchema,
  CampaignStatusSchema,
  ErrorResponseSchema,
  HealthSchema,
  SegmentsResponseSchema,
} from './api-schemas.js';
import { AUDIENCE_DOCUMENTED_ROUTES } from './audience-routes.js';

/**
 * The OpenAPI 3.1 document of the JSON API, generated from the zod schemas the handlers parse
 * with (requests) and the tests check responses against. The route list here is compared with
 * the routes Fastify actually registered in test/server, so a route cannot be added silently.
 */

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parametersOf(schema: z.ZodObject, location: 'path' | 'query'): JsonSchema[] {
  const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const error = (description: string) => ({ description, content: json('Error') });

const UNAUTHORIZED = error('credentials missing or wrong (HTTP Basic or bearer token)');
const NOT_FOUND = error('no such campaign or run');
const idParam = () => parametersOf(CampaignIdParams, 'path');

export interface DocumentedRoute {
  method: 'GET' | 'POST';
  /** Fastify form, e.g. /api/campaigns/:id */
  url: string;
  operation: JsonSchema;
}

export const DOCUMENTED_ROUTES: DocumentedRoute[] = [
  {
    method: 'GET',
    url: '/healthz',
    operation: {
      summary: 'Liveness and Redis reachability (no credentials needed)',
      security: [],
      responses: {
        200: { description: 'ok', content: json('Health') },
        503: { description: 'Redis unreachable', content: json('Health') },
      },
    },
  },
  {
    method: 'GET',
    url: '/openapi.json',
    operation: {
      summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.1 document' }, 401: UNAUTHORIZED },
    },
  },
  {
    method: 'GET',
    url: '/metrics',
    operation: {
      summary:
        'Prometheus metrics: queue depths, job totals, sends by outcome, copy model vs fallback, tokens',
      responses: {
        200: {
          description: 'Prometheus text format 0.0.4',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        401: UNAUTHORIZED,
      },
    },
  },
  {
    method: 'POST',
    url: '/api/campaigns',
    operation: {
      summary: 'Validate a campaign spec and enqueue a run of it',
      parameters: [
        ...parametersOf(CreateCampaignQuery, 'query'),
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'a retried request with the same key and body returns the first response (header Idempotent-Replayed: true) instead of a new run',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ],
      requestBody: { required: true, content: json('CampaignSpec') },
      responses: {
        201: { description: 'run created and enqueued', content: json('CampaignCreated') },
        400: error('invalid spec or parameter; `issues` names each field. Nothing is enqueued'),
        401: UNAUTHORIZED,
        409: error('a request with this Idempotency-Key is still in progress'),
        415: error('the body is not application/json'),
        422: error(
          'the dataset or template does not exist, or the Idempotency-Key was used with another body',
        ),
      },
    },
  },
  {
    method: 'GET',
    url: '/api/campaigns',
    operation: {
      summary: 'Most recent campaigns with the status of their latest run',
      parameters: parametersOf(ListCampaignsQuery, 'query'),
      responses: {
        200: { description: 'campaigns, newest first', content: json('CampaignList') },
        400: error('bad limit'),
        401: UNAUTHORIZED,
      },
    },
  },
  {
    method: 'GET',
    url: '/api/campaigns/:id',
    operation: {
      summary: 'State, per-stage progress, sent, skipped by reason and failed of a run',
      parameters: idParam(),
      responses: {
        200: { description: 'run status', content: json('CampaignStatus') },
        401: UNAUTHORIZED,
        404: NOT_FOUND,
      },
    },
  },
  ...(['pause', 'resume', 'cancel'] as const).map(
    (action): DocumentedRoute => ({
      method: 'POST',
      url: `/api/campaigns/:id/${action}`,
      operation: {
        summary: {
          pause: 'Pause the run: no new job of it starts (jobs in flight finish their chunk)',
          resume: 'Resume a paused run',
          cancel: 'Cancel the run: its remaining jobs end without work; nothing more is sent',
        }[action],
        parameters: idParam(),
        responses: {
          200: { description: 'run status after the change', content: json('CampaignStatus') },
          401: UNAUTHORIZED,
          404: NOT_FOUND,
          409: error('the run has already ended'),
        },
      },
    }),
  ),
  {
    method: 'GET',
    url: '/api/campaigns/:id/preview',
    operation: {
      summary: "One customer's email of the run, rendered as a browser shows it",
      parameters: [...idParam(), ...parametersOf(PreviewQuery, 'query')],
      responses: {
        200: {
          description:
            'the HTML part of the mail; header X-Tailor-Would-Skip gives the reason when dispatch would skip this customer',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        400: error('customer parameter missing'),
        401: UNAUTHORIZED,
        404: error('no such run, customer, or the customer is outside the audience'),
        409: error('the run has not written its copy yet, or sends no email'),
      },
    },
  },
  {
    method: 'GET',
    url: '/campaigns/:id',
    operation: {
      summary:
        'Campaign report page: segments, predictions, copy, delivery and a customer lookup (the HTML of `tailor campaign report`)',
      parameters: idParam(),
      responses: {
        200: {
          description: 'a self-contained HTML page',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        401: UNAUTHORIZED,
        404: {
          description: 'no such campaign or run',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
  },
  {
    method: 'GET',
    url: '/api/segments',
    operation: {
      summary: 'Segment profiles of the most recent run that has them',
      parameters: parametersOf(SegmentsQuery, 'query'),
      responses: {
        200: { description: 'segment profiles', content: json('Segments') },
        401: UNAUTHORIZED,
        404: error('no run has segments yet'),
      },
    },
  },
  ...AUDIENCE_DOCUMENTED_ROUTES,
];

/** Fastify's `/a/:id` → OpenAPI's `/a/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApiDocument(options: { version: string; serverUrl?: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of DOCUMENTED_ROUTES) {
    const path = openApiPath(route.url);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = route.operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tailor API',
      version: options.version,
      description:
        'Campaign manager API of Tailor. bull-board (queue dashboard) is served at /admin/queues behind the same credentials.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ basicAuth: [] }, { bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        basicAuth: {
          type: 'http',
          scheme: 'basic',
          description: 'TAILOR_ADMIN_USER / TAILOR_ADMIN_PASSWORD',
        },
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'TAILOR_API_TOKEN' },
      },
      schemas: {
        CampaignSpec: schemaOf(CampaignSpecSchema, 'input'),
        CampaignCreated: schemaOf(CampaignCreatedSchema),
        CampaignStatus: schemaOf(CampaignStatusSchema),
        CampaignList: schemaOf(CampaignListSchema),
        Segments: schemaOf(SegmentsResponseSchema),
        Health: schemaOf(HealthSchema),
        Error: schemaOf(ErrorResponseSchema),
      },
    },
  };
}
