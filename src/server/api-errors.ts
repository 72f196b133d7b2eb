import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RunControlError } from '../campaigns/run-control.js';
import { InvalidSpecError } from '../queues/campaign-spec.js';
import { InvalidParameterError } from './api-params.js';
import { PreviewError } from './campaign-preview.js';
import { IdempotencyKeyError } from './idempotency.js';

/** A spec that parses but names something that does not exist: 422, nothing enqueued. */
export class UnprocessableSpecError extends Error {
  constructor(readonly issues: { field: string; message: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'UnprocessableSpecError';
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  issues?: { field: string; message: string }[];
}

/** An error as the API answers it: a status and a body that names the field when input is at fault. */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof InvalidSpecError) {
    return { status: 400, body: { error: 'invalid-spec', message: error.message, issues: error.issues } };
  }
  if (error instanceof InvalidParameterError) {
    return {
      status: 400,
      body: { error: `invalid-${error.location}-parameter`, message: error.message, issues: error.issues },
    };
  }
  if (error instanceof IdempotencyKeyError) {
    return {
      status: 400,
      body: {
        error: 'invalid-header',
        message: error.message,
        issues: [{ field: error.field, message: error.message }],
      },
    };
  }
  if (error instanceof UnprocessableSpecError) {
    return {
      status: 422,
      body: { error: 'unprocessable-spec', message: error.message, issues: error.issues },
    };
  }
  if (error instanceof RunControlError || error instanceof PreviewError) {
    return {
      status: error.status,
      body: { error: error.status === 404 ? 'not-found' : 'conflict', message: error.message },
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (
    typeof fastifyError.statusCode === 'number' &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    // Fastify's own refusals: malformed JSON, wrong content type, body too large.
    const issues =
      fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? [{ field: 'Content-Type', message: 'send application/json' }]
        : undefined;
    return {
      status: fastifyError.statusCode,
      body: {
        error: (fastifyError.code ?? 'bad-request').toLowerCase(),
        message: fastifyError.message ?? 'bad request',
        ...(issues ? { issues } : {}),
      },
    };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error; see the server log' } };
}

export function apiErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = errorResponse(error);
  if (status >= 500) {
    process.stderr.write(
      `tailor server: ${request.method} ${request.url}: ${(error as Error)?.stack ?? String(error)}\n`,
    );
  }
  return reply.code(status).send(body);
}
