import { describe, expect, it } from 'vitest';
import {
  describeTopology,
  parseNodeList,
  RedisTopologyError,
  redisTopologyFromEnv,
} from '../../src/queues/redis-topology.js';

describe('redisTopologyFromEnv', () => {
  it('names no deployment when nothing is set (the embedded server)', () => {
    expect(redisTopologyFromEnv({})).toBeUndefined();
    expect(redisTopologyFromEnv({ REDIS_URL: '  ' })).toBeUndefined();
  });

  it('reads REDIS_URL as one server', () => {
    expect(redisTopologyFromEnv({ REDIS_URL: 'redis://:secret@cache:6380/2' })).toEqual({
      kind: 'standalone',
      url: 'redis://:secret@cache:6380/2',
    });
    expect(() => redisTopologyFromEnv({ REDIS_URL: 'cache:6379' })).toThrow(/REDIS_URL must be a redis:\/\//);
  });

  it('reads a cluster from seed nodes, with credentials from the variables or the URLs', () => {
    expect(
      redisTopologyFromEnv({
        REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,r3',
        REDIS_PASSWORD: 'pw',
        REDIS_USERNAME: 'tailor',
      }),
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
        { host: 'r3', port: 6379 },
      ],
      username: 'tailor',
      password: 'pw',
      tls: false,
    });
    expect(
      redisTopologyFromEnv({
        REDIS_CLUSTER_NODES: 'rediss://app:p%40ss@c1.example:6379,rediss://c2.example',
      }),
    ).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'c1.example', port: 6379 },
        { host: 'c2.example', port: 6379 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
  });

  it('reads a Sentinel deployment and insists on the primary name', () => {
    expect(
      redisTopologyFromEnv({
        REDIS_SENTINELS: 's1:26379,[::1]:26380,s3',
        REDIS_SENTINEL_NAME: 'tailor-primary',
        REDIS_SENTINEL_PASSWORD: 'sp',
        REDIS_PASSWORD: 'dp',
        REDIS_DB: '1',
        REDIS_TLS: 'true',
      }),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
        { host: 's3', port: 26379 },
      ],
      name: 'tailor-primary',
      username: undefined,
      password: 'dp',
      sentinelUsername: undefined,
      sentinelPassword: 'sp',
      db: 1,
      tls: true,
    });
    expect(() => redisTopologyFromEnv({ REDIS_SENTINELS: 's1:26379' })).toThrow(/REDIS_SENTINEL_NAME/);
  });

  it('refuses two deployments at once and bad values, naming the variable', () => {
    expect(() => redisTopologyFromEnv({ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'b:1' })).toThrow(
      'REDIS_URL and REDIS_CLUSTER_NODES are both set',
    );
    expect(() => redisTopologyFromEnv({ REDIS_CLUSTER_NODES: 'r1:0' })).toThrow(
      /REDIS_CLUSTER_NODES entry 1 \('r1:0'\) needs a host and a port/,
    );
    expect(() => redisTopologyFromEnv({ REDIS_CLUSTER_NODES: ' , ' })).toThrow(
      /REDIS_CLUSTER_NODES is empty/,
    );
    expect(() => redisTopologyFromEnv({ REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS: 'maybe' })).toThrow(
      RedisTopologyError,
    );
  });

  it('keeps credentials out of error messages and log lines', () => {
    let message = '';
    try {
      parseNodeList('redis://u:topsecret@host:99999', 'REDIS_CLUSTER_NODES', 6379);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/REDIS_CLUSTER_NODES entry 1 is not a valid URL: redis:\/\/u:\*\*\*@host/);
    expect(message).not.toContain('topsecret');
    const topology = redisTopologyFromEnv({ REDIS_CLUSTER_NODES: 'redis://u:topsecret@h1:7000' });
    expect(describeTopology(topology as NonNullable<typeof topology>)).toBe('cluster h1:7000');
    expect(describeTopology({ kind: 'standalone', url: 'redis://u:topsecret@h:1' })).toBe(
      'redis://u:***@h:1',
    );
  });
});
