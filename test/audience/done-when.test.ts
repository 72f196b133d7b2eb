import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/paths.js';
import { ledgerField, SendLedger } from '../../src/dispatch/send-ledger.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { freePort } from '../../src/queues/redis-server.js';
import { runTailor, spawnTailor } from '../support/cli.js';

/**
 * Issue 11's "done when", with the built `tailor` command only: `tailor demo` sends the demo
 * campaign with links on TAILOR_PUBLIC_URL; `tailor server` is started there on the demo's home;
 * a POST of List-Unsubscribe=One-Click to the URL in a demo mail's List-Unsubscribe header
 * suppresses that customer (`tailor suppress list --json`), a GET and a tampered token do not;
 * a second campaign to the same audience skips them as `unsubscribed`; orders attributed later
 * show revenue per recipient and the uplift over the hold-out in `tailor campaign status`.
 */

const ARTIFACTS = 'artifacts';
let root: string;
let home: string;
let port: number;
let server: ChildProcess | undefined;
let serverLog = '';
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tailor-done-when-'));
  home = join(root, 'demo'); // where `tailor demo` keeps its sandbox (TAILOR_HOME/demo)
  port = await freePort();
  env = {
    TAILOR_HOME: root,
    TAILOR_PUBLIC_URL: `http://127.0.0.1:${port}`,
    TAILOR_COPY_MODE: 'template',
    REDIS_URL: '',
    TAILOR_SECRET: '',
    TAILOR_DEMO_REDIS_URL: '',
  };
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(root, { recursive: true, force: true });
});

const suppressed = async () => {
  const out = await runTailor(['suppress', 'list', '--json'], { ...env, TAILOR_HOME: home });
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as { email: string; reason: string; campaignId?: string }[];
};

describe('one-click unsubscribe against a running tailor server', () => {
  it('works end to end with the demo', async () => {
    const demo = await runTailor(['demo'], env);
    expect(demo.code, demo.stderr).toBe(0);
    const demoSummary = JSON.parse(demo.stdout.trim().split('\n').at(-1) as string);
    expect(demoSummary.sent).toBeGreaterThan(100);

    server = spawnTailor(['server', '--port', String(port)], { ...env, TAILOR_HOME: home });
    server.stderr?.on('data', (chunk: Buffer) => {
      serverLog += chunk;
    });
    const deadline = Date.now() + 30_000;
    while (!serverLog.includes('listening on')) {
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`server did not start: ${serverLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // A demo mail, as the recipient's mailbox provider sees it.
    const outbox = join(home, 'outbox', 'winter-favourites');
    const raw = readFileSync(
      join(outbox, readdirSync(outbox).find((f) => f.endsWith('.eml')) as string),
      'utf8',
    );
    const url = /^List-Unsubscribe: <([^>]+)>/m.exec(raw)?.[1] as string;
    const recipient = /^To: (?:.*<)?([^<>\s]+@[^<>\s]+?)>?\r?$/m.exec(raw)?.[1] as string;
    expect(url.startsWith(`http://127.0.0.1:${port}/u/`)).toBe(true);
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);

    const get = await fetch(url);
    expect(get.status).toBe(200);
    expect(await suppressed()).toEqual([]);

    const token = url.slice(url.lastIndexOf('/') + 1);
    const tampered = `${url.slice(0, url.lastIndexOf('/') + 1)}${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const oneClick = (target: string) =>
      fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
    expect((await oneClick(tampered)).status).toBe(400);
    expect(await suppressed()).toEqual([]);

    const post = await oneClick(url);
    expect(post.status).toBe(200);
    expect(await suppressed()).toEqual([
      expect.objectContaining({ email: recipient, reason: 'unsubscribed', campaignId: 'winter-favourites' }),
    ]);

    // A second campaign to the same audience, with a hold-out, run by the server's workers.
    const spec = JSON.parse(readFileSync(join(projectRoot, 'examples', 'demo-campaign.json'), 'utf8'));
    const secondSpec = join(root, 'second.json');
    writeFileSync(
      secondSpec,
      JSON.stringify({
        ...spec,
        id: 'winter-second',
        name: 'Winter favourites, second mail',
        channels: ['email'],
        tracking: { holdout: 0.2, clicks: true },
      }),
    );
    const second = await runTailor(['campaign', 'enqueue', secondSpec, '--wait', '--json'], {
      ...env,
      TAILOR_HOME: home,
    });
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout.trim().split('\n').at(-1) as string);
    expect(summary.state).toBe('completed');
    expect(summary.skipped.unsubscribed).toBe(1);
    expect(summary.skipped.holdout).toBeGreaterThan(20);

    // Orders that came in after the mail (a synthetic file: mailed customers ordering a little
    // more often than held-out ones), attributed with the CLI.
    const redis = createRedisClient(JSON.parse(readFileSync(join(home, 'redis', 'server.json'), 'utf8')).url);
    const customers = readFileSync(join(projectRoot, 'data', 'sample', 'customers.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    const states = await new SendLedger(redis).states(
      'winter-second',
      customers.map((id) => ledgerField(id, 'email')),
    );
    redis.disconnect();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const lines = ['order_id,customer_id,product_id,quantity,unit_price,ordered_at'];
    let mailedN = 0;
    let heldN = 0;
    customers.forEach((id, i) => {
      if (states[i]?.startsWith('sent:') && mailedN++ % 4 === 0)
        lines.push(`m${i},${id},85123A,2,12.50,${later}`);
      if (states[i] === 'skipped:holdout' && heldN++ % 8 === 0)
        lines.push(`h${i},${id},85123A,2,12.50,${later}`);
    });
    const orders = join(root, 'orders-since.csv');
    writeFileSync(orders, lines.join('\n'));
    const attributed = await runTailor(['campaign', 'attribute', '--orders', orders, '--json'], {
      ...env,
      TAILOR_HOME: home,
    });
    expect(attributed.code, attributed.stderr).toBe(0);
    const result = JSON.parse(attributed.stdout.trim());
    expect(result.attributed).toBe(lines.length - 1);
    expect(result.campaigns['winter-second'].mailed.orders).toBe(Math.ceil(mailedN / 4));

    const status = await runTailor(['campaign', 'status', 'winter-second'], { ...env, TAILOR_HOME: home });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/skipped: .*unsubscribed 1/);
    expect(status.stdout).toMatch(/revenue £\d+\.\d{2} per recipient/);
    expect(status.stdout).toMatch(/uplift: revenue per recipient [+-]?£/);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'campaign-status-winter-second.txt'), status.stdout);
  }, 240_000);
});
