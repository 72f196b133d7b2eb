import { describe, expect, it } from 'vitest';
import { trainLstm } from '../../src/prediction/lstm/lstm-trainer.js';
import { sequencesOf } from './sequences.js';

const DAY = 86_400_000;

/**
 * Customers walk a cycle of six two-product baskets from different starting points, so the next
 * basket follows from the last one: learnable by a sequence model, invisible to counting.
 */
function cyclicCustomers(count: number) {
  const customers: number[][][] = [];
  const times: number[][] = [];
  for (let c = 0; c < count; c++) {
    const baskets: number[][] = [];
    const t: number[] = [];
    const length = 5 + (c % 5);
    for (let b = 0; b < length; b++) {
      const step = (c + b) % 6;
      baskets.push([step, 6 + step]);
      t.push((b * 7 + (c % 3)) * DAY);
    }
    customers.push(baskets);
    times.push(t);
  }
  return sequencesOf(customers, times);
}

const small = {
  embedding: 8,
  hidden: 16,
  batchRows: 64,
  learningRate: 0.02,
  dropout: 0,
  maxEpochs: 25,
  patience: 25,
  k: 2,
  minItemBaskets: 1,
};

describe('trainLstm', () => {
  it('lowers the loss and learns what counting cannot', () => {
    const history = cyclicCustomers(90);
    const model = trainLstm({ history, catalogue: 12 }, small);
    const first = model.epochs[0];
    const last = model.epochs[model.epochs.length - 1];
    expect(last.trainLoss).toBeLessThan(first.trainLoss * 0.6);
    expect(last.gapLoss).toBeLessThan(first.gapLoss);
    expect(model.validation.lstm.recall).toBeGreaterThan(0.9);
    expect(model.validation.topFrequency.recall).toBeLessThan(0.5);
  });

  it('is reproducible from its seed', () => {
    const history = cyclicCustomers(30);
    const options = { ...small, maxEpochs: 3, patience: 3, dropout: 0.2 };
    const a = trainLstm({ history, catalogue: 12 }, { ...options, seed: 5 });
    const b = trainLstm({ history, catalogue: 12 }, { ...options, seed: 5 });
    const c = trainLstm({ history, catalogue: 12 }, { ...options, seed: 6 });
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true);
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(c.params.buffer))).toBe(false);
  });

  it('caps the vocabulary, the validation customers and the transitions per epoch', () => {
    const history = cyclicCustomers(40);
    const model = trainLstm(
      { history, catalogue: 12 },
      { ...small, maxEpochs: 2, maxVocabulary: 5, maxValidationCustomers: 10, maxTransitionsPerEpoch: 64 },
    );
    expect(model.shape.vocabulary).toBe(6); // five products + the rare slot
    expect(model.validation.customers).toBe(10);
    expect(model.epochs.length).toBe(2);
  });

  it('refuses histories too short to train on', () => {
    expect(() => trainLstm({ history: sequencesOf([[[1], [2]]]), catalogue: 3 })).toThrow(
      /too little history/,
    );
  });
});
