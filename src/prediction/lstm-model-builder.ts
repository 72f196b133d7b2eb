import type { BasketSequences } from '../data/snapshot.js';
import {
  type LstmMetadata,
  lstmMetadata,
  type VocabularyFile,
  vocabularyFile,
} from './lstm/lstm-artifact.js';
import { exportLstmOnnx } from './lstm/lstm-onnx-export.js';
import {
  type EpochReport,
  type LstmHyperparameters,
  type TrainedLstm,
  trainLstm,
} from './lstm/lstm-trainer.js';
import { LstmPredictor, type LstmPredictorOptions } from './lstm-predictor.js';

export interface BuildLstmOptions {
  history: BasketSequences;
  catalogue: number;
  /** Product id per product index, recorded in vocabulary.json. */
  productIds?: readonly string[];
  datasetVersion?: string;
  hyperparameters?: Partial<LstmHyperparameters>;
  serving?: LstmPredictorOptions;
  onEpoch?: (report: EpochReport) => void;
}

/** A trained model with everything needed to save it and to serve it. */
export interface BuiltLstm {
  trained: TrainedLstm;
  onnx: Uint8Array;
  vocabulary: VocabularyFile;
  metadata: LstmMetadata;
  /** Serves the exported ONNX model (not the TypeScript network): what evaluation measures. */
  predictor: LstmPredictor;
}

/** Trains on the histories, exports to ONNX and opens the exported model for prediction. */
export async function buildLstmModel(options: BuildLstmOptions): Promise<BuiltLstm> {
  const trained = trainLstm(
    { history: options.history, catalogue: options.catalogue },
    options.hyperparameters,
    options.onEpoch,
  );
  const metadata = lstmMetadata(trained, options.history.length, options.datasetVersion);
  const onnx = exportLstmOnnx(trained.shape, trained.params, trained.blendWeight, {
    tailor_model: 'lstm',
    created_at: metadata.createdAt,
  });
  const predictor = await LstmPredictor.fromModel(
    'unsaved',
    onnx,
    trained.vocabulary,
    trained.hyperparameters.maxSteps,
    options.serving,
  );
  return {
    trained,
    onnx,
    vocabulary: vocabularyFile(trained.vocabulary, options.productIds),
    metadata,
    predictor,
  };
}
