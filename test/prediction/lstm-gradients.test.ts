import { describe, expect, it } from 'vitest';
import { ItemVocabulary } from '../../src/prediction/lstm/item-vocabulary.js';
import { LstmNetwork } from '../../src/prediction/lstm/lstm-network.js';
import {
  initialParameters,
  type LstmShape,
  parameterLayout,
} from '../../src/prediction/lstm/lstm-parameters.js';
import { SeededRandom } from '../../src/prediction/lstm/seeded-random.js';
import {
  BASKET_FEATURES,
  REPEAT_FEATURES,
  SequenceBatchBuilder,
} from '../../src/prediction/lstm/sequence-batch.js';
import { sequencesOf } from './sequences.js';

const DAY = 86_400_000;

function tinyProblem() {
  // Products 0..7; product 7 is rare (one basket) and falls into the rare slot.
  const seqs = sequencesOf(
    [
      [
        [0, 1],
        [1, 2, 7],
        [0, 3],
        [1, 4],
      ],
      [[5], [5, 6], [2]],
      [[3, 4, 5], [0]],
    ],
    [
      [0, 2 * DAY, 3 * DAY, 10 * DAY],
      [0, 30 * DAY, 31 * DAY],
      [0, 5 * DAY],
    ],
  );
  const popularity = Uint32Array.from([3, 3, 2, 2, 2, 3, 1, 1]);
  const vocabulary = ItemVocabulary.fromPopularity(popularity, 2);
  // Rows weighted per customer (γ = 0.5) so the weighting's gradient is checked too.
  const builder = new SequenceBatchBuilder(vocabulary, 3, 0.5);
  for (let c = 0; c < seqs.length; c++) builder.addTrainingCustomer(seqs, c);
  const batch = builder.finish();
  const shape: LstmShape = {
    vocabulary: vocabulary.size,
    embedding: 3,
    basketFeatures: BASKET_FEATURES.length,
    hidden: 4,
    repeatFeatures: REPEAT_FEATURES.length,
  };
  // Larger-than-usual weights so every path carries a gradient worth checking.
  const random = new SeededRandom(7);
  const params = initialParameters(shape, random, { repeatBias: [0.3, 0.5, -0.2, 0.4, 0.1, 0.6] }, 'float64');
  const layout = parameterLayout(shape);
  for (let i = layout.outputWeights; i < layout.outputBias; i++) params[i] = random.normal() * 0.5;
  for (let i = layout.repeatModulation; i < layout.repeatBias; i++) params[i] = random.normal() * 0.5;
  for (let i = layout.gapWeights; i < layout.total; i++) params[i] = random.normal() * 0.5;
  return { batch, shape, params, layout };
}

describe('LstmNetwork gradients', () => {
  for (const dropout of [0, 0.3]) {
    it(`match central differences for every parameter (dropout ${dropout})`, () => {
      const { batch, shape, params, layout } = tinyProblem();
      expect(batch.rows).toBe(3 + 2 + 1);
      const net = new LstmNetwork(shape, params);
      const options = { dropout, seed: 11, gapWeight: 0.7 };
      const grad = new Float64Array(layout.total);
      net.lossAndGradient(batch, grad, options);
      const lossAt = () => net.lossAndGradient(batch, new Float64Array(layout.total), options).loss;
      const eps = 1e-6;
      const tensors = Object.entries(layout).filter(([name]) => name !== 'total') as [string, number][];
      tensors.sort((a, b) => a[1] - b[1]);
      let checked = 0;
      for (let t = 0; t < tensors.length; t++) {
        const [name, start] = tensors[t];
        const end = t + 1 < tensors.length ? tensors[t + 1][1] : layout.total;
        let worst = 0;
        let nonzero = 0;
        for (let i = start; i < end; i++) {
          const keep = params[i];
          params[i] = keep + eps;
          const up = lossAt();
          params[i] = keep - eps;
          const down = lossAt();
          params[i] = keep;
          const numeric = (up - down) / (2 * eps);
          const error = Math.abs(numeric - grad[i]) / Math.max(1e-4, Math.abs(numeric) + Math.abs(grad[i]));
          worst = Math.max(worst, error);
          if (Math.abs(grad[i]) > 1e-9) nonzero++;
          checked++;
        }
        expect(worst, `${name}: worst relative error`).toBeLessThan(1e-5);
        expect(nonzero, `${name}: some gradient flows`).toBeGreaterThan(0);
      }
      expect(checked).toBe(layout.total);
    });
  }
});
