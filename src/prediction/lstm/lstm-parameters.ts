import type { SeededRandom } from './seeded-random.js';

export type Floats = Float32Array | Float64Array;

/** Sizes of the next-basket network. */
export interface LstmShape {
  /** Vocabulary slots (slot 0 = rare products). */
  vocabulary: number;
  /** Item embedding width (the basket is the mean of its items' embeddings). */
  embedding: number;
  /** Per-basket features appended to the basket embedding (gap since the previous basket, size). */
  basketFeatures: number;
  /** LSTM hidden width. */
  hidden: number;
  /** Per-(customer, product) repeat features blended into the scores. */
  repeatFeatures: number;
}

/** Offsets of every tensor inside one flat parameter array (so the optimiser sees one vector). */
export interface ParameterLayout {
  /** E [vocabulary × embedding] */
  embedding: number;
  /** W [4·hidden × input], gates in ONNX order i, o, f, c */
  inputWeights: number;
  /** R [4·hidden × hidden] */
  recurrentWeights: number;
  /** b [4·hidden] */
  gateBias: number;
  /** O [vocabulary × hidden] */
  outputWeights: number;
  /** [vocabulary] */
  outputBias: number;
  /** U [repeatFeatures × hidden]: how the sequence state modulates each repeat feature's weight */
  repeatModulation: number;
  /** [repeatFeatures]: each repeat feature's base weight */
  repeatBias: number;
  /** [vocabulary]: each product's own repurchase propensity, added when the customer bought it */
  repeatItemBias: number;
  /** [hidden]: log next-gap regression head */
  gapWeights: number;
  /** [1] */
  gapBias: number;
  total: number;
}

export function inputWidth(shape: LstmShape): number {
  return shape.embedding + shape.basketFeatures;
}

export function parameterLayout(shape: LstmShape): ParameterLayout {
  const { vocabulary: V, embedding: d, hidden: H, repeatFeatures: K } = shape;
  const D = inputWidth(shape);
  let at = 0;
  const take = (n: number) => {
    const start = at;
    at += n;
    return start;
  };
  const layout = {
    embedding: take(V * d),
    inputWeights: take(4 * H * D),
    recurrentWeights: take(4 * H * H),
    gateBias: take(4 * H),
    outputWeights: take(V * H),
    outputBias: take(V),
    repeatModulation: take(K * H),
    repeatBias: take(K),
    repeatItemBias: take(V),
    gapWeights: take(H),
    gapBias: take(1),
    total: 0,
  };
  layout.total = at;
  return layout;
}

export interface InitialValues {
  /** Log prior of each slot (the output bias starts at the popularity log-prior). */
  outputLogPrior?: Float64Array;
  /** Initial repeat feature weights (e.g. a top-frequency-like start). */
  repeatBias?: ArrayLike<number>;
  /** Mean log gap (days) of training transitions. */
  gapBias?: number;
}

/** Fresh parameters: small random weights, forget-gate bias 1, priors where given. */
export function initialParameters(
  shape: LstmShape,
  random: SeededRandom,
  initial: InitialValues = {},
  precision: 'float32' | 'float64' = 'float32',
): Floats {
  const layout = parameterLayout(shape);
  const p = precision === 'float32' ? new Float32Array(layout.total) : new Float64Array(layout.total);
  const { vocabulary: V, embedding: d, hidden: H, repeatFeatures: K } = shape;
  const D = inputWidth(shape);
  const fill = (start: number, n: number, scale: number) => {
    for (let i = 0; i < n; i++) p[start + i] = random.normal() * scale;
  };
  fill(layout.embedding, V * d, 1 / Math.sqrt(d));
  fill(layout.inputWeights, 4 * H * D, 1 / Math.sqrt(D));
  fill(layout.recurrentWeights, 4 * H * H, 1 / Math.sqrt(H));
  for (let j = 2 * H; j < 3 * H; j++) p[layout.gateBias + j] = 1; // forget gate open at start
  fill(layout.outputWeights, V * H, 0.1 / Math.sqrt(H));
  if (initial.outputLogPrior)
    for (let v = 0; v < V; v++) p[layout.outputBias + v] = initial.outputLogPrior[v];
  fill(layout.repeatModulation, K * H, 0.01);
  if (initial.repeatBias) for (let k = 0; k < K; k++) p[layout.repeatBias + k] = initial.repeatBias[k] ?? 0;
  fill(layout.gapWeights, H, 0.01);
  p[layout.gapBias] = initial.gapBias ?? 0;
  return p;
}
