import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a benchmark's child process reported about itself at exit (rss-report.ts). */
export interface ProcessReport {
  pid: number;
  code: number;
  peakRssMb: number;
  cpuSeconds: number;
  /** Main-thread garbage-collection pauses: scavenges (minor) and the rest (major). */
  gcSeconds?: { minor: number; major: number };
  /** How many of those pauses. */
  gcCount?: { minor: number; major: number };
  /** Of cpuSeconds, the time spent in the kernel. */
  systemCpuSeconds?: number;
  pageFaults?: { minor: number; major: number };
}

const RSS_REPORT = fileURLToPath(new URL('./rss-report.js', import.meta.url));

/**
 * A Node child process of a benchmark (an import, a `tailor worker`, a sink): its output kept
 * for errors, `waitFor` to see a line such as a readiness message, and its own peak RSS and CPU
 * time read back after it exits.
 */
export class BenchProcess {
  readonly child: ChildProcess;
  private stdout = '';
  private stderr = '';
  private readonly exited: Promise<number>;
  private readonly reportPath: string;

  constructor(
    readonly label: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; reportDir: string },
  ) {
    if (!existsSync(RSS_REPORT)) throw new Error(`${RSS_REPORT} is missing: run \`npm run build:bench\``);
    this.reportPath = join(options.reportDir, `${label}.report.json`);
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', RSS_REPORT, ...args], {
      env: { ...process.env, ...options.env, TAILOR_BENCH_REPORT: this.reportPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
    });
    // 'close', not 'exit': by then stdout is drained (the import's summary is its last line).
    // The output is kept beside the report (a benchmark's --keep keeps both), e.g. for a
    // worker started with --trace-gc.
    const logPath = join(options.reportDir, `${label}.log`);
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        try {
          writeFileSync(logPath, `${this.stdout}\n--- stderr (last 20,000 characters)\n${this.stderr}`);
        } catch {
          // The benchmark's work directory is already gone: the log is only a diagnostic.
        }
        resolve(code ?? (signal ? 128 : 1));
      }),
    );
  }

  get output(): { stdout: string; stderr: string } {
    return { stdout: this.stdout, stderr: this.stderr };
  }

  /** Resolves once stderr or stdout holds `text`; rejects if the process exits first. */
  async waitFor(text: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderr.includes(text) && !this.stdout.includes(text)) {
      if (this.child.exitCode !== null) throw this.failure('exited before it was ready');
      if (Date.now() > deadline) throw this.failure(`did not print '${text}' within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for a normal exit; throws with the process's stderr otherwise. */
  async finished(): Promise<{ stdout: string; report: ProcessReport | null }> {
    const code = await this.exited;
    if (code !== 0) throw this.failure(`exited with code ${code}`);
    return { stdout: this.stdout, report: this.report() };
  }

  /** SIGTERM (a worker finishes its jobs in flight and exits), then the report. */
  async stop(): Promise<ProcessReport | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
    return this.report();
  }

  private report(): ProcessReport | null {
    try {
      return JSON.parse(readFileSync(this.reportPath, 'utf8')) as ProcessReport;
    } catch {
      return null;
    }
  }

  private failure(what: string): Error {
    return new Error(`${this.label} ${what}:\n${this.stderr.trim().split('\n').slice(-20).join('\n')}`);
  }
}
