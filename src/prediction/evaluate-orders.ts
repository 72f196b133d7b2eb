import type { ImportSummary } from '../data/snapshot.js';
import {
  baselineCandidates,
  type EvaluationCandidate,
  type EvaluationResult,
  evaluateSequences,
  type MethodResult,
} from './evaluation.js';
import type { ExecutionProvider } from './lstm/lstm-onnx-session.js';
import type { EpochReport, LstmHyperparameters } from './lstm/lstm-trainer.js';
import { buildLstmModel } from './lstm-model-builder.js';
import { type OrdersFileOptions, readOrdersSequences } from './snapshot-sequences.js';

export type EvaluatedMethod = 'lstm' | 'popularity' | 'top-frequency-first-seen' | 'top-frequency';

export interface EvaluateOrdersOptions extends OrdersFileOptions {
  /** Cut-off K of Recall/NDCG/HR. Default 10. */
  k?: number;
  /** Default: all four, the LSTM first. */
  methods?: readonly EvaluatedMethod[];
  hyperparameters?: Partial<LstmHyperparameters>;
  executionProvider?: ExecutionProvider;
  onEpoch?: (report: EpochReport) => void;
  onMethod?: (name: string, result: MethodResult) => void;
}

export interface EvaluateOrdersResult extends EvaluationResult {
  orders: string[];
  /** Rows the import accepted and rejected. */
  import: { accepted: number; rejected: number; seconds: number };
  /** Training details of the LSTM when it was evaluated. */
  lstm?: {
    epochs: number;
    bestEpoch: number;
    blendWeight: number;
    vocabulary: number;
    transitions: number;
    validation: { recall: number; ndcg: number; topFrequencyRecall: number; topFrequencyNdcg: number };
  };
}

export const ALL_METHODS: readonly EvaluatedMethod[] = [
  'lstm',
  'popularity',
  'top-frequency-first-seen',
  'top-frequency',
];

/**
 * `tailor predict evaluate`: imports the orders (the regular cleaning), holds out each
 * customer's last basket, trains the LSTM on the histories, and scores it, served from its
 * ONNX export, against the baselines. One call, one result object (the CLI prints it as JSON).
 */
export async function evaluateOrders(options: EvaluateOrdersOptions): Promise<EvaluateOrdersResult> {
  const k = options.k ?? 10;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`--k must be a positive integer, got ${options.k}`);
  const methods = options.methods ?? ALL_METHODS;
  const read = await readOrdersSequences(options);
  const candidates: EvaluationCandidate[] = [];
  let lstmDetails: EvaluateOrdersResult['lstm'];
  const closers: (() => Promise<void>)[] = [];
  if (methods.includes('lstm')) {
    candidates.push({
      name: 'lstm',
      build: async (data) => {
        const built = await buildLstmModel({
          history: data.history,
          catalogue: data.catalogue,
          productIds: read.productIds,
          hyperparameters: options.hyperparameters,
          serving: { executionProvider: options.executionProvider },
          onEpoch: options.onEpoch,
        });
        const t = built.trained;
        lstmDetails = {
          epochs: t.epochs.length,
          bestEpoch: t.bestEpoch,
          blendWeight: t.blendWeight,
          vocabulary: t.shape.vocabulary,
          transitions: t.trainingTransitions,
          validation: {
            recall: t.validation.lstm.recall,
            ndcg: t.validation.lstm.ndcg,
            topFrequencyRecall: t.validation.topFrequency.recall,
            topFrequencyNdcg: t.validation.topFrequency.ndcg,
          },
        };
        closers.push(() => built.predictor.close());
        return built.predictor;
      },
    });
  }
  for (const baseline of baselineCandidates()) {
    if (methods.includes(baseline.name as EvaluatedMethod)) candidates.push(baseline);
  }
  try {
    const result = await evaluateSequences(read.sequences, read.catalogue, {
      k,
      candidates,
      onMethod: options.onMethod,
    });
    return {
      ...result,
      orders: typeof options.orders === 'string' ? [options.orders] : [...options.orders],
      import: importCounts(read.import),
      ...(lstmDetails ? { lstm: lstmDetails } : {}),
    };
  } finally {
    for (const close of closers) await close();
  }
}

function importCounts(summary: ImportSummary): EvaluateOrdersResult['import'] {
  let accepted = 0;
  let rejected = 0;
  for (const file of Object.values(summary.files)) {
    accepted += file.accepted;
    rejected += file.rejected;
  }
  return { accepted, rejected, seconds: summary.seconds };
}
