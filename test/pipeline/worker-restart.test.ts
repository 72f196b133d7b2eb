import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { summarizeRun } from '../../src/campaigns/run-summary.js';
import { spawnTailor } from '../support/cli.js';
import { demoSpec, importSample, PipelineHarness } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { startSmtpSink } from '../support/smtp-sink.js';

/** `tailor worker` processes stopped in the middle of a campaign, then replaced. */
describe('worker stopped mid-run', () => {
  let redis: TestRedis;
  let home: string;
  let harness: PipelineHarness;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  const workers: ChildProcess[] = [];

  const startWorker = () => {
    const child = spawnTailor(['worker'], {
      REDIS_URL: redis.server.url,
      TAILOR_HOME: home,
      SMTP_URL: sink.url,
      TAILOR_LOCK_DURATION_MS: '3000',
      TAILOR_STALLED_INTERVAL_MS: '1000',
      TAILOR_COPY_MODE: 'template',
    });
    workers.push(child);
    return child;
  };
  const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));
  const until = async (condition: () => boolean, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const messageIds = () => sink.mails.map((m) => m.parsed.messageId);

  beforeAll(async () => {
    // Many small send chunks, so a stop always lands mid-campaign.
    process.env.TAILOR_CHUNK_SIZE = '40';
    redis = await startTestRedis();
    home = mkdtempSync(join(tmpdir(), 'tailor-restart-'));
    await importSample(home);
    sink = await startSmtpSink(undefined, { delayMs: 10 });
    harness = new PipelineHarness(redis, home);
  });

  afterEach(async () => {
    for (const child of workers.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  afterAll(async () => {
    delete process.env.TAILOR_CHUNK_SIZE;
    await harness.close();
    await sink.stop();
    await redis.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('after SIGTERM, a new worker finishes the campaign with no mail sent twice', async () => {
    sink.mails.length = 0;
    const first = startWorker();
    const run = await harness.enqueue(demoSpec({ id: 'graceful', channels: ['email'] }));
    await until(() => sink.mails.length >= 40);
    first.kill('SIGTERM');
    await exited(first);
    const atStop = sink.mails.length;
    startWorker();
    const finished = await harness.wait(run.runId);
    expect(finished.state).toBe('completed');
    const summary = await summarizeRun(harness.store, run.runId);
    expect(atStop).toBeLessThan(summary.sent);
    expect(messageIds().length).toBe(summary.sent);
    expect(new Set(messageIds()).size).toBe(summary.sent);
    expect(summary.pending).toBe(0);
  });

  it('after SIGKILL, every eligible customer is reached; only mails in flight may repeat, with the same Message-ID', async () => {
    sink.mails.length = 0;
    const first = startWorker();
    const run = await harness.enqueue(demoSpec({ id: 'killed', channels: ['email'] }));
    await until(() => sink.mails.length >= 40);
    first.kill('SIGKILL');
    await exited(first);
    startWorker();
    const finished = await harness.wait(run.runId);
    expect(finished.state).toBe('completed');
    const summary = await summarizeRun(harness.store, run.runId);
    const unique = new Set(messageIds());
    expect(unique.size).toBe(summary.sent);
    expect(summary.pending).toBe(0);
    // In flight at the kill: at most the dispatch concurrency × the SMTP pool.
    expect(messageIds().length - unique.size).toBeLessThanOrEqual(4 * 5);
    const recipients = new Set(sink.mails.flatMap((m) => m.to));
    expect(recipients.size).toBe(summary.sent);
  });
});
