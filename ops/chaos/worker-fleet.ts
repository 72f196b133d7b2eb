import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Mulberry32 as SeededRandom } from '../../src/util/mulberry32.js';

/**
 * `tailor worker` processes kept at a fixed number: a worker the harness kills is replaced at
 * once; one that exits by itself (e.g. started while Redis was down: it refuses to run without
 * Redis) is started again after a short pause. Each worker's output goes to its own log file.
 */
export class WorkerFleet {
  private readonly live = new Set<ChildProcess>();
  private readonly killed = new WeakSet<ChildProcess>();
  private stopping = false;
  private started = 0;
  /** SIGKILLs sent by the harness. */
  kills = 0;
  /** Workers that exited without being killed (replaced too). */
  unexpectedExits = 0;
  readonly logs: string[] = [];

  constructor(
    private readonly options: {
      bin: string;
      env: NodeJS.ProcessEnv;
      size: number;
      logDir: string;
    },
  ) {}

  start(): void {
    // Never leave workers behind, even when the harness itself dies.
    process.once('exit', this.killAll);
    for (let i = 0; i < this.options.size; i++) this.spawnOne();
  }

  get size(): number {
    return this.live.size;
  }

  /** SIGKILLs a random live worker and starts its replacement. */
  killRandom(random: SeededRandom): ChildProcess | undefined {
    const workers = [...this.live].filter((w) => !this.killed.has(w));
    if (workers.length === 0) return undefined;
    const victim = random.pick(workers);
    this.killed.add(victim);
    victim.kill('SIGKILL');
    this.kills++;
    this.spawnOne();
    return victim;
  }

  /** SIGTERM to every worker (they finish what is in flight), SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    const exits = [...this.live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    process.off('exit', this.killAll);
  }

  private readonly killAll = (): void => {
    for (const child of this.live) child.kill('SIGKILL');
  };

  private spawnOne(): void {
    if (this.stopping) return;
    const log = join(this.options.logDir, `worker-${++this.started}.log`);
    this.logs.push(log);
    const fd = openSync(log, 'a');
    const child = spawn(process.execPath, [this.options.bin, 'worker'], {
      env: this.options.env,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.live.add(child);
    child.once('exit', () => {
      this.live.delete(child);
      if (this.killed.has(child) || this.stopping) return;
      this.unexpectedExits++;
      setTimeout(() => this.spawnOne(), 500).unref();
    });
  }
}
