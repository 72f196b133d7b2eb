import { once } from 'node:events';
import { type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';

/**
 * The chaos run's Redis: Tailor's own embedded server (startRedisServer: the same settings as
 * every `tailor` process uses) on a fixed port and data directory, so a restart replays the AOF
 * and the workers reconnect to the same address.
 */
export class RedisUnderTest {
  private handle?: RedisServerHandle;
  port = 0;
  restarts = 0;

  constructor(private readonly dataDir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.handle = await startRedisServer({ dataDir: this.dataDir, port: this.port || undefined });
    this.port = this.handle.port;
    process.off('exit', this.killOnExit);
    process.once('exit', this.killOnExit);
  }

  // Never leave the server behind, even when the harness itself dies.
  private readonly killOnExit = (): void => {
    this.handle?.process.kill('SIGKILL');
  };

  /** SIGTERM (Redis writes out its AOF and exits), a pause, then start again. */
  async terminateAndRestart(downMs = 500): Promise<void> {
    await this.handle?.stop();
    await pause(downMs);
    await this.start();
    this.restarts++;
  }

  /** SIGKILL (no chance to flush anything), a pause, then start again from the AOF. */
  async killAndRestart(downMs = 500): Promise<void> {
    const child = this.handle?.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    await pause(downMs);
    await this.start();
    this.restarts++;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    process.off('exit', this.killOnExit);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
