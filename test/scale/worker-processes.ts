import type { ChildProcess } from 'node:child_process';
import { spawnTailor } from '../support/cli.js';

/** A running `tailor worker` process, ready once it has announced itself on stderr. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startWorkerProcess(args: string[], env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawnTailor(['worker', ...args], env);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!/tailor worker \d+: /.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`tailor worker exited at start:\n${stderr}`);
    if (Date.now() > deadline) throw new Error(`tailor worker did not start within 30 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
