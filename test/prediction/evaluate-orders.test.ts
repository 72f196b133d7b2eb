import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateOrders } from '../../src/prediction/evaluate-orders.js';

/**
 * A generic orders file where each customer walks a cycle of two-product baskets from their own
 * starting point (the next basket follows from the last), plus one malformed row.
 */
function ordersCsv(customers: number): string {
  const lines = ['order_id,customer_id,product_id,quantity,unit_price,ordered_at'];
  for (let c = 0; c < customers; c++) {
    for (let b = 0; b < 5 + (c % 4); b++) {
      const step = (c + b) % 6;
      const day = String(1 + b * 3).padStart(2, '0');
      for (const product of [step, 6 + step]) {
        lines.push(`o-${c}-${b},c${c},p${product},1,2.50,2024-03-${day}T10:00:00Z`);
      }
    }
  }
  lines.push('broken,c0,p1,-4,2.50,2024-03-01T10:00:00Z');
  return `${lines.join('\n')}\n`;
}

describe('evaluateOrders', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tailor-evaluate-'));
    file = join(dir, 'orders.csv');
    await writeFile(file, ordersCsv(80));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('imports the orders, trains the LSTM and reports it next to the three baselines', async () => {
    const epochs: number[] = [];
    const result = await evaluateOrders({
      orders: file,
      format: 'generic',
      k: 2,
      hyperparameters: {
        embedding: 8,
        hidden: 16,
        batchRows: 64,
        learningRate: 0.02,
        dropout: 0,
        maxEpochs: 25,
        patience: 25,
        minItemBaskets: 1,
      },
      onEpoch: (e) => epochs.push(e.epoch),
    });
    expect(result.users).toBe(80);
    expect(result.k).toBe(2);
    expect(result.import.rejected).toBe(1);
    expect(Object.keys(result.methods)).toEqual([
      'lstm',
      'popularity',
      'top-frequency-first-seen',
      'top-frequency',
    ]);
    for (const method of Object.values(result.methods)) {
      for (const key of ['recall', 'ndcg', 'hr', 'trainSeconds', 'predictPer1kCustomersMs'] as const) {
        expect(Number.isFinite(method[key]), key).toBe(true);
      }
    }
    expect(epochs.length).toBeGreaterThan(0);
    expect(result.lstm?.vocabulary).toBe(13);
    // The sequence is learnable and counting cannot see it.
    expect(result.methods.lstm.recall).toBeGreaterThan(0.9);
    expect(result.methods['top-frequency'].recall).toBeLessThan(0.5);
    expect(result.methods.lstm.version).toBe('unsaved');
  });

  it('evaluates only the methods asked for and refuses a bad k', async () => {
    const result = await evaluateOrders({ orders: file, methods: ['top-frequency'], k: 3 });
    expect(Object.keys(result.methods)).toEqual(['top-frequency']);
    await expect(evaluateOrders({ orders: file, k: 0 })).rejects.toThrow(/--k must be a positive integer/);
  });
});
