import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FINGERPRINT_KEY,
  LinkSecretError,
  openLinkSigner,
  registerLinkSecret,
  resolveLinkSecret,
} from '../../src/audience/link-secret.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

describe('link secret', () => {
  let redis: TestRedis;
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-secret-'));
    homes.push(dir);
    return dir;
  };
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });

  it('uses TAILOR_SECRET, refusing a short one by name', () => {
    const secret = resolveLinkSecret({ env: { TAILOR_SECRET: 'x'.repeat(40) }, home: home() });
    expect(secret.source).toBe('TAILOR_SECRET');
    expect(secret.secrets[0].toString()).toBe('x'.repeat(40));
    expect(() => resolveLinkSecret({ env: { TAILOR_SECRET: 'short' }, home: home() })).toThrow(
      /TAILOR_SECRET is 5 characters long: use at least 32/,
    );
    const rotated = resolveLinkSecret({
      env: { TAILOR_SECRET: 'n'.repeat(40), TAILOR_SECRET_PREVIOUS: `${'o'.repeat(40)}, ${'p'.repeat(33)}` },
      home: home(),
    });
    expect(rotated.secrets.map((s) => s.toString()[0])).toEqual(['n', 'o', 'p']);
  });

  it('without TAILOR_SECRET generates one secret per home, private to its owner, and keeps it', () => {
    const dir = home();
    const first = resolveLinkSecret({ env: {}, home: dir });
    expect(first.source).toBe('file');
    expect(first.path).toBe(join(dir, 'secret'));
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'secret'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(resolveLinkSecret({ env: {}, home: dir }).secrets[0]).toEqual(first.secrets[0]);
    expect(resolveLinkSecret({ env: {}, home: home() }).secrets[0]).not.toEqual(first.secrets[0]);
  });

  it('refuses a generated secret that differs from the one already used on this Redis', async () => {
    await redis.client.del(FINGERPRINT_KEY);
    const a = home();
    await openLinkSigner({ env: {}, home: a, redis: redis.client });
    await openLinkSigner({ env: {}, home: a, redis: redis.client }); // same home: joins
    await expect(openLinkSigner({ env: {}, home: home(), redis: redis.client })).rejects.toThrow(
      /differs from the one other Tailor processes on this Redis use.*Set the same TAILOR_SECRET/,
    );
    // An explicit secret is the operator's decision: it replaces the registration.
    const explicit = resolveLinkSecret({ env: { TAILOR_SECRET: 'e'.repeat(40) }, home: home() });
    await registerLinkSecret(redis.client, explicit);
    await expect(openLinkSigner({ env: {}, home: a, redis: redis.client })).rejects.toBeInstanceOf(
      LinkSecretError,
    );
  });
});
