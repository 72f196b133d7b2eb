import { describe, expect, it } from 'vitest';
import {
  checkExposure,
  credentialsFromEnv,
  isAuthorized,
  isLoopbackHost,
  ServerAuthConfigError,
} from '../../src/server/auth.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('credentials from the environment', () => {
  it('reads user, password and token', () => {
    expect(
      credentialsFromEnv({
        TAILOR_ADMIN_USER: 'ann',
        TAILOR_ADMIN_PASSWORD: 's3cret',
        TAILOR_API_TOKEN: 'tok',
      }),
    ).toEqual({
      basic: { user: 'ann', password: 's3cret' },
      token: 'tok',
    });
    expect(credentialsFromEnv({ TAILOR_API_TOKEN: 'tok' })).toEqual({ token: 'tok' });
    expect(credentialsFromEnv({})).toBeUndefined();
  });

  it('refuses half a pair, naming the missing variable', () => {
    expect(() => credentialsFromEnv({ TAILOR_ADMIN_USER: 'ann' })).toThrow(
      /TAILOR_ADMIN_PASSWORD is not set/,
    );
    expect(() => credentialsFromEnv({ TAILOR_ADMIN_PASSWORD: 'x' })).toThrow(/TAILOR_ADMIN_USER is not set/);
    expect(() => credentialsFromEnv({ TAILOR_ADMIN_USER: 'a:b', TAILOR_ADMIN_PASSWORD: 'x' })).toThrow(
      ServerAuthConfigError,
    );
  });
});

describe('exposure check', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it('refuses to serve without credentials on a reachable address, and says so on loopback', () => {
    expect(() => checkExposure('0.0.0.0', undefined)).toThrow(
      /refusing to listen on 0\.0\.0\.0 without credentials/,
    );
    expect(checkExposure('127.0.0.1', undefined)).toMatch(
      /open, listening on 127\.0\.0\.1 \(loopback only\)/,
    );
    expect(checkExposure('0.0.0.0', { token: 't' })).toBeUndefined();
  });
});

describe('authorization header', () => {
  const credentials = { basic: { user: 'ann', password: 'pässword' }, token: 'tok-123' };

  it('accepts the right Basic pair (UTF-8) and the bearer token', () => {
    expect(isAuthorized(basic('ann', 'pässword'), credentials)).toBe(true);
    expect(isAuthorized('bearer tok-123', credentials)).toBe(true);
  });

  it('refuses anything else', () => {
    expect(isAuthorized(undefined, credentials)).toBe(false);
    expect(isAuthorized('', credentials)).toBe(false);
    expect(isAuthorized(basic('ann', 'password'), credentials)).toBe(false);
    expect(isAuthorized(basic('bob', 'pässword'), credentials)).toBe(false);
    expect(isAuthorized(basic('ann', 'pässword2'), credentials)).toBe(false);
    expect(isAuthorized('Basic not-base64-without-colon', credentials)).toBe(false);
    expect(isAuthorized('Bearer tok-1234', credentials)).toBe(false);
    expect(isAuthorized('Token tok-123', credentials)).toBe(false);
    expect(isAuthorized('Bearer tok-123', { basic: credentials.basic })).toBe(false);
    expect(isAuthorized(basic('ann', 'pässword'), { token: 'tok-123' })).toBe(false);
  });

  it('keeps a colon in the password (only the first one separates)', () => {
    expect(isAuthorized(basic('ann', 'a:b:c'), { basic: { user: 'ann', password: 'a:b:c' } })).toBe(true);
  });
});
