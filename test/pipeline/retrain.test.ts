import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passingModelVersions } from '../../src/prediction/model-registry.js';
import { RETRAIN_JOB } from '../../src/workers/retrain.js';
import { demoSpec, importSample, PipelineHarness } from '../support/pipeline.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';

/** The retraining job scheduler trains a model that the next campaign's predict stage serves. */
describe('scheduled retraining', () => {
  let redis: TestRedis;
  let home: string;
  let harness: PipelineHarness;

  beforeAll(async () => {
    redis = await startTestRedis();
    home = mkdtempSync(join(tmpdir(), 'tailor-retrain-'));
    await importSample(home);
    harness = new PipelineHarness(redis, home);
    harness.startWorkers({ transport: 'stream' });
  });

  afterAll(async () => {
    await harness.close();
    await redis.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('registers a passing model version, then campaigns use it instead of the baseline', async () => {
    const before = await harness.enqueue(demoSpec({ id: 'before-training', channels: ['email'] }));
    expect((await harness.wait(before.runId)).predictor).toBe('top-frequency');

    const queue = harness.queues.get('predict');
    await queue.upsertJobScheduler(
      'retrain-sample',
      { every: 60_000 },
      { name: RETRAIN_JOB, data: { dataset: 'sample' } },
    );
    const deadline = Date.now() + 45_000; // inside the test's own timeout, so this is what fails
    while ((await passingModelVersions(home)).length === 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
    }
    await queue.removeJobScheduler('retrain-sample');
    const [model] = await passingModelVersions(home);
    expect(model.evaluation?.passed).toBe(true);
    expect(model.evaluation?.model.recall).toBeGreaterThanOrEqual(model.evaluation?.baseline.recall ?? 1);

    const after = await harness.enqueue(demoSpec({ id: 'after-training', channels: ['email'] }));
    const run = await harness.wait(after.runId);
    expect(run.state).toBe('completed');
    expect(run.predictor).toBe('lstm');
    expect(run.predictorVersion).toBe(model.version);
  });
});
