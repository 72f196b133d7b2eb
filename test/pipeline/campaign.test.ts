import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendReviewedRun } from '../../src/campaigns/enqueue-campaign.js';
import { summarizeRun } from '../../src/campaigns/run-summary.js';
import type { CustomerRecord } from '../../src/data/snapshot.js';
import { openSnapshot } from '../../src/data/snapshot-catalog.js';
import { demoSpec, importSample, PipelineHarness } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { startSmtpSink } from '../support/smtp-sink.js';

/** A full campaign on the shipped sample, through every queue, to a real SMTP server. */
describe('campaign pipeline', () => {
  let redis: TestRedis;
  let home: string;
  let harness: PipelineHarness;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let customers: CustomerRecord[];
  let orders: Float64Array;

  beforeAll(async () => {
    redis = await startTestRedis();
    home = mkdtempSync(join(tmpdir(), 'tailor-pipeline-'));
    await importSample(home);
    const snapshot = await openSnapshot(home, 'sample');
    customers = await snapshot.customers(0, snapshot.manifest.customers);
    orders = (await snapshot.aggregates(0, snapshot.manifest.customers)).orders;
    await snapshot.close();
    sink = await startSmtpSink();
    harness = new PipelineHarness(redis, home);
    harness.startWorkers({ transport: 'smtp', smtpUrl: sink.url });
  });

  afterAll(async () => {
    await harness?.close();
    await sink?.stop();
    await redis?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('sends every eligible customer exactly one mail and skips the rest by reason', async () => {
    const run = await harness.enqueue(demoSpec({ channels: ['email', 'ads'] }));
    const finished = await harness.wait(run.runId);
    expect(finished.state).toBe('completed');

    const inAudience = customers.filter((_, i) => orders[i] >= 1);
    const eligible = inAudience.filter((c) => c.consent);
    expect(eligible.length).toBeGreaterThan(200);
    const received = sink.mails.flatMap((m) => m.to);
    expect(received.length).toBe(eligible.length);
    expect(new Set(received)).toEqual(new Set(eligible.map((c) => c.email)));

    const summary = await summarizeRun(harness.store, run.runId);
    expect(summary).toMatchObject({
      recipients: inAudience.length,
      sent: eligible.length,
      skipped: { 'no-consent': inAudience.length - eligible.length },
      failed: {},
      pending: 0,
      adRows: eligible.length,
    });

    const { raw, parsed: mail } = sink.mails[0];
    expect(raw).toMatch(/^List-Unsubscribe: <http:\/\/localhost:8080\/\S+>\r?$/m);
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(mail.messageId).toMatch(/^<[0-9a-f]{16,}@shop\.example\.com>$/);
    expect(mail.html).toContain('nsubscribe');
  });

  it('sends nothing new when the same campaign is enqueued again', async () => {
    const before = sink.mails.length;
    const run = await harness.enqueue(demoSpec({ channels: ['email', 'ads'] }));
    expect(run.runId).toMatch(/-r2$/);
    const finished = await harness.wait(run.runId);
    expect(finished.state).toBe('completed');
    expect(sink.mails.length).toBe(before);
    const summary = await summarizeRun(harness.store, run.runId);
    expect(summary.sent).toBe(0);
    expect(summary.skipped['already-sent']).toBe(before);
    expect(summary.pending).toBe(0);
  });

  it('stops a dry run before dispatch, then sends exactly what was reviewed', async () => {
    const before = sink.mails.length;
    const run = await harness.enqueue(demoSpec({ id: 'reviewed-first', channels: ['email'] }), {
      dryRun: true,
    });
    const reviewed = await harness.wait(run.runId);
    expect(reviewed.state).toBe('reviewed');
    expect(sink.mails.length).toBe(before);
    const reviewedCopy = await harness.store.allCopy(run.runId);
    expect(reviewedCopy.length).toBeGreaterThan(0);

    await sendReviewedRun(harness, run.runId);
    const sent = await harness.wait(run.runId);
    expect(sent.state).toBe('completed');
    const mails = sink.mails.slice(before);
    const summary = await summarizeRun(harness.store, run.runId);
    expect(mails.length).toBe(summary.sent);
    expect(summary.pending).toBe(0);
    // Every subject that went out is one of the reviewed subjects.
    const subjects = new Set(reviewedCopy.map((c) => (c.copy as { subject: string }).subject));
    for (const mail of mails) expect(subjects.has(mail.parsed.subject ?? '')).toBe(true);
    await expect(sendReviewedRun(harness, run.runId)).rejects.toThrow(/only a reviewed dry run/);
  });
});
