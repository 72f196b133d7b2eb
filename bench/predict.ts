/**
 * Predict-stage speed: the LSTM served through onnxruntime-node (LstmPredictor: encoding,
 * batched ONNX runs, repeat blend, top-k) against personal top-frequency (the reference), on the
 * same customers in the same run. Prints one JSON line.
 *
 *   npm run bench:predict -- [--orders FILE] [--customers 10000] [--k 10] [--model DIR]
 *                            [--rounds 3] [--threads N] [--provider cpu|cuda]
 *
 * Customers are the orders file's customers (default: the UCI Online Retail file when present),
 * resampled with a fixed seed up to --customers; without a file, synthetic Zipf-popular baskets.
 * Without --model, the network has the production shape (default hyperparameters, the file's
 * catalogue) and seeded random weights: prediction time does not depend on the weights' values.
 * Each side runs `rounds` times, alternating, and the best time of each is reported.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { BasketSequences } from '../src/data/snapshot.js';
import { ItemVocabulary } from '../src/prediction/lstm/item-vocabulary.js';
import { exportLstmOnnx } from '../src/prediction/lstm/lstm-onnx-export.js';
import type { ExecutionProvider } from '../src/prediction/lstm/lstm-onnx-session.js';
import { initialParameters, type LstmShape } from '../src/prediction/lstm/lstm-parameters.js';
import { DEFAULT_HYPERPARAMETERS } from '../src/prediction/lstm/lstm-trainer.js';
import { SeededRandom } from '../src/prediction/lstm/seeded-random.js';
import { BASKET_FEATURES, REPEAT_FEATURES } from '../src/prediction/lstm/sequence-batch.js';
import { LstmPredictor } from '../src/prediction/lstm-predictor.js';
import type { Predictor } from '../src/prediction/predictor.js';
import { readOrdersSequences } from '../src/prediction/snapshot-sequences.js';
import { TopFrequencyPredictor } from '../src/prediction/top-frequency.js';

const UCI = '/work/shared/datasets/uci-online-retail/online_retail.csv.gz';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string' },
    customers: { type: 'string', default: '10000' },
    k: { type: 'string', default: '10' },
    model: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string' },
    provider: { type: 'string', default: 'cpu' },
    json: { type: 'boolean', default: true },
  },
});

const customers = Number(args.customers);
const k = Number(args.k);
const rounds = Number(args.rounds);
const random = new SeededRandom(1);

const ordersFile = args.orders ?? (existsSync(UCI) ? UCI : undefined);
let source: { sequences: BasketSequences; catalogue: number };
if (ordersFile) {
  const read = await readOrdersSequences({ orders: ordersFile });
  source = { sequences: read.sequences, catalogue: read.catalogue };
} else {
  source = syntheticSequences(2000, 3000);
}
const sequences = resample(source.sequences, customers);
const popularity = new Uint32Array(source.catalogue);
for (const p of sequences.items) popularity[p]++;

let lstm: LstmPredictor;
const serving = {
  executionProvider: args.provider as ExecutionProvider,
  ...(args.threads ? { threads: Number(args.threads) } : {}),
};
if (args.model) {
  lstm = await LstmPredictor.load(args.model, serving);
} else {
  const vocabulary = ItemVocabulary.fromPopularity(popularity, DEFAULT_HYPERPARAMETERS.minItemBaskets);
  const shape: LstmShape = {
    vocabulary: vocabulary.size,
    embedding: DEFAULT_HYPERPARAMETERS.embedding,
    basketFeatures: BASKET_FEATURES.length,
    hidden: DEFAULT_HYPERPARAMETERS.hidden,
    repeatFeatures: REPEAT_FEATURES.length,
  };
  const params = initialParameters(shape, random) as Float32Array;
  lstm = await LstmPredictor.fromModel(
    'bench',
    exportLstmOnnx(shape, params, 0.03),
    vocabulary,
    DEFAULT_HYPERPARAMETERS.maxSteps,
    serving,
  );
}
const reference = new TopFrequencyPredictor();
const context = { popularity, referenceTime: 0 };

async function timed(predictor: Predictor): Promise<number> {
  const start = performance.now();
  await predictor.predict(sequences, k, context);
  return performance.now() - start;
}

let lstmMs = Number.POSITIVE_INFINITY;
let referenceMs = Number.POSITIVE_INFINITY;
await timed(lstm); // warm-up: session allocation, JIT
for (let r = 0; r < rounds; r++) {
  lstmMs = Math.min(lstmMs, await timed(lstm));
  referenceMs = Math.min(referenceMs, await timed(reference));
}
await lstm.close();

const round = (v: number) => Math.round(v * 10) / 10;
console.log(
  JSON.stringify({
    bench: 'predict',
    customers,
    k,
    baskets: sequences.basketTime.length,
    catalogue: source.catalogue,
    data: ordersFile ?? 'synthetic',
    weights: args.model ? `model ${args.model}` : 'seeded random, production shape',
    provider: args.provider,
    lstmMs: round(lstmMs),
    topFrequencyMs: round(referenceMs),
    lstmOverTopFrequency: round(lstmMs / referenceMs),
    lstmPer1kCustomersMs: round((lstmMs / customers) * 1000),
    goalMs: 2000,
    withinGoal: lstmMs < 2000,
    rounds,
    loadAverage: loadavg().map(round),
  }),
);

/** `count` customers drawn with replacement from `from` (seeded). */
function resample(from: BasketSequences, count: number): BasketSequences {
  const eligible: number[] = [];
  for (let c = 0; c < from.length; c++) if (from.basketStart[c + 1] > from.basketStart[c]) eligible.push(c);
  const picks = Array.from({ length: count }, () => eligible[Math.floor(random.next() * eligible.length)]);
  const baskets = picks.reduce((n, c) => n + from.basketStart[c + 1] - from.basketStart[c], 0);
  const items = picks.reduce(
    (n, c) => n + from.itemStart[from.basketStart[c + 1]] - from.itemStart[from.basketStart[c]],
    0,
  );
  const out: BasketSequences = {
    start: 0,
    length: count,
    basketStart: new Uint32Array(count + 1),
    basketTime: new Float64Array(baskets),
    basketSpend: new Float64Array(baskets),
    itemStart: new Uint32Array(baskets + 1),
    items: new Uint32Array(items),
  };
  let b = 0;
  let i = 0;
  picks.forEach((c, row) => {
    out.basketStart[row] = b;
    for (let fb = from.basketStart[c]; fb < from.basketStart[c + 1]; fb++, b++) {
      out.basketTime[b] = from.basketTime[fb];
      out.basketSpend[b] = from.basketSpend[fb];
      out.itemStart[b] = i;
      for (let fi = from.itemStart[fb]; fi < from.itemStart[fb + 1]; fi++) out.items[i++] = from.items[fi];
    }
  });
  out.basketStart[count] = b;
  out.itemStart[b] = i;
  return out;
}

/** Customers with 1–20 baskets of 1–30 Zipf-popular products, a week or so apart. */
function syntheticSequences(
  count: number,
  catalogue: number,
): { sequences: BasketSequences; catalogue: number } {
  const cumulative = new Float64Array(catalogue);
  let total = 0;
  for (let p = 0; p < catalogue; p++) {
    total += 1 / (p + 1);
    cumulative[p] = total;
  }
  const draw = () => {
    const u = random.next() * total;
    let lo = 0;
    let hi = catalogue - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const basketStart = [0];
  const basketTime: number[] = [];
  const itemStart = [0];
  const items: number[] = [];
  for (let c = 0; c < count; c++) {
    const n = 1 + Math.floor(random.next() * 20);
    let t = Date.UTC(2024, 0, 1) + random.next() * 30 * 86_400_000;
    for (let b = 0; b < n; b++) {
      const basket = new Set<number>();
      const size = 1 + Math.floor(random.next() * 30);
      while (basket.size < size) basket.add(draw());
      items.push(...basket);
      itemStart.push(items.length);
      basketTime.push(t);
      t += (1 + random.next() * 14) * 86_400_000;
    }
    basketStart.push(basketTime.length);
  }
  return {
    sequences: {
      start: 0,
      length: count,
      basketStart: Uint32Array.from(basketStart),
      basketTime: Float64Array.from(basketTime),
      basketSpend: new Float64Array(basketTime.length),
      itemStart: Uint32Array.from(itemStart),
      items: Uint32Array.from(items),
    },
    catalogue,
  };
}
