import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * A private redis-server child process with the settings Tailor needs to never lose a job:
 * AOF on with `appendfsync always` (see DEFAULT_APPENDFSYNC), no eviction, no RDB snapshots,
 * bound to loopback.
 */
export type AppendFsync = 'always' | 'everysec' | 'no';

/**
 * `always`: Redis fsyncs the AOF before it answers, so nothing it acknowledged is lost, whether
 * the Redis process is killed or the host loses power: no send-ledger mark (whose loss re-sends
 * a mail), no suppression entry (whose loss mails someone who unsubscribed), no enqueued job.
 * With `everysec` a host crash loses up to about a second of acknowledged writes, and so can a
 * killed Redis when the disk is slow (Redis then delays its AOF writes by up to 2 s but still
 * answers). Measured cost on the 2-core development machine (ops/chaos/appendfsync-bench.ts,
 * both in one run): 15–50 % of mails/s through dispatch and 25–50 % of no-op BullMQ jobs/s,
 * depending on how fast the shared disk answers fsync; dispatch jobs are chunks of hundreds of
 * mails and relays accept fewer mails per second than that, so it does not limit a campaign.
 * TAILOR_REDIS_APPENDFSYNC=everysec trades that safety back for throughput.
 */
export const DEFAULT_APPENDFSYNC: AppendFsync = 'always';

/** TAILOR_REDIS_APPENDFSYNC (always, everysec or no), or DEFAULT_APPENDFSYNC. */
export function appendfsyncFromEnv(env: NodeJS.ProcessEnv = process.env): AppendFsync {
  const value = env.TAILOR_REDIS_APPENDFSYNC?.trim();
  if (!value) return DEFAULT_APPENDFSYNC;
  if (value !== 'always' && value !== 'everysec' && value !== 'no') {
    throw new Error(`TAILOR_REDIS_APPENDFSYNC must be always, everysec or no (got '${value}')`);
  }
  return value;
}

export interface RedisServerOptions {
  dataDir: string;
  port?: number;
  /** Default: appendfsyncFromEnv() (always). */
  appendfsync?: AppendFsync;
  /** Extra `--name value` arguments (e.g. cluster mode in tests). */
  extraArgs?: string[];
}

export interface RedisServerHandle {
  url: string;
  port: number;
  process: ChildProcess;
  /** Graceful shutdown (SIGTERM: redis fsyncs the AOF before it exits). */
  stop(): Promise<void>;
}

export class RedisServerMissingError extends Error {
  constructor() {
    super(
      'redis-server is not installed: run `bash ops/setup.sh` (installs it with apt-get) or set REDIS_URL to an existing Redis',
    );
    this.name = 'RedisServerMissingError';
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Redis rewrites its AOF only once the file passes this size (Redis's default is 64mb). A
 * campaign writes its AOF fast (job moves, ledger marks, mail history: about 380 MB for
 * 1,000,000 mails), and with the default Redis rewrote it 6 times during such a campaign's
 * dispatch; each rewrite's child writes the whole dataset to disk while every acknowledged write
 * waits for its `appendfsync always` fsync behind it, so the workers sat idle: 1.88–1.89 busy
 * cores of 2 against 1.96–1.97 without rewrites in bench:campaign (ops/README.md). The cost is
 * disk (up to about 1 GB of AOF plus a base file) and a longer replay when Redis restarts.
 */
export const AOF_REWRITE_MIN_SIZE = '1gb';

export function redisServerArgs(options: RedisServerOptions & { port: number }): string[] {
  return [
    '--port', String(options.port),
    '--bind', '127.0.0.1',
    '--dir', options.dataDir,
    '--appendonly', 'yes',
    '--appendfsync', options.appendfsync ?? appendfsyncFromEnv(),
    '--maxmemory-policy', 'noeviction',
    '--save', '',
    '--auto-aof-rewrite-min-size', AOF_REWRITE_MIN_SIZE,
    '--daemonize', 'no',
    '--loglevel', 'warning',
    ...(options.extraArgs ?? []),
  ]; // biome-ignore format: one flag per pair reads best
}

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerHandle> {
  mkdirSync(options.dataDir, { recursive: true });
  // A port found free can be taken before redis-server binds it (another process asked for
  // one at the same moment): then, unless the caller chose the port, try another.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnPort(options, port);
    } catch (error) {
      const taken = /Address already in use/i.test((error as Error).message);
      if (!taken || options.port !== undefined || attempt >= 5) throw error;
    }
  }
}

async function startOnPort(options: RedisServerOptions, port: number): Promise<RedisServerHandle> {
  const child = spawn('redis-server', redisServerArgs({ ...options, port }), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // redis-server logs to stdout, also why it could not start (a port in use, a bad flag).
  let log = '';
  const keepTail = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new RedisServerMissingError() : error),
    );
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${log.trim()}`)));
  });
  spawnError.catch(() => {});
  try {
    await Promise.race([waitForPing(port, child.pid, () => child.exitCode !== null), spawnError]);
  } catch (error) {
    child.kill('SIGKILL'); // never leave a server behind that this call did not hand over
    throw error;
  }
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    port,
    process: child,
    stop: () => stopChild(child),
  };
}

/**
 * Until the server with process id `pid` answers PING on the port (another redis-server could
 * hold it, and would answer while ours fails to bind; behind a password the first answer
 * counts); stops once `givenUp` says ours is gone.
 */
async function waitForPing(
  port: number,
  pid: number | undefined,
  givenUp: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !givenUp()) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      commandTimeout: 1_000, // something else on the port may never answer
    });
    // A server with a password (extraArgs --requirepass) refuses the handshake once it is ready.
    let answeredNoAuth = false;
    client.on('error', (error: Error) => {
      if (/^NOAUTH/.test(error.message)) answeredNoAuth = true;
    });
    try {
      await client.connect();
      // AOF loading answers LOADING to commands: wait until it is really ready.
      if ((await client.ping()) === 'PONG') {
        const answering = /^process_id:(\d+)/m.exec(await client.info('server'))?.[1];
        if (Number(answering) === pid) return;
      }
    } catch (error) {
      if (answeredNoAuth || /^NOAUTH/.test((error as Error).message)) return;
      // otherwise: not up yet
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
