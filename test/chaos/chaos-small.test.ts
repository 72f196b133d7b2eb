import { describe, expect, it } from 'vitest';
import { runChaos } from '../../ops/chaos/chaos-harness.js';

/**
 * The chaos harness in CI (issue 8), small: 1,000 customers, three `tailor worker` processes
 * (the built CLI: `npm test` builds first), a worker SIGKILLed every 1–4 s, Redis SIGTERMed and
 * SIGKILLed once each, an SMTP sink answering 451 to 10 % of messages and 550 to a fixed list.
 * `npm run chaos -- --customers 10000` is the full run.
 */
describe('chaos run, small', () => {
  it('reaches every eligible customer once or reports a permanent failure, through kills and Redis restarts', async () => {
    const report = await runChaos({ customers: 1000, seed: 8, timeoutMs: 100_000 });
    expect(report.runState).toBe('completed');
    expect(report.workerKills).toBeGreaterThanOrEqual(2);
    expect(report.redisRestarts).toBe(2);
    expect(report.smtpTransientFailures).toBeGreaterThan(50);
    expect(report.lost).toBe(0);
    expect(report.deliveredUnique + report.permanentFailures).toBe(report.eligible);
    expect(report.permanentFailures).toBeGreaterThan(0);
    expect(report.deliveredToIneligible).toBe(0);
    expect(report.wrongMessageIds).toBe(0);
    expect(report.deliveredAndFailed).toBe(0);
    expect(report.ledgerSending).toBe(0);
    expect(report.failedJobs).toBe(0);
    // A crash can re-send at most what the worker had in flight: one mail per SMTP connection (5).
    expect(report.redeliveries).toBeLessThanOrEqual(report.workerKills * 5);
  }, 120_000);
});
