import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LstmNetwork } from '../../src/prediction/lstm/lstm-network.js';
import { encodeForPrediction, predictTopProducts } from '../../src/prediction/lstm/lstm-trainer.js';
import { type BuiltLstm, buildLstmModel } from '../../src/prediction/lstm-model-builder.js';
import { LstmPredictor } from '../../src/prediction/lstm-predictor.js';
import {
  type EvaluationRecord,
  listModelVersions,
  MODEL_FILE,
  newModelVersion,
  saveModelVersion,
} from '../../src/prediction/model-registry.js';
import { NO_PRODUCT } from '../../src/prediction/predictor.js';
import { selectPredictor } from '../../src/prediction/select-predictor.js';
import { sequencesOf } from './sequences.js';

const DAY = 86_400_000;
const productIds = Array.from({ length: 12 }, (_, p) => `SKU-${p}`);

function cyclicCustomers(count: number) {
  const customers: number[][][] = [];
  const times: number[][] = [];
  for (let c = 0; c < count; c++) {
    const baskets: number[][] = [];
    const t: number[] = [];
    for (let b = 0; b < 5 + (c % 5); b++) {
      baskets.push([(c + b) % 6, 6 + ((c + b) % 6)]);
      t.push(b * 7 * DAY);
    }
    customers.push(baskets);
    times.push(t);
  }
  return sequencesOf(customers, times);
}

const evaluation = (passed: boolean): EvaluationRecord => ({
  evaluatedAt: new Date().toISOString(),
  k: 2,
  users: 60,
  model: { recall: 0.9, ndcg: 0.9, hr: 1 },
  baseline: { method: 'top-frequency', recall: 0.3, ndcg: 0.3, hr: 0.5 },
  passed,
  rule: 'test',
});

describe('LSTM serving', () => {
  const history = cyclicCustomers(60);
  const context = { popularity: new Uint32Array(12).fill(1), referenceTime: 0 };
  let root: string;
  let built: BuiltLstm;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tailor-lstm-'));
    built = await buildLstmModel({
      history,
      catalogue: 12,
      productIds,
      hyperparameters: {
        embedding: 8,
        hidden: 16,
        batchRows: 64,
        learningRate: 0.02,
        dropout: 0,
        maxEpochs: 25,
        patience: 25,
        k: 2,
        minItemBaskets: 1,
      },
    });
  });

  afterAll(async () => {
    await built.predictor.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves from a saved version the same top products as the TypeScript network', async () => {
    const entry = await saveModelVersion(root, {
      onnx: built.onnx,
      vocabulary: built.vocabulary,
      metadata: built.metadata as unknown as Record<string, unknown>,
      evaluation: evaluation(true),
    });
    const predictor = await LstmPredictor.load(entry.dir);
    expect(predictor.version).toBe(entry.version);
    const served = await predictor.predict(history, 2, context);
    await predictor.close();

    const t = built.trained;
    const network = new LstmNetwork(t.shape, t.params);
    const batches = encodeForPrediction(history, t.vocabulary, t.hyperparameters.maxSteps);
    const expected = predictTopProducts(network, t.vocabulary, batches, 2, t.blendWeight);
    expect(Array.from(served.products)).toEqual(Array.from(expected));
    // the learned cycle: after basket {s, 6+s} comes {s+1, 7+s}
    let right = 0;
    for (let c = 0; c < history.length; c++) {
      const last = history.items[history.itemStart[history.basketStart[c + 1] - 1]];
      const next = [(last + 1) % 6, 6 + ((last + 1) % 6)];
      if (next.every((p) => served.products.subarray(c * 2, c * 2 + 2).includes(p))) right++;
      const lastTime = history.basketTime[history.basketStart[c + 1] - 1];
      expect(served.expectedNextOrderAt[c]).toBeGreaterThan(lastTime + 3 * DAY);
      expect(served.expectedNextOrderAt[c]).toBeLessThan(lastTime + 14 * DAY);
    }
    expect(right / history.length).toBeGreaterThan(0.9);
  });

  it('maps products by id onto a catalogue with other indices, and covers customers without baskets', async () => {
    const entry = await saveModelVersion(root, {
      onnx: built.onnx,
      vocabulary: built.vocabulary,
      metadata: built.metadata as unknown as Record<string, unknown>,
      evaluation: evaluation(true),
    });
    const reversedIds = [...productIds].reverse();
    const reindex = (p: number) => 11 - p;
    const moved = { ...history, items: history.items.map(reindex) };
    const plain = await LstmPredictor.load(entry.dir);
    const mapped = await LstmPredictor.load(entry.dir, { productIds: reversedIds, batchCustomers: 7 });
    const a = await plain.predict(history, 2, context);
    const b = await mapped.predict(moved, 2, context);
    expect(Array.from(b.products)).toEqual(Array.from(a.products).map(reindex));
    const empty = sequencesOf([[], [[3]]]);
    const c = await plain.predict(empty, 3, {
      popularity: Uint32Array.from([0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0]),
      referenceTime: 0,
    });
    expect(c.products[0]).toBe(5);
    expect(Array.from(c.products).includes(NO_PRODUCT)).toBe(false);
    expect(c.expectedNextOrderAt[0]).toBeNaN();
    await plain.close();
    await mapped.close();
  });

  it('selects the newest passing version that loads, else top-frequency', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tailor-none-'));
    expect((await selectPredictor(empty)).method).toBe('top-frequency');
    await rm(empty, { recursive: true, force: true });

    const own = await mkdtemp(join(tmpdir(), 'tailor-select-'));
    const files = (passed: boolean) => ({
      onnx: built.onnx,
      vocabulary: built.vocabulary,
      metadata: built.metadata as unknown as Record<string, unknown>,
      evaluation: evaluation(passed),
    });
    const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute));
    const oldPassing = await saveModelVersion(own, files(true), newModelVersion(at(1)));
    await saveModelVersion(own, files(false), newModelVersion(at(2)));
    const damaged = await saveModelVersion(own, files(true), newModelVersion(at(3)));
    await writeFile(join(damaged.dir, MODEL_FILE), 'not onnx');
    await saveModelVersion(own, { ...files(true), evaluation: undefined }, newModelVersion(at(4)));

    expect((await listModelVersions(own)).map((e) => e.version).length).toBe(4);
    const skipped: string[] = [];
    const chosen = await selectPredictor(own, { onSkipped: (version) => skipped.push(version) });
    expect(chosen.method).toBe('lstm');
    expect(chosen.version).toBe(oldPassing.version);
    expect(skipped).toEqual([damaged.version]);
    await (chosen as LstmPredictor).close();
    expect((await readdir(join(own, 'models', 'lstm'))).some((n) => n.startsWith('.'))).toBe(false);
    await rm(own, { recursive: true, force: true });
  });
});
