import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizeRun } from '../../src/campaigns/run-summary.js';
import { projectRoot } from '../../src/config/paths.js';
import { demoSpec, importSample, PipelineHarness } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

const FIXTURE_MODEL = join(projectRoot, 'test', 'fixtures', 'models', 'karpathy', 'stories260K');

/**
 * A campaign through the real model runtime with the fixture model (it writes stories, not
 * copy, so the guardrails send every piece to the template fallback, with the reason).
 */
describe('campaign with a local model', () => {
  let redis: TestRedis;
  let home: string;
  let harness: PipelineHarness;
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.TAILOR_MODEL = FIXTURE_MODEL;
    process.env.TAILOR_COPY_MODE = 'model';
    process.env.TAILOR_MODEL_DEVICE = 'cpu';
    redis = await startTestRedis();
    home = mkdtempSync(join(tmpdir(), 'tailor-model-copy-'));
    await importSample(home);
    harness = new PipelineHarness(redis, home);
    harness.startWorkers({ transport: 'stream' });
  });

  afterAll(async () => {
    await harness.close();
    await redis.stop();
    rmSync(home, { recursive: true, force: true });
    process.env = saved;
  });

  // A few countries keep the number of segment × product-set keys (and generations) small.
  const spec = (id: string) =>
    demoSpec({
      id,
      channels: ['email', 'ads'],
      audience: { minOrders: 1, countries: ['France', 'Belgium'] },
    });

  it('generates once per distinct copy key, records model or fallback per message, and a rerun generates nothing', async () => {
    const first = await harness.enqueue(spec('model-copy-first'));
    expect((await harness.wait(first.runId)).state).toBe('completed');
    const summary = await summarizeRun(harness.store, first.runId);
    expect(summary.methods.copywriter).toBe('karpathy/stories260K');
    expect(summary.copyKeys).toBeGreaterThan(1);
    expect(summary.generateCalls).toBe(summary.copyKeys);
    expect(summary.copy.model + summary.copy.fallback).toBe(summary.copyKeys);
    for (const copy of await harness.store.allCopy(first.runId)) {
      expect(
        copy.source === 'model' || (copy.source === 'fallback' && copy.reason?.startsWith('guardrail')),
      ).toBe(true);
    }

    const second = await harness.enqueue(spec('model-copy-second'));
    expect((await harness.wait(second.runId)).state).toBe('completed');
    const again = await summarizeRun(harness.store, second.runId);
    expect(again.copyKeys).toBe(summary.copyKeys);
    expect(again.generateCalls).toBe(0);
    expect(again.sent).toBe(summary.sent);
  }, 240_000);
});
