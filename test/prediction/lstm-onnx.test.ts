import { describe, expect, it } from 'vitest';
import { ItemVocabulary } from '../../src/prediction/lstm/item-vocabulary.js';
import { addRepeatScores, LstmNetwork } from '../../src/prediction/lstm/lstm-network.js';
import { exportLstmOnnx } from '../../src/prediction/lstm/lstm-onnx-export.js';
import {
  ExecutionProviderUnavailableError,
  LstmOnnxSession,
} from '../../src/prediction/lstm/lstm-onnx-session.js';
import { initialParameters, type LstmShape } from '../../src/prediction/lstm/lstm-parameters.js';
import { rankingScores } from '../../src/prediction/lstm/repeat-blend.js';
import { SeededRandom } from '../../src/prediction/lstm/seeded-random.js';
import {
  BASKET_FEATURES,
  REPEAT_FEATURES,
  SequenceBatchBuilder,
} from '../../src/prediction/lstm/sequence-batch.js';
import { sequencesOf } from './sequences.js';

const DAY = 86_400_000;

describe('ONNX export', () => {
  it('gives the same logits, repeat weights and gaps as the TypeScript network', async () => {
    const random = new SeededRandom(3);
    // 12 products, customers of 1..9 baskets (ragged: exercises sequence_lens).
    const customers: number[][][] = [];
    const times: number[][] = [];
    for (let c = 0; c < 9; c++) {
      const baskets: number[][] = [];
      const t: number[] = [];
      for (let b = 0; b <= c; b++) {
        const size = 1 + Math.floor(random.next() * 4);
        const basket = new Set<number>();
        while (basket.size < size) basket.add(Math.floor(random.next() * 12));
        baskets.push([...basket]);
        t.push((b * 7 + Math.floor(random.next() * 5)) * DAY);
      }
      customers.push(baskets);
      times.push(t);
    }
    // A customer whose only basket holds a rare product: no repeat entry, rare-slot embedding.
    customers.push([[11]]);
    times.push([0]);
    const seqs = sequencesOf(customers, times);
    const popularity = Uint32Array.from({ length: 12 }, (_, p) => (p === 11 ? 1 : 2 + p));
    const vocabulary = ItemVocabulary.fromPopularity(popularity, 2);
    const shape: LstmShape = {
      vocabulary: vocabulary.size,
      embedding: 5,
      basketFeatures: BASKET_FEATURES.length,
      hidden: 6,
      repeatFeatures: REPEAT_FEATURES.length,
    };
    const params = initialParameters(shape, random, {
      repeatBias: [0.1, 1, 0.2, 0.3, -0.1, 0.5],
    }) as Float32Array;
    for (let i = 0; i < params.length; i++) params[i] += random.normal() * 0.3;

    const builder = new SequenceBatchBuilder(vocabulary, 6);
    for (let c = 0; c < seqs.length; c++) builder.addPredictionCustomer(seqs, c);
    const batch = builder.finish();

    const network = new LstmNetwork(shape, params);
    const expected = network.forward(batch);
    const expectedScores = expected.logits.slice();
    const { repeatItemBias } = network.layout;
    addRepeatScores(
      batch,
      expected.repeatWeights,
      params,
      repeatItemBias,
      expectedScores,
      shape.vocabulary,
      shape.repeatFeatures,
    );
    const expectedRanking = expectedScores.slice();
    rankingScores(expectedRanking, batch, shape.vocabulary, 0.3);
    const session = await LstmOnnxSession.open(exportLstmOnnx(shape, params, 0.3, { test: 'yes' }));
    const actual = await session.run(batch, shape.vocabulary);
    const top = await session.top(batch, shape.vocabulary, 4);
    await session.close();

    expect(actual.logits.length).toBe(expected.logits.length);
    const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let w = 0;
      for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
      return w;
    };
    expect(worst(actual.logits, expected.logits)).toBeLessThan(1e-4);
    expect(worst(actual.repeatWeights, expected.repeatWeights)).toBeLessThan(1e-4);
    expect(worst(actual.logGap, expected.logGap)).toBeLessThan(1e-4);
    expect(worst(actual.scores, expectedScores)).toBeLessThan(1e-4);
    expect(worst(actual.scores, actual.logits)).toBeGreaterThan(1e-2); // the blend did something
    expect(worst(actual.ranking, expectedRanking)).toBeLessThan(1e-5);
    // In-graph top-k agrees with sorting the ranking scores.
    const V = shape.vocabulary;
    for (let r = 0; r < batch.rows; r++) {
      const row = Array.from(actual.ranking.subarray(r * V, (r + 1) * V));
      const sorted = row.map((s, slot) => ({ s, slot })).sort((a, b) => b.s - a.s || a.slot - b.slot);
      expect(Array.from(top.slots.subarray(r * 4, r * 4 + 4), Number)).toEqual(
        sorted.slice(0, 4).map((e) => e.slot),
      );
    }
    // The scores are not trivially equal: customers differ from each other.
    expect(
      worst(
        expected.logits.subarray(0, shape.vocabulary),
        expected.logits.subarray(shape.vocabulary, 2 * shape.vocabulary),
      ),
    ).toBeGreaterThan(1e-3);
  });

  it('opens on CUDA where onnxruntime has it, else refuses with a clear configuration error', async () => {
    const shape: LstmShape = { vocabulary: 4, embedding: 2, basketFeatures: 3, hidden: 2, repeatFeatures: 6 };
    const onnx = exportLstmOnnx(shape, initialParameters(shape, new SeededRandom(1)) as Float32Array, 0.1);
    try {
      const session = await LstmOnnxSession.open(onnx, { executionProvider: 'cuda' });
      await session.close();
    } catch (error) {
      expect(error).toBeInstanceOf(ExecutionProviderUnavailableError);
      expect((error as Error).message).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
    }
  });
});
