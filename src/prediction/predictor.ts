import type { BasketSequences } from '../data/snapshot.js';

export interface PredictionBatch {
  start: number;
  length: number;
  k: number;
  /** Top-k product indices per customer, row-major [length × k]; 0xffffffff pads short rows. */
  products: Uint32Array;
  /** Expected next order time (epoch ms) per customer; NaN when unknown. */
  expectedNextOrderAt: Float64Array;
}

export const NO_PRODUCT = 0xffffffff;

export interface PredictionContext {
  /** Baskets containing each product over the whole snapshot. */
  popularity: Uint32Array;
  referenceTime: number;
}

/** The predict stage's interface: personal top-frequency in the foundation, an LSTM later. */
export interface Predictor {
  readonly method: string;
  /** Model artifact version the campaign records ("baseline" for the non-learned methods). */
  readonly version: string;
  predict(sequences: BasketSequences, k: number, context: PredictionContext): Promise<PredictionBatch>;
  /** Releases a loaded model (an onnxruntime session); absent for the baselines. */
  close?(): Promise<void>;
}
