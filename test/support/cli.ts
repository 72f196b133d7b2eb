import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/config/paths.js';

export const TAILOR_BIN = join(projectRoot, 'bin', 'tailor.js');

/** Run the built `tailor` command to completion. */
export function runTailor(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TAILOR_BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('error', reject);
    // 'close', not 'exit': at 'exit' the last of stdout may still be in the pipe.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Start a long-running `tailor` process (e.g. a worker). */
export function spawnTailor(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [TAILOR_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
