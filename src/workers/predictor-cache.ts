import type { SnapshotReader } from '../data/snapshot.js';
import type { ExecutionProvider } from '../prediction/lstm/lstm-onnx-session.js';
import { passingModelVersions } from '../prediction/model-registry.js';
import type { Predictor } from '../prediction/predictor.js';
import { selectPredictor } from '../prediction/select-predictor.js';

/**
 * The predictor each predict job uses: the newest model version that passed evaluation (else
 * the top-frequency baseline), loaded once per process and snapshot, and replaced when a
 * retraining job registers a newer passing version.
 */
export class PredictorCache {
  private current?: { key: string; predictor: Promise<Predictor> };

  constructor(
    private readonly home: string,
    private readonly executionProvider: ExecutionProvider = (process.env
      .TAILOR_PREDICT_DEVICE as ExecutionProvider) || 'cpu',
  ) {}

  async get(snapshot: SnapshotReader): Promise<Predictor> {
    const newest = (await passingModelVersions(this.home))[0]?.version ?? 'baseline';
    const key = `${snapshot.manifest.version}:${newest}`;
    if (this.current?.key !== key) {
      const previous = this.current?.predictor;
      this.current = {
        key,
        predictor: (async () =>
          selectPredictor(this.home, {
            executionProvider: this.executionProvider,
            productIds: (await snapshot.products()).map((p) => p.id),
            onSkipped: (version, error) =>
              process.stderr.write(`tailor: model ${version} skipped: ${error.message}\n`),
          }))(),
      };
      // Jobs still running on the previous model keep it until the process ends; new jobs
      // never see it again, so release it once they are likely done.
      if (previous) setTimeout(() => void previous.then((p) => p.close?.()).catch(() => {}), 60_000).unref();
    }
    return this.current.predictor;
  }

  async close(): Promise<void> {
    const predictor = await this.current?.predictor.catch(() => undefined);
    await predictor?.close?.();
    this.current = undefined;
  }
}
