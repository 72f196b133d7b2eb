import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerServerCommand } from '../../src/cli/server-command.js';
import { freePort } from '../../src/queues/redis-server.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * `tailor server` as a real process: it refuses to run open on a reachable address, serves,
 * and stops cleanly on SIGTERM. Spawns the compiled command (dist/, built by `npm test`).
 */

const compiled = resolve('dist/cli/server-command.js');
let redis: TestRedis;
let home: string;
beforeAll(async () => {
  redis = await startTestRedis();
  home = mkdtempSync(join(tmpdir(), 'tailor-server-cli-'));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('tailor server', () => {
  it('refuses to listen on a reachable address without credentials, before touching Redis', async () => {
    const saved = { ...process.env };
    for (const name of ['TAILOR_ADMIN_USER', 'TAILOR_ADMIN_PASSWORD', 'TAILOR_API_TOKEN', 'REDIS_URL'])
      delete process.env[name];
    process.env.TAILOR_HOME = home;
    try {
      const program = new Command('tailor').exitOverride();
      registerServerCommand(program);
      await expect(program.parseAsync(['node', 'tailor', 'server', '--host', '0.0.0.0'])).rejects.toThrow(
        /refusing to listen on 0\.0\.0\.0 without credentials: set TAILOR_ADMIN_USER and TAILOR_ADMIN_PASSWORD/,
      );
      expect(existsSync(join(home, 'redis'))).toBe(false); // no embedded Redis was started
      await expect(program.parseAsync(['node', 'tailor', 'server', '--port', '99999'])).rejects.toThrow(
        /--port must be/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('serves until SIGTERM, then closes the server and its workers and exits 0 with a JSON line', async () => {
    expect(existsSync(compiled), `${compiled} is missing: run \`npm run build\` first`).toBe(true);
    const port = await freePort();
    const script = `
      import { Command } from 'commander';
      import { registerServerCommand } from ${JSON.stringify(compiled)};
      const program = new Command('tailor');
      registerServerCommand(program);
      await program.parseAsync(process.argv);`;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        script,
        'tailor',
        'server',
        '--port',
        String(port),
        '--workers',
        'campaigns,segment',
      ],
      {
        env: {
          ...process.env,
          REDIS_URL: redis.server.url,
          TAILOR_HOME: home,
          TAILOR_ADMIN_USER: 'ops',
          TAILOR_ADMIN_PASSWORD: 'pw',
          TAILOR_COPY_MODE: 'template',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    // 'close' (after stdio drained), since the last stdout line is read once it exits.
    const exited = new Promise<number | null>((resolveExit) =>
      child.on('close', (code) => resolveExit(code)),
    );
    try {
      const deadline = Date.now() + 30_000;
      // The listening line and the workers line are two writes; a pipe may hand them over apart.
      while (!(stderr.includes('listening on') && stderr.includes('workers in this process'))) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`server did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(stderr).toContain('workers in this process: campaigns, segment');
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/api/campaigns`)).status).toBe(401);
      const authorised = await fetch(`${base}/api/campaigns`, {
        headers: { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` },
      });
      expect(authorised.status).toBe(200);
      // Two worker connections per queue at least: they must be gone after the stop.
      const clientsWhileUp = (await redis.client.client('LIST')) as string;

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGTERM: closing the server');
      expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({
        server: 'stopped',
        signal: 'SIGTERM',
      });
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
      const clientsAfter = (await redis.client.client('LIST')) as string;
      expect(clientsAfter.split('\n').filter(Boolean).length).toBeLessThan(
        clientsWhileUp.split('\n').filter(Boolean).length,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
