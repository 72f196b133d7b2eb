import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerScheduleCommands } from '../../src/cli/schedule-command.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

let redis: TestRedis;
let dir: string;
const saved = { ...process.env };
beforeAll(async () => {
  redis = await startTestRedis();
  dir = mkdtempSync(join(tmpdir(), 'tailor-schedule-cli-'));
  process.env.REDIS_URL = redis.server.url;
  process.env.TAILOR_HOME = dir;
});
afterAll(async () => {
  process.env = saved;
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `tailor schedule ...` in-process and returns what it printed on stdout. */
async function tailor(...args: string[]): Promise<string> {
  const program = new Command('tailor').exitOverride();
  registerScheduleCommands(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'tailor', 'schedule', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('tailor schedule', () => {
  it('upsert, list and remove through the command line', async () => {
    const specPath = join(dir, 'winback.json');
    writeFileSync(specPath, readFileSync('examples/reengagement-lapsed.json'));
    const upserted = JSON.parse(
      await tailor(
        'upsert',
        'winback',
        '--cron',
        '0 9 * * 1',
        '--tz',
        'Europe/Paris',
        '--spec',
        specPath,
        '--cap-days',
        '21',
      ),
    );
    expect(upserted).toMatchObject({
      name: 'winback',
      cron: '0 9 * * 1',
      tz: 'Europe/Paris',
      campaign: 'We miss you',
      frequencyCap: { group: 'reengagement', windowDays: 21 },
    });
    expect(JSON.parse(await tailor('list', '--json'))).toEqual([upserted]);
    expect(await tailor('list')).toMatch(
      /^winback: cron "0 9 \* \* 1" Europe\/Paris; next .*; cap 1 per 21 d \(reengagement\)\n$/,
    );
    expect(JSON.parse(await tailor('remove', 'winback'))).toEqual({ removed: 'winback' });
    await expect(tailor('remove', 'winback')).rejects.toThrow(/no schedule named 'winback'/);
    expect(await tailor('list')).toBe('no schedules\n');
  });

  it('refuses a spec without a lapsed audience, naming the file and field', async () => {
    const specPath = join(dir, 'not-lapsed.json');
    const spec = JSON.parse(readFileSync('examples/demo-campaign.json', 'utf8'));
    writeFileSync(specPath, JSON.stringify(spec));
    await expect(tailor('upsert', 'x', '--cron', '0 9 * * 1', '--spec', specPath)).rejects.toThrow(
      /not-lapsed\.json: invalid campaign spec: audience\.lapsedForDays/,
    );
    await expect(
      tailor('upsert', 'x', '--cron', '0 9 * * 1', '--spec', join(dir, 'missing.json')),
    ).rejects.toThrow(/missing\.json: cannot read campaign spec \(ENOENT\)/);
  });
});
