import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailorBin } from '../../ops/chaos/repo-root.js';
import { SmtpTransport } from '../../src/dispatch/smtp-transport.js';
import { createRedisClient, redactUrl } from '../../src/queues/redis-connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';

/**
 * Credentials come only from the environment and never show up anywhere else (issue 8): not in
 * what any `tailor` command prints (with or without --json), not in errors, not in job data or
 * anything else kept in Redis, not in what the HTTP API, /metrics and bull-board serve, not in
 * the files under TAILOR_HOME. Each secret is planted and searched for, in plain and encoded
 * forms, everywhere a campaign run leaves traces, including its failure paths.
 */

const stamp = Date.now().toString(36);
const SECRETS = {
  redis: `Pl4nted-redis-${stamp}-pw`,
  smtp: `Pl4nted-smtp-${stamp}-pw`,
  wrongSmtp: `Pl4nted-wrong-smtp-${stamp}-pw`,
  wrongRedis: `Pl4nted-wrong-redis-${stamp}-pw`,
  admin: `Pl4nted-admin-${stamp}-pw`,
  link: `Pl4nted-link-secret-${stamp}-0123456789abcdef`,
};

/** The forms a secret could leak in: as written, URL-encoded, base64 (SMTP AUTH), hex. */
function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(`\u0000mailer\u0000${secret}`).toString('base64'),
    Buffer.from(secret).toString('hex'),
  ];
}

function expectNoSecret(where: string, text: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) {
    for (const form of forms(secret)) {
      expect(text.includes(form), `${name} secret found in ${where}`).toBe(false);
    }
  }
}

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let home: string;
let redisServer: RedisServerHandle;
let redis: Redis;
let smtp: SMTPServer;
let smtpPort: number;
let env: NodeJS.ProcessEnv;
const outputs: { where: string; text: string }[] = [];
const children: ChildProcess[] = [];

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tailorBin(), ...args], { env: { ...env, ...extraEnv } });
    children.push(child); // killed in afterAll should a test time out
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push({ where: `tailor ${args.join(' ')}`, text: stdout + stderr });
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running `tailor` command; its output is checked at the end. */
function start(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [tailorBin(), ...args], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c));
  child.stderr?.on('data', (c: Buffer) => (text += c));
  child.on('close', () => outputs.push({ where: `tailor ${args.join(' ')}`, text }));
  children.push(child);
  return { child, output: () => text };
}

/** Stops the child and waits until its output is in (`close` comes after `exit` and the pipes). */
async function stop(child: ChildProcess): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (child.stdout?.closed && child.stderr?.closed) resolve();
    else child.once('close', () => resolve());
  });
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await closed;
}

/** Everything Redis holds, as text: every key, every value of every type. */
async function dumpRedis(client: Redis): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === 'string') value = await client.getBuffer(key);
      else if (type === 'hash') value = await client.hgetall(key);
      else if (type === 'list') value = await client.lrange(key, 0, -1);
      else if (type === 'set') value = await client.smembers(key);
      else if (type === 'zset') value = await client.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'stream') value = await client.xrange(key, '-', '+');
      parts.push(
        `${key} ${type} ${Buffer.isBuffer(value) ? value.toString('latin1') : JSON.stringify(value)}`,
      );
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** Every file under a directory, as text. */
function dumpFiles(dir: string): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...dumpFiles(path));
    else out.push({ where: path, text: readFileSync(path).toString('latin1') });
  }
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tailor-secrets-'));
  home = join(work, 'home');
  redisServer = await startRedisServer({
    dataDir: join(work, 'redis'),
    extraArgs: ['--requirepass', SECRETS.redis],
  });
  redis = createRedisClient(`redis://:${SECRETS.redis}@127.0.0.1:${redisServer.port}`);
  smtp = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'mailer' && auth.password === SECRETS.smtp)
        return callback(null, { user: 'mailer' });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as { port: number }).port;
  env = {
    ...process.env,
    TAILOR_HOME: home,
    REDIS_URL: `redis://:${SECRETS.redis}@127.0.0.1:${redisServer.port}`,
    SMTP_URL: `smtp://mailer:${SECRETS.smtp}@127.0.0.1:${smtpPort}`,
    TAILOR_ADMIN_USER: 'admin',
    TAILOR_ADMIN_PASSWORD: SECRETS.admin,
    TAILOR_SECRET: SECRETS.link,
    TAILOR_COPY_MODE: 'template',
    TAILOR_LOCK_DURATION_MS: '5000',
    TAILOR_STALLED_INTERVAL_MS: '1000',
    TAILOR_DEBUG: '', // the stack trace path is checked separately below
  };
  const imported = await run([
    'import',
    '--name',
    'shop',
    '--orders',
    'examples/data/orders.csv',
    '--customers',
    'examples/data/customers.csv',
    '--products',
    'examples/data/products.csv',
    '--json',
  ]);
  expect(imported.code, imported.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  redis?.disconnect();
  await redisServer?.stop();
  if (smtp) await new Promise<void>((resolve) => smtp.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

function writeSpec(id: string): string {
  const path = join(work, `${id}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      id,
      name: `Secrets ${id}`,
      dataset: 'shop',
      audience: { minOrders: 1 },
      channels: ['email'],
      template: 'default',
      sender: { name: 'Shop', email: 'news@shop.example.com', postalAddress: '1 Test Lane' },
      brand: { name: 'Shop' },
      currency: 'GBP',
      publicUrl: 'https://shop.example.com',
    }),
  );
  return path;
}

describe('secrets under a campaign run', () => {
  it('never appear in command output, Redis, the HTTP API, bull-board or files under TAILOR_HOME', async () => {
    const worker = start(['worker']);
    const sent = await run(['campaign', 'enqueue', writeSpec('secrets-ok'), '--wait', '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    const summary = JSON.parse(sent.stdout.trim().split('\n').pop() as string);
    expect(summary.state).toBe('completed');
    expect(summary.sent).toBeGreaterThan(0);
    await run(['campaign', 'status', 'secrets-ok', '--json']);
    await run(['campaign', 'status', 'secrets-ok']);

    // The server: API, metrics, OpenAPI and bull-board's own API, behind the planted admin password.
    const server = start(['server', '--no-workers', '--port', '0']);
    let address = '';
    // As long as the other suites allow: this file may run beside the chaos run's restarts.
    const deadline = Date.now() + 30_000;
    while (!address && Date.now() < deadline && server.child.exitCode === null) {
      address = /listening on (http:\/\/[^\s]+)/.exec(server.output())?.[1] ?? '';
      if (!address) await new Promise((r) => setTimeout(r, 50));
    }
    expect(address, server.output()).not.toBe('');
    const auth = { authorization: `Basic ${Buffer.from(`admin:${SECRETS.admin}`).toString('base64')}` };
    for (const path of [
      '/healthz',
      '/metrics',
      '/openapi.json',
      '/api/campaigns',
      '/api/campaigns/secrets-ok',
      '/admin/queues/api/queues?activeQueue=dispatch&status=completed&page=1',
      '/admin/queues/api/redis/stats',
      '/admin/queues',
    ]) {
      const response = await fetch(`${address}${path}`, { headers: auth });
      const body = await response.text();
      expect(response.status, `${path}: ${body.slice(0, 200)}`).toBeLessThan(500);
      expectNoSecret(`GET ${path}`, body + JSON.stringify([...response.headers]));
    }
    const unauthorised = await fetch(`${address}/api/campaigns`);
    expect(unauthorised.status).toBe(401);
    expectNoSecret('401 answer', (await unauthorised.text()) + JSON.stringify([...unauthorised.headers]));
    await stop(server.child);
    await stop(worker.child);
    // The worker names its Redis in its log: masked.
    expect(worker.output()).toContain(`redis://:***@127.0.0.1:${redisServer.port}`);

    expectNoSecret('Redis', await dumpRedis(redis));
    for (const file of dumpFiles(home)) expectNoSecret(file.where, file.text);
    for (const output of outputs) expectNoSecret(output.where, output.text);
  }, 120_000);

  it('never appear in errors: a wrong SMTP password, an unreachable or refusing Redis, with TAILOR_DEBUG', async () => {
    // A relay refusing our credentials: the chunk fails and is retried; its reason is kept in Redis.
    const worker = start(['worker'], {
      SMTP_URL: `smtp://mailer:${SECRETS.wrongSmtp}@127.0.0.1:${smtpPort}`,
      TAILOR_DEBUG: '1',
    });
    const enqueued = await run(['campaign', 'enqueue', writeSpec('secrets-bad-smtp'), '--json']);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    let reason = '';
    for (let i = 0; i < 300 && !reason; i++) {
      const keys = await redis.keys('*secrets-bad-smtp*dispatch-0');
      for (const key of keys) reason ||= (await redis.hget(key, 'failedReason')) ?? '';
      if (!reason) await new Promise((r) => setTimeout(r, 100));
    }
    expect(reason).toMatch(/check the relay settings and credentials/);
    await stop(worker.child);

    const closed = `redis://:${SECRETS.wrongRedis}@127.0.0.1:1`;
    const unreachable = await run(['campaign', 'status', 'x', '--json'], {
      REDIS_URL: closed,
      TAILOR_DEBUG: '1',
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(redactUrl(closed));

    const wrong = `redis://:${SECRETS.wrongRedis}@127.0.0.1:${redisServer.port}`;
    const refused = await run(['campaign', 'status', 'x', '--json'], { REDIS_URL: wrong, TAILOR_DEBUG: '1' });
    expect(refused.code).toBe(1);
    expect(refused.stderr.length).toBeGreaterThan(0);

    const badScheme = (() => {
      try {
        new SmtpTransport({ url: `ftp://mailer:${SECRETS.wrongSmtp}@relay.example.com` });
      } catch (error) {
        return error as Error;
      }
      throw new Error('an ftp:// SMTP URL was accepted');
    })();
    outputs.push({ where: 'SMTP URL error', text: `${badScheme.message}\n${badScheme.stack}` });

    expectNoSecret('Redis', await dumpRedis(redis));
    for (const output of outputs) expectNoSecret(output.where, output.text);
  }, 120_000);
});

describe('redactUrl', () => {
  it('masks the password of any Redis or SMTP URL, whatever it holds', () => {
    for (const [url, masked] of [
      ['redis://:pw@host:6379', 'redis://:***@host:6379'],
      ['redis://user:pw@host:6379/0', 'redis://user:***@host:6379/0'],
      ['rediss://user:p@ss:w0rd@host', 'rediss://user:***@host'],
      ['smtp://mailer:a%40b@relay:587', 'smtp://mailer:***@relay:587'],
      ['redis://host:6379?password=pw&db=1', 'redis://host:6379?password=***&db=1'],
      ['redis://host:6379', 'redis://host:6379'],
    ]) {
      expect(redactUrl(url)).toBe(masked);
    }
  });
});
