import { LstmPredictor, type LstmPredictorOptions } from './lstm-predictor.js';
import { passingModelVersions } from './model-registry.js';
import type { Predictor } from './predictor.js';
import { TopFrequencyPredictor } from './top-frequency.js';

export interface SelectPredictorOptions extends LstmPredictorOptions {
  /** Told about each passing version that could not be loaded (and was skipped). */
  onSkipped?: (version: string, error: Error) => void;
}

/**
 * The predictor the predict stage should use: the newest LSTM version under
 * `<root>/models/lstm/` whose evaluation passed, else personal top-frequency. A passing version
 * that fails to load (damaged file, incompatible features) is skipped for the next one.
 * The caller closes an LstmPredictor when done (`'close' in predictor`).
 */
export async function selectPredictor(
  root: string,
  options: SelectPredictorOptions = {},
): Promise<Predictor> {
  for (const entry of await passingModelVersions(root)) {
    try {
      return await LstmPredictor.load(entry.dir, options);
    } catch (error) {
      options.onSkipped?.(entry.version, error as Error);
    }
  }
  return new TopFrequencyPredictor();
}
