import type { BasketSequences } from '../data/snapshot.js';
import { type EvaluationResult, evaluateSequences, type MethodResult } from './evaluation.js';
import type { ExecutionProvider } from './lstm/lstm-onnx-session.js';
import type { EpochReport, LstmHyperparameters } from './lstm/lstm-trainer.js';
import { type BuiltLstm, buildLstmModel } from './lstm-model-builder.js';
import { type EvaluationRecord, saveModelVersion } from './model-registry.js';
import { TopFrequencyPredictor } from './top-frequency.js';

export interface TrainAndRegisterOptions {
  /** Tailor home (`.tailor`): the model goes to `<root>/models/lstm/<version>/`. */
  root: string;
  /** Every customer's baskets (oldest first); see readSnapshotSequences. */
  sequences: BasketSequences;
  catalogue: number;
  productIds?: readonly string[];
  datasetVersion?: string;
  k?: number;
  hyperparameters?: Partial<LstmHyperparameters>;
  executionProvider?: ExecutionProvider;
  onEpoch?: (report: EpochReport) => void;
}

export interface TrainAndRegisterResult {
  version: string;
  dir: string;
  /** LSTM and the top-frequency fallback on the held-out last baskets. */
  metrics: { users: number; k: number; lstm: MethodResult; baseline: MethodResult };
  /** Whether the model beat the fallback; only passing models are served. */
  passed: boolean;
}

export const PASS_RULE =
  'LSTM Recall@K and NDCG@K both at least those of top-frequency on the held-out last baskets';

/**
 * The retraining job's core: evaluate-protocol training (each customer's last basket held out),
 * scoring of the exported model against the top-frequency fallback, and a new model version
 * with its evaluation record. The version is written even when it fails, for inspection;
 * `selectPredictor` serves only passing ones.
 */
export async function trainAndRegister(options: TrainAndRegisterOptions): Promise<TrainAndRegisterResult> {
  const k = options.k ?? 10;
  // Set inside the candidate's build callback.
  const trained: { model?: BuiltLstm } = {};
  let result: EvaluationResult;
  try {
    result = await evaluateSequences(options.sequences, options.catalogue, {
      k,
      candidates: [
        {
          name: 'lstm',
          build: async (data) => {
            const built = await buildLstmModel({
              history: data.history,
              catalogue: data.catalogue,
              productIds: options.productIds,
              datasetVersion: options.datasetVersion,
              hyperparameters: options.hyperparameters,
              serving: { executionProvider: options.executionProvider },
              onEpoch: options.onEpoch,
            });
            trained.model = built;
            return built.predictor;
          },
        },
        { name: 'top-frequency', build: async () => new TopFrequencyPredictor() },
      ],
    });
  } finally {
    await trained.model?.predictor.close();
  }
  const model = trained.model;
  if (!model) throw new Error('the LSTM was not trained');
  const lstm = result.methods.lstm;
  const baseline = result.methods['top-frequency'];
  const passed = lstm.recall >= baseline.recall && lstm.ndcg >= baseline.ndcg;
  const evaluation: EvaluationRecord = {
    evaluatedAt: new Date().toISOString(),
    k,
    users: result.users,
    model: { recall: lstm.recall, ndcg: lstm.ndcg, hr: lstm.hr },
    baseline: { method: 'top-frequency', recall: baseline.recall, ndcg: baseline.ndcg, hr: baseline.hr },
    passed,
    rule: PASS_RULE,
  };
  const entry = await saveModelVersion(options.root, {
    onnx: model.onnx,
    vocabulary: model.vocabulary,
    metadata: model.metadata as unknown as Record<string, unknown>,
    evaluation,
  });
  return {
    version: entry.version,
    dir: entry.dir,
    metrics: { users: result.users, k, lstm, baseline },
    passed,
  };
}
