import type { BasketSequences } from '../data/snapshot.js';
import { splitLastBasket } from './holdout-split.js';
import { PopularityPredictor } from './popularity.js';
import type { Predictor } from './predictor.js';
import { type RankingMetrics, rankingMetrics } from './ranking-metrics.js';
import { TopFrequencyPredictor } from './top-frequency.js';

const DAY_MS = 86_400_000;

/** What a method may learn from: the evaluated customers' histories, never their targets. */
export interface TrainingData {
  history: BasketSequences;
  /** Baskets containing each product over all non-target baskets. */
  popularity: Uint32Array;
  catalogue: number;
  /** Newest history basket time: "now" for the predictors. */
  referenceTime: number;
}

/** A method under evaluation: `build` trains it (timed as trainSeconds) and returns the predictor. */
export interface EvaluationCandidate {
  name: string;
  build(data: TrainingData): Promise<Predictor>;
}

export interface MethodResult extends Omit<RankingMetrics, 'customers'> {
  version: string;
  trainSeconds: number;
  predictPer1kCustomersMs: number;
  /** Mean absolute error of the expected next order date against the target basket's date. */
  nextOrderMaeDays: number | null;
  /** Share of customers that got a finite next-order estimate. */
  nextOrderCoverage: number;
  /**
   * The same error over customers with two or more history baskets only (where every method
   * has a gap to go on): the figure to compare methods by.
   */
  nextOrderMaeDaysMultiBasket: number | null;
}

export interface EvaluationResult {
  users: number;
  k: number;
  catalogue: number;
  methods: Record<string, MethodResult>;
}

export interface EvaluateSequencesOptions {
  k: number;
  candidates: EvaluationCandidate[];
  /** Called after each method, for progress output. */
  onMethod?: (name: string, result: MethodResult) => void;
}

/** The three non-learned baselines, in the order they are reported. */
export function baselineCandidates(): EvaluationCandidate[] {
  return [
    { name: 'popularity', build: async () => new PopularityPredictor() },
    {
      name: 'top-frequency-first-seen',
      build: async () => new TopFrequencyPredictor({ tieBreak: 'first-seen' }),
    },
    { name: 'top-frequency', build: async () => new TopFrequencyPredictor({ tieBreak: 'popularity' }) },
  ];
}

/**
 * The evaluation protocol: customers with at least two baskets; the last basket is the target
 * and all earlier ones the history; popularity comes from non-target baskets only. Every
 * candidate is built from the same training data and scored with Recall/NDCG/HR@K.
 */
export async function evaluateSequences(
  all: BasketSequences,
  catalogue: number,
  options: EvaluateSequencesOptions,
): Promise<EvaluationResult> {
  const { k } = options;
  const split = splitLastBasket(all, catalogue);
  const users = split.customers.length;
  if (users === 0) throw new Error('no customer has two or more baskets: nothing to evaluate');
  let referenceTime = Number.NEGATIVE_INFINITY;
  for (const t of split.history.basketTime) if (t > referenceTime) referenceTime = t;
  const data: TrainingData = {
    history: split.history,
    popularity: split.popularity,
    catalogue,
    referenceTime,
  };

  const methods: Record<string, MethodResult> = {};
  for (const candidate of options.candidates) {
    const trainStart = performance.now();
    const predictor = await candidate.build(data);
    const trainSeconds = (performance.now() - trainStart) / 1000;
    const predictStart = performance.now();
    const batch = await predictor.predict(split.history, k, { popularity: split.popularity, referenceTime });
    const predictMs = performance.now() - predictStart;
    const metrics = rankingMetrics(batch.products, k, split.targets);
    let errorDays = 0;
    let estimated = 0;
    let multiErrorDays = 0;
    let multiEstimated = 0;
    const { basketStart } = split.history;
    for (let c = 0; c < users; c++) {
      const at = batch.expectedNextOrderAt[c];
      if (!Number.isFinite(at)) continue;
      const error = Math.abs(at - split.targetTime[c]) / DAY_MS;
      errorDays += error;
      estimated++;
      if (basketStart[c + 1] - basketStart[c] >= 2) {
        multiErrorDays += error;
        multiEstimated++;
      }
    }
    const result: MethodResult = {
      recall: metrics.recall,
      ndcg: metrics.ndcg,
      hr: metrics.hr,
      version: predictor.version,
      trainSeconds,
      predictPer1kCustomersMs: (predictMs / users) * 1000,
      nextOrderMaeDays: estimated > 0 ? errorDays / estimated : null,
      nextOrderCoverage: estimated / users,
      nextOrderMaeDaysMultiBasket: multiEstimated > 0 ? multiErrorDays / multiEstimated : null,
    };
    methods[candidate.name] = result;
    options.onMethod?.(candidate.name, result);
  }
  return { users, k, catalogue, methods };
}
