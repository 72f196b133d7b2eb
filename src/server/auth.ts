import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Who may use the API and bull-board: HTTP Basic from TAILOR_ADMIN_USER / TAILOR_ADMIN_PASSWORD,
 * and optionally a bearer token (TAILOR_API_TOKEN) for scripts and Prometheus.
 */
export interface ServerCredentials {
  basic?: { user: string; password: string };
  token?: string;
}

export class ServerAuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerAuthConfigError';
  }
}

/** Credentials from the environment; undefined when none are configured. Half a pair is an error. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerCredentials | undefined {
  const user = env.TAILOR_ADMIN_USER ?? '';
  const password = env.TAILOR_ADMIN_PASSWORD ?? '';
  const token = env.TAILOR_API_TOKEN ?? '';
  if ((user === '') !== (password === '')) {
    throw new ServerAuthConfigError(
      `${user ? 'TAILOR_ADMIN_PASSWORD' : 'TAILOR_ADMIN_USER'} is not set: set both TAILOR_ADMIN_USER and TAILOR_ADMIN_PASSWORD, or neither`,
    );
  }
  if (user.includes(':'))
    throw new ServerAuthConfigError('TAILOR_ADMIN_USER must not contain ":" (HTTP Basic separates on it)');
  const credentials: ServerCredentials = {};
  if (user) credentials.basic = { user, password };
  if (token) credentials.token = token;
  return credentials.basic || credentials.token ? credentials : undefined;
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * An open API on a reachable address would let anyone send mail to every customer: without
 * credentials the server only listens on loopback. Returns the line to print when it runs open.
 */
export function checkExposure(host: string, credentials: ServerCredentials | undefined): string | undefined {
  if (credentials) return undefined;
  if (!isLoopbackHost(host)) {
    throw new ServerAuthConfigError(
      `refusing to listen on ${host} without credentials: set TAILOR_ADMIN_USER and TAILOR_ADMIN_PASSWORD ` +
        '(and optionally TAILOR_API_TOKEN), or listen on 127.0.0.1 only (--host 127.0.0.1)',
    );
  }
  return `no TAILOR_ADMIN_USER/TAILOR_ADMIN_PASSWORD set: the API and bull-board are open, listening on ${host} (loopback only)`;
}

// Hashing both sides gives equal-length buffers, so timingSafeEqual never leaks the length.
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Whether an Authorization header value grants access. Pure, for tests. */
export function isAuthorized(header: string | undefined, credentials: ServerCredentials): boolean {
  if (!header) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return credentials.token !== undefined && sameSecret(value, credentials.token);
  if (scheme !== 'basic' || !credentials.basic) return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Evaluate both comparisons: no early exit that tells a right user from a wrong one.
  const userOk = sameSecret(decoded.slice(0, colon), credentials.basic.user);
  const passwordOk = sameSecret(decoded.slice(colon + 1), credentials.basic.password);
  return userOk && passwordOk;
}

/**
 * The onRequest hook of every protected route (API, bull-board, reports). It answers 401 itself
 * rather than throwing, so a plugin's own error handler (bull-board has one) cannot turn a
 * refusal into another status. (@fastify/basic-auth only speaks Basic; the bearer token needs
 * this hook anyway.)
 */
export function authGuard(credentials: ServerCredentials | undefined) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!credentials) return undefined;
    if (isAuthorized(request.headers.authorization, credentials)) return undefined;
    const challenges: string[] = [];
    if (credentials.basic) challenges.push('Basic realm="Tailor", charset="UTF-8"');
    if (credentials.token) challenges.push('Bearer realm="Tailor"');
    // Returning the reply tells Fastify the hook answered and the route must not run.
    return reply
      .code(401)
      .header('www-authenticate', challenges.join(', '))
      .header('cache-control', 'no-store')
      .send({ error: 'unauthorized', message: 'credentials required: HTTP Basic or a bearer token' });
  };
}
