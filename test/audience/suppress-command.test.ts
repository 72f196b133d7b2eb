import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTailor } from '../support/cli.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** `tailor suppress …` as a user runs it (the built command, a real Redis). */
describe('tailor suppress', () => {
  let redis: TestRedis;
  let home: string;
  let env: NodeJS.ProcessEnv;
  const tailor = async (...args: string[]) => {
    const out = await runTailor(args, env);
    return { ...out, json: () => JSON.parse(out.stdout) };
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    home = mkdtempSync(join(tmpdir(), 'tailor-suppress-'));
    env = { REDIS_URL: redis.server.url, TAILOR_HOME: home };
  });
  afterAll(async () => {
    await redis?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('adds, lists, keeps the first reason, and removes', async () => {
    expect((await tailor('suppress', 'list', '--json')).json()).toEqual([]);
    const added = await tailor(
      'suppress',
      'add',
      'Ann@Example.com',
      'bob@example.com',
      '--reason',
      'complained',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toEqual({ added: 2, alreadySuppressed: 0 });
    expect((await tailor('suppress', 'add', 'ann@example.com')).json()).toEqual({
      added: 0,
      alreadySuppressed: 1,
    });
    const listed = (await tailor('suppress', 'list', '--json')).json() as { email: string; reason: string }[];
    expect(listed.map((e) => [e.email, e.reason]).sort()).toEqual([
      ['ann@example.com', 'complained'],
      ['bob@example.com', 'complained'],
    ]);
    expect((await tailor('suppress', 'remove', 'bob@example.com', 'nobody@example.com')).json()).toEqual({
      removed: 1,
      missing: ['nobody@example.com'],
    });
    const text = await tailor('suppress', 'list');
    expect(text.stdout).toMatch(/^ann@example\.com\tcomplained\t\d{4}-/);
  });

  it('refuses a bad address or reason before writing anything', async () => {
    const bad = await tailor('suppress', 'add', 'ok@example.com', 'not-an-address');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/address 2/);
    const reason = await tailor('suppress', 'add', 'ok@example.com', '--reason', 'bored');
    expect(reason.code).toBe(1);
    expect(reason.stderr).toMatch(
      /--reason "bored" is not one of unsubscribed, hard-bounced, complained, manual/,
    );
    expect(await redis.client.hexists('tailor:suppression', 'ok@example.com')).toBe(0);
  });

  it('imports a CSV and a plain list, reporting bad rows by file and line', async () => {
    const csv = join(home, 'bounces.csv');
    writeFileSync(
      csv,
      [
        'email,reason',
        'c1@example.com,hard-bounced',
        'broken,manual',
        'c2@example.com,',
        'c3@example.com,weird',
      ].join('\n'),
    );
    const out = await tailor('suppress', 'import', csv);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/bounces\.csv:3: .*email/);
    expect(out.stderr).toMatch(/bounces\.csv:5: .*reason "weird"/);
    expect(JSON.parse(out.stdout.trim())).toMatchObject({ added: 2, alreadySuppressed: 0, rejected: 2 });
    const txt = join(home, 'list.txt');
    writeFileSync(txt, '# exported from the old tool\nc4@example.com\n\nc1@example.com  # already there\n');
    expect(
      JSON.parse((await tailor('suppress', 'import', txt, '--reason', 'unsubscribed', '--json')).stdout),
    ).toMatchObject({
      added: 1,
      alreadySuppressed: 1,
      rejected: 0,
    });
    const all = (await tailor('suppress', 'list', '--json', '--reason', 'hard-bounced')).json();
    expect(all.map((e: { email: string }) => e.email)).toEqual(['c1@example.com']);
  });
});
