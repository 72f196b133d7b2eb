import type { BasketSequences } from '../../data/snapshot.js';
import { splitLastBasket } from '../holdout-split.js';
import { type RankingMetrics, rankingMetrics, type TargetBaskets } from '../ranking-metrics.js';
import { rankTopFrequency } from '../top-frequency.js';
import { Adam, clipGradientNorm } from './adam.js';
import { ItemVocabulary } from './item-vocabulary.js';
import { addRepeatScores, LstmNetwork } from './lstm-network.js';
import { type Floats, type InitialValues, initialParameters, type LstmShape } from './lstm-parameters.js';
import { BLEND_FEATURE, BLEND_WEIGHTS, rankingScores } from './repeat-blend.js';
import { SeededRandom } from './seeded-random.js';
import {
  BASKET_FEATURES,
  REPEAT_FEATURES,
  type SequenceBatch,
  SequenceBatchBuilder,
} from './sequence-batch.js';
import { topProducts } from './top-slots.js';

export interface LstmHyperparameters {
  seed: number;
  /** Products in fewer training baskets than this share the rare slot. */
  minItemBaskets: number;
  /** Most products the model scores (the most popular); the rest share the rare slot. */
  maxVocabulary: number;
  embedding: number;
  hidden: number;
  /** Newest baskets the LSTM reads per customer (sequence truncation). */
  maxSteps: number;
  dropout: number;
  gapWeight: number;
  learningRate: number;
  weightDecay: number;
  /** Prediction rows (transitions) per optimiser step. */
  batchRows: number;
  /** Each of a customer's n transitions weighs n^-power in the loss (0: all alike). */
  customerWeightPower: number;
  /** An epoch stops after this many transitions (a fresh random subset each epoch on big data). */
  maxTransitionsPerEpoch: number;
  /** Validation (early stopping, blend choice) uses at most this many customers (seeded sample). */
  maxValidationCustomers: number;
  maxEpochs: number;
  /** Epochs without a better validation score before stopping. */
  patience: number;
  clipNorm: number;
  /** Cut-off of the validation metric (Recall@k). */
  k: number;
  /** Training stops (validating what it has) once this many seconds have passed. */
  timeBudgetSeconds: number;
  /**
   * After early stopping, train again from the same start for the best epoch count on all
   * history transitions (validation baskets included) and serve that.
   */
  refit: boolean;
}

export const DEFAULT_HYPERPARAMETERS: LstmHyperparameters = {
  seed: 42,
  minItemBaskets: 2,
  maxVocabulary: 10_000,
  embedding: 48,
  hidden: 64,
  maxSteps: 50,
  dropout: 0.2,
  gapWeight: 0.2,
  learningRate: 3e-3,
  weightDecay: 0,
  batchRows: 256,
  customerWeightPower: 0.5,
  maxTransitionsPerEpoch: 100_000,
  maxValidationCustomers: 5_000,
  maxEpochs: 40,
  patience: 4,
  clipNorm: 5,
  k: 10,
  timeBudgetSeconds: 270,
  refit: true,
};

export interface EpochReport {
  epoch: number;
  trainLoss: number;
  gapLoss: number;
  /** Validation metrics at the epoch's best blend weight. */
  validation: RankingMetrics;
  blendWeight: number;
  seconds: number;
}

export interface TrainedLstm {
  shape: LstmShape;
  params: Float32Array;
  vocabulary: ItemVocabulary;
  hyperparameters: LstmHyperparameters;
  epochs: EpochReport[];
  bestEpoch: number;
  /** Weight of the customer's own purchase share in the final ranking (chosen on validation). */
  blendWeight: number;
  /** Whether the served parameters come from the refit on every history transition. */
  refitted: boolean;
  /** The best epoch's validation metrics, next to personal top-frequency on the same split. */
  validation: { lstm: RankingMetrics; topFrequency: RankingMetrics; customers: number };
  trainingTransitions: number;
  seconds: number;
}

export interface LstmTrainingInput {
  history: BasketSequences;
  catalogue: number;
}

/**
 * Trains the next-basket network on the customers' histories. Each customer's newest history
 * basket is held out as validation target (model selection and early stopping), the baskets
 * before it are the training transitions; no evaluation target is ever read.
 */
export function trainLstm(
  input: LstmTrainingInput,
  overrides: Partial<LstmHyperparameters> = {},
  onEpoch?: (report: EpochReport) => void,
): TrainedLstm {
  const started = performance.now();
  const hp: LstmHyperparameters = { ...DEFAULT_HYPERPARAMETERS, ...overrides };
  const split = splitLastBasket(input.history, input.catalogue);
  const train = split.history;
  const vocabulary = ItemVocabulary.fromPopularity(split.popularity, hp.minItemBaskets, hp.maxVocabulary);
  const shape: LstmShape = {
    vocabulary: vocabulary.size,
    embedding: hp.embedding,
    basketFeatures: BASKET_FEATURES.length,
    hidden: hp.hidden,
    repeatFeatures: REPEAT_FEATURES.length,
  };

  const trainable: number[] = [];
  let transitions = 0;
  for (let c = 0; c < train.length; c++) {
    const n = train.basketStart[c + 1] - train.basketStart[c];
    if (n >= 2) {
      trainable.push(c);
      transitions += Math.min(n - 1, hp.maxSteps);
    }
  }
  if (trainable.length === 0)
    throw new Error('no customer has three or more baskets: too little history to train');

  const init = initialValues(vocabulary, split.popularity, train);
  const run = new TrainingRun(shape, hp, vocabulary, init);
  const random0 = new SeededRandom(hp.seed ^ 0x5bd1e995);
  const validationRows = sampleRows(split.customers.length, hp.maxValidationCustomers, random0);
  const validationTargets = selectTargets(split.targets, validationRows);
  const validationBatches = encodeForPrediction(
    train,
    vocabulary,
    hp.maxSteps,
    split.targets,
    512,
    validationRows,
  );
  const topFrequency = rankingMetrics(
    selectRows(rankTopFrequency(train, hp.k, split.popularity), hp.k, validationRows),
    hp.k,
    validationTargets,
  );
  const overBudget = () => (performance.now() - started) / 1000 > hp.timeBudgetSeconds;

  const epochs: EpochReport[] = [];
  let best: RankingMetrics | null = null;
  let bestEpoch = 0;
  let bestParams = run.params.slice();
  let bestBlend = 0;
  for (let epoch = 1; epoch <= hp.maxEpochs; epoch++) {
    const epochStart = performance.now();
    const losses = run.epoch(train, trainable, overBudget);
    const { validation, blendWeight } = validateBlends(
      run.network,
      vocabulary,
      validationBatches,
      hp.k,
      validationTargets,
    );
    const report: EpochReport = {
      epoch,
      ...losses,
      validation,
      blendWeight,
      seconds: (performance.now() - epochStart) / 1000,
    };
    epochs.push(report);
    onEpoch?.(report);
    // Recall@k decides; NDCG@k breaks ties (recall saturates on easy data while ranking improves).
    if (
      !best ||
      validation.recall > best.recall ||
      (validation.recall === best.recall && validation.ndcg > best.ndcg)
    ) {
      best = validation;
      bestEpoch = epoch;
      bestParams = run.params.slice();
      bestBlend = blendWeight;
    } else if (epoch - bestEpoch >= hp.patience) {
      break;
    }
    if (overBudget()) break;
  }

  let params: Float32Array = bestParams;
  let refitted = false;
  if (hp.refit) {
    // Same start, same number of epochs, now with every history transition: the newest
    // transitions, held out for validation so far, are the ones most like what comes next.
    const all: number[] = [];
    for (let c = 0; c < input.history.length; c++) {
      if (input.history.basketStart[c + 1] - input.history.basketStart[c] >= 2) all.push(c);
    }
    const refit = new TrainingRun(shape, hp, vocabulary, init);
    for (let epoch = 1; epoch <= bestEpoch && !overBudget(); epoch++) {
      refit.epoch(input.history, all, overBudget);
      if (epoch === bestEpoch) {
        params = refit.params;
        refitted = true;
      }
    }
  }
  return {
    shape,
    params,
    refitted,
    vocabulary,
    hyperparameters: hp,
    epochs,
    bestEpoch,
    blendWeight: bestBlend,
    validation: { lstm: best!, topFrequency, customers: validationRows.length },
    trainingTransitions: transitions,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Parameters, optimiser and batch builder of one training run from the seeded start. */
class TrainingRun {
  readonly params: Float32Array;
  readonly network: LstmNetwork;
  private readonly optimiser: Adam;
  private readonly grad: Float32Array;
  private readonly builder: SequenceBatchBuilder;
  private readonly random: SeededRandom;

  constructor(
    shape: LstmShape,
    private readonly hp: LstmHyperparameters,
    vocabulary: ItemVocabulary,
    init: InitialValues,
  ) {
    this.random = new SeededRandom(hp.seed);
    this.params = initialParameters(shape, this.random, init) as Float32Array;
    this.network = new LstmNetwork(shape, this.params);
    const L = this.network.layout;
    // Weights decay; biases, the repeat feature weights and the gap head do not.
    this.optimiser = new Adam(this.params.length, {
      learningRate: hp.learningRate,
      weightDecay: hp.weightDecay,
      decayRanges: [
        [L.embedding, L.gateBias],
        [L.outputWeights, L.outputBias],
        [L.repeatModulation, L.repeatBias],
        [L.repeatItemBias, L.repeatItemBias + shape.vocabulary],
      ],
    });
    this.grad = new Float32Array(this.params.length);
    this.builder = new SequenceBatchBuilder(vocabulary, hp.maxSteps, hp.customerWeightPower);
  }

  /** One pass over the customers (shuffled), at most maxTransitionsPerEpoch transitions. */
  epoch(
    sequences: BasketSequences,
    customers: readonly number[],
    overBudget: () => boolean,
  ): { trainLoss: number; gapLoss: number } {
    const { hp, builder, grad } = this;
    const order = this.random.shuffle(Uint32Array.from(customers));
    let lossSum = 0;
    let gapSum = 0;
    let steps = 0;
    const step = () => {
      const batch = builder.finish();
      if (batch.rows === 0) return;
      grad.fill(0);
      const parts = this.network.lossAndGradient(batch, grad, {
        dropout: hp.dropout,
        seed: Math.floor(this.random.next() * 2 ** 31),
        gapWeight: hp.gapWeight,
      });
      clipGradientNorm(grad, hp.clipNorm);
      this.optimiser.step(this.params, grad);
      lossSum += parts.rankingLoss;
      gapSum += parts.gapLoss;
      steps++;
    };
    let seen = 0;
    for (const c of order) {
      builder.addTrainingCustomer(sequences, c);
      if (builder.rows >= hp.batchRows) {
        seen += builder.rows;
        step();
        if (seen >= hp.maxTransitionsPerEpoch || overBudget()) break;
      }
    }
    step();
    return { trainLoss: lossSum / Math.max(steps, 1), gapLoss: gapSum / Math.max(steps, 1) };
  }
}

/**
 * One prediction row per customer (their last state), in batches of at most `batchCustomers`;
 * `customers` picks and orders them (default: all).
 */
export function encodeForPrediction(
  sequences: BasketSequences,
  vocabulary: ItemVocabulary,
  maxSteps: number,
  targets?: TargetBaskets,
  batchCustomers = 512,
  customers?: Uint32Array,
): SequenceBatch[] {
  const builder = new SequenceBatchBuilder(vocabulary, maxSteps);
  const batches: SequenceBatch[] = [];
  const count = customers ? customers.length : sequences.length;
  for (let i = 0; i < count; i++) {
    const c = customers ? customers[i] : i;
    if (sequences.basketStart[c + 1] === sequences.basketStart[c]) {
      throw new RangeError(`customer ${c} has no basket to predict from`);
    }
    builder.addPredictionCustomer(sequences, c, targets, c);
    if (builder.rows === batchCustomers) batches.push(builder.finish());
  }
  if (builder.rows > 0) batches.push(builder.finish());
  return batches;
}

/** The network's repeat-aware scores (logits + repeat blend) of each batch. */
export function networkScores(network: LstmNetwork, batch: SequenceBatch): Floats {
  const { vocabulary: V, repeatFeatures: K } = network.shape;
  const outputs = network.forward(batch);
  addRepeatScores(
    batch,
    outputs.repeatWeights,
    network.params,
    network.layout.repeatItemBias,
    outputs.logits,
    V,
    K,
  );
  return outputs.logits;
}

/** Top-k products per row over consecutive batches (final ranking scores), row-major. */
export function predictTopProducts(
  network: LstmNetwork,
  vocabulary: ItemVocabulary,
  batches: SequenceBatch[],
  k: number,
  blendWeight: number,
): Uint32Array {
  const rows = batches.reduce((n, b) => n + b.rows, 0);
  const out = new Uint32Array(rows * k);
  const best = new Float64Array(k);
  const V = network.shape.vocabulary;
  let row = 0;
  for (const batch of batches) {
    const scores = networkScores(network, batch);
    rankingScores(scores, batch, V, blendWeight);
    for (let r = 0; r < batch.rows; r++, row++)
      topProducts(scores, r * V, V, vocabulary.productOf, k, out, row * k, best);
  }
  return out;
}

/** Validation Recall@k for every blend weight; the best one (ties: the smaller weight). */
function validateBlends(
  network: LstmNetwork,
  vocabulary: ItemVocabulary,
  batches: SequenceBatch[],
  k: number,
  targets: TargetBaskets,
): { validation: RankingMetrics; blendWeight: number } {
  const V = network.shape.vocabulary;
  const probabilities = batches.map((batch) => {
    const scores = networkScores(network, batch);
    rankingScores(scores, batch, V, 0);
    return scores;
  });
  const rows = batches.reduce((n, b) => n + b.rows, 0);
  const top = new Uint32Array(rows * k);
  const best = new Float64Array(k);
  let chosen: { validation: RankingMetrics; blendWeight: number } | null = null;
  for (const weight of BLEND_WEIGHTS) {
    let row = 0;
    batches.forEach((batch, i) => {
      const scores = probabilities[i].slice();
      for (let r = 0; r < batch.rows; r++) {
        for (let e = batch.repeatStart[r]; e < batch.repeatStart[r + 1]; e++) {
          scores[r * V + batch.repeatItems[e]] +=
            weight * batch.repeatFeatures[e * REPEAT_FEATURES.length + BLEND_FEATURE];
        }
      }
      for (let r = 0; r < batch.rows; r++, row++)
        topProducts(scores, r * V, V, vocabulary.productOf, k, top, row * k, best);
    });
    const validation = rankingMetrics(top, k, targets);
    if (!chosen || validation.recall > chosen.validation.recall) chosen = { validation, blendWeight: weight };
  }
  return chosen!;
}

/** All of 0..n-1 when n ≤ max, else a seeded sample of `max` of them in ascending order. */
function sampleRows(n: number, max: number, random: SeededRandom): Uint32Array {
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  if (n <= max) return all;
  return random.shuffle(all).slice(0, max).sort();
}

function selectTargets(targets: TargetBaskets, rows: Uint32Array): TargetBaskets {
  const start = new Uint32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++)
    start[i + 1] = start[i] + targets.start[rows[i] + 1] - targets.start[rows[i]];
  const items = new Uint32Array(start[rows.length]);
  for (let i = 0; i < rows.length; i++)
    items.set(targets.items.subarray(targets.start[rows[i]], targets.start[rows[i] + 1]), start[i]);
  return { start, items };
}

function selectRows(products: Uint32Array, k: number, rows: Uint32Array): Uint32Array {
  const out = new Uint32Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) out.set(products.subarray(rows[i] * k, rows[i] * k + k), i * k);
  return out;
}

function initialValues(
  vocabulary: ItemVocabulary,
  popularity: Uint32Array,
  train: BasketSequences,
): InitialValues {
  const V = vocabulary.size;
  const logPrior = new Float64Array(V);
  let total = 0;
  for (let v = 1; v < V; v++) total += popularity[vocabulary.productOf[v]] + 1;
  for (let v = 1; v < V; v++) logPrior[v] = Math.log((popularity[vocabulary.productOf[v]] + 1) / total);
  logPrior[0] = Math.log(1 / total);
  let gapSum = 0;
  let gaps = 0;
  for (let c = 0; c < train.length; c++) {
    for (let b = train.basketStart[c] + 1; b < train.basketStart[c + 1]; b++) {
      gapSum += Math.log1p(Math.max(0, (train.basketTime[b] - train.basketTime[b - 1]) / 86_400_000));
      gaps++;
    }
  }
  return {
    outputLogPrior: logPrior,
    // Start as a frequency ranker (log count) and let training find the rest.
    repeatBias: [0, 1, 0, 0, 0, 0],
    gapBias: gaps > 0 ? gapSum / gaps : 0,
  };
}
