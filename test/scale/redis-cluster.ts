import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';
import type { RedisNodeAddress } from '../../src/queues/redis-topology.js';

/**
 * A real three-node Redis Cluster for one test file: three `redis-server --cluster-enabled yes`
 * with Tailor's production settings, joined by `redis-cli --cluster create` (all 16,384 slots,
 * no replicas), ready once every node reports `cluster_state:ok`.
 */
export interface TestRedisCluster {
  nodes: RedisNodeAddress[];
  servers: RedisServerHandle[];
  stop(): Promise<void>;
}

export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tailor-cluster-'));
  const servers: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await freePort();
      servers.push(
        await startRedisServer({
          dataDir: join(dir, `node-${i}`),
          port,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
        }),
      );
    }
    const nodes = servers.map((server) => ({ host: '127.0.0.1', port: server.port }));
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) {
      throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout || create.error}`);
    }
    await waitForClusterOk(nodes);
    return { nodes, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForClusterOk(nodes: RedisNodeAddress[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const node of nodes) {
    const client = new Redis({ ...node, lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    try {
      await client.connect();
      for (;;) {
        const info = String(await client.call('CLUSTER', 'INFO'));
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ok: ${info}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }
}
