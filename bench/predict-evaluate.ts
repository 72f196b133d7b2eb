/**
 * Next-purchase quality and cost: the evaluation protocol of `tailor predict evaluate` (last
 * basket held out; LSTM trained on the histories and served from its ONNX export; global
 * popularity and both personal top-frequency variants as references, measured in the same run).
 * Epoch progress goes to stderr; one JSON line to stdout.
 *
 *   npm run build:bench && node dist-bench/bench/predict-evaluate.js \
 *     [--orders FILE] [--format auto|online-retail|generic] [--k 10] [--seed 42] [--provider cpu|cuda]
 *
 * Default orders: the UCI Online Retail file under ../shared/datasets when present.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { evaluateOrders } from '../src/prediction/evaluate-orders.js';
import type { ExecutionProvider } from '../src/prediction/lstm/lstm-onnx-session.js';

const UCI = '/work/shared/datasets/uci-online-retail/online_retail.csv.gz';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string' },
    format: { type: 'string', default: 'auto' },
    k: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    provider: { type: 'string', default: 'cpu' },
  },
});
const orders = args.orders ?? (existsSync(UCI) ? UCI : undefined);
if (!orders) {
  console.error('predict-evaluate: no --orders file given and the UCI Online Retail file is not present');
  process.exit(2);
}
const loadBefore = loadavg();
const result = await evaluateOrders({
  orders,
  format: args.format as 'auto' | 'online-retail' | 'generic',
  k: Number(args.k),
  hyperparameters: { seed: Number(args.seed) },
  executionProvider: args.provider as ExecutionProvider,
  onEpoch: (e) =>
    console.error(
      `epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} validation recall ${e.validation.recall.toFixed(4)} ` +
        `ndcg ${e.validation.ndcg.toFixed(4)} blend ${e.blendWeight} (${e.seconds.toFixed(1)} s)`,
    ),
  onMethod: (name, m) =>
    console.error(`${name}: recall ${m.recall.toFixed(4)} ndcg ${m.ndcg.toFixed(4)} hr ${m.hr.toFixed(4)}`),
});
const methods = result.methods;
const reference = methods['top-frequency'];
console.log(
  JSON.stringify({
    bench: 'predict-evaluate',
    ...result,
    lstmRecallOverTopFrequency: methods.lstm && reference ? methods.lstm.recall / reference.recall : null,
    lstmRecallOverTopFrequencyFirstSeen:
      methods.lstm && methods['top-frequency-first-seen']
        ? methods.lstm.recall / methods['top-frequency-first-seen'].recall
        : null,
    loadAverage: { before: loadBefore, after: loadavg() },
  }),
);
