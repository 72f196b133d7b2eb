import { accumulateProduct, accumulateTransposedProduct, multiplyTransposed } from './dense-kernels.js';
import {
  type Floats,
  inputWidth,
  type LstmShape,
  type ParameterLayout,
  parameterLayout,
} from './lstm-parameters.js';
import { SeededRandom } from './seeded-random.js';
import type { SequenceBatch } from './sequence-batch.js';

/** What the network says for each row of a batch, before the repeat blend. */
export interface NetworkOutputs {
  /** [rows × vocabulary] scores from the sequence state alone. */
  logits: Floats;
  /** [rows × repeatFeatures] weight of each repeat feature for this customer. */
  repeatWeights: Floats;
  /** [rows] predicted log1p(days to the next basket). */
  logGap: Floats;
}

export interface TrainingStepOptions {
  /** Dropout rate on the hidden state that feeds the heads. */
  dropout: number;
  /** Seeds the dropout masks, so a step can be replayed exactly (gradient checks). */
  seed: number;
  /** Weight of the gap regression loss next to the ranking loss. */
  gapWeight: number;
}

export interface LossParts {
  loss: number;
  rankingLoss: number;
  gapLoss: number;
  rankedRows: number;
  gapRows: number;
}

/** Activations kept from the forward pass for back-propagation through time. */
interface StepCache {
  x: Floats; // steps × D
  gates: Floats; // steps × 4H, after activation (i, o, f, c̃)
  cell: Floats; // steps × H
  cellTanh: Floats; // steps × H
  hidden: Floats; // steps × H
}

/**
 * The next-basket network: basket = mean item embedding ⊕ basket features → LSTM (ONNX gate
 * order i, o, f, c) → per-row heads: catalogue logits, repeat-feature weights, log gap. Forward
 * and backward passes are written out by hand over flat typed arrays; every gradient is checked
 * against numerical differences in test/prediction/lstm-gradients.test.ts.
 */
export class LstmNetwork {
  readonly shape: LstmShape;
  readonly layout: ParameterLayout;
  readonly params: Floats;

  constructor(shape: LstmShape, params: Floats) {
    this.shape = shape;
    this.layout = parameterLayout(shape);
    if (params.length !== this.layout.total) {
      throw new RangeError(
        `parameter vector holds ${params.length} values, the shape needs ${this.layout.total}`,
      );
    }
    this.params = params;
  }

  private alloc(n: number): Floats {
    return this.params instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  }

  /** Inference: no dropout. */
  forward(batch: SequenceBatch): NetworkOutputs {
    const cache = this.runSequences(batch);
    const head = this.gatherHeadInput(batch, cache, null);
    return this.heads(batch, head);
  }

  /**
   * Ranking loss (softmax cross-entropy against the target basket spread evenly over its
   * products, on the blended scores) plus gapWeight × squared error of the log gap; adds the
   * gradient of that loss to `grad`.
   */
  lossAndGradient(batch: SequenceBatch, grad: Floats, options: TrainingStepOptions): LossParts {
    const { vocabulary: V, hidden: H, repeatFeatures: K } = this.shape;
    const L = this.layout;
    const p = this.params;
    const cache = this.runSequences(batch);
    const mask = options.dropout > 0 ? this.dropoutMask(batch.rows, options.dropout, options.seed) : null;
    const head = this.gatherHeadInput(batch, cache, mask);
    const out = this.heads(batch, head);
    const scores = out.logits;
    addRepeatScores(batch, out.repeatWeights, p, L.repeatItemBias, scores, V, K);

    // Losses are weighted means over rows (rowWeight evens out customers' shares).
    const rows = batch.rows;
    let rankedRows = 0;
    let gapRows = 0;
    let rankedWeight = 0;
    let gapWeight = 0;
    for (let r = 0; r < rows; r++) {
      if (batch.targetStart[r + 1] > batch.targetStart[r]) {
        rankedRows++;
        rankedWeight += batch.rowWeight[r];
      }
      if (!Number.isNaN(batch.gapTarget[r])) {
        gapRows++;
        gapWeight += batch.rowWeight[r];
      }
    }

    // Softmax cross-entropy; the scores buffer becomes dLoss/dScores.
    let rankingLoss = 0;
    for (let r = 0; r < rows; r++) {
      const row = r * V;
      const t0 = batch.targetStart[r];
      const t1 = batch.targetStart[r + 1];
      if (t1 === t0) {
        scores.fill(0, row, row + V);
        continue;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < V; v++) if (scores[row + v] > max) max = scores[row + v];
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(scores[row + v] - max);
      const logSum = max + Math.log(sum);
      const share = 1 / (t1 - t0);
      const scale = batch.rowWeight[r] / rankedWeight;
      for (let i = t0; i < t1; i++)
        rankingLoss += (logSum - scores[row + batch.targetItems[i]]) * share * scale;
      for (let v = 0; v < V; v++) scores[row + v] = Math.exp(scores[row + v] - logSum) * scale;
      for (let i = t0; i < t1; i++) scores[row + batch.targetItems[i]] -= share * scale;
    }
    const dScores = scores;

    // Catalogue head.
    const dHead = this.alloc(rows * H);
    accumulateTransposedProduct(dScores, head, grad, L.outputWeights, rows, V, H);
    for (let r = 0; r < rows; r++) {
      const row = r * V;
      for (let v = 0; v < V; v++) grad[L.outputBias + v] += dScores[row + v];
    }
    accumulateProduct(dScores, p, L.outputWeights, dHead, rows, V, H);

    // Repeat head: score(v) += ρ_v + Σ_k w_k f_k(v) with w = repeatBias + U·head.
    const dWeights = this.alloc(rows * K);
    for (let r = 0; r < rows; r++) {
      const row = r * V;
      for (let e = batch.repeatStart[r]; e < batch.repeatStart[r + 1]; e++) {
        const slot = batch.repeatItems[e];
        const ds = dScores[row + slot];
        grad[L.repeatItemBias + slot] += ds;
        for (let k = 0; k < K; k++) dWeights[r * K + k] += ds * batch.repeatFeatures[e * K + k];
      }
      for (let k = 0; k < K; k++) grad[L.repeatBias + k] += dWeights[r * K + k];
    }
    accumulateTransposedProduct(dWeights, head, grad, L.repeatModulation, rows, K, H);
    accumulateProduct(dWeights, p, L.repeatModulation, dHead, rows, K, H);

    // Gap head.
    let gapLoss = 0;
    for (let r = 0; r < rows; r++) {
      const y = batch.gapTarget[r];
      if (Number.isNaN(y)) continue;
      const error = out.logGap[r] - y;
      const weight = batch.rowWeight[r] / gapWeight;
      gapLoss += 0.5 * error * error * weight;
      const e = options.gapWeight * error * weight;
      grad[L.gapBias] += e;
      for (let h = 0; h < H; h++) {
        grad[L.gapWeights + h] += e * head[r * H + h];
        dHead[r * H + h] += e * p[L.gapWeights + h];
      }
    }

    // Back into the hidden states (through the dropout mask).
    const dHidden = this.alloc(cache.hidden.length);
    for (let r = 0; r < rows; r++) {
      const s = batch.rowStep[r];
      for (let h = 0; h < H; h++) {
        dHidden[s * H + h] += dHead[r * H + h] * (mask ? mask[r * H + h] : 1);
      }
    }
    this.backSequences(batch, cache, dHidden, grad);

    return {
      loss: rankingLoss + options.gapWeight * gapLoss,
      rankingLoss,
      gapLoss,
      rankedRows,
      gapRows,
    };
  }

  private dropoutMask(rows: number, rate: number, seed: number): Floats {
    const H = this.shape.hidden;
    const random = new SeededRandom(seed);
    const mask = this.alloc(rows * H);
    const keep = 1 / (1 - rate);
    for (let i = 0; i < mask.length; i++) mask[i] = random.next() < rate ? 0 : keep;
    return mask;
  }

  private gatherHeadInput(batch: SequenceBatch, cache: StepCache, mask: Floats | null): Floats {
    const H = this.shape.hidden;
    const head = this.alloc(batch.rows * H);
    for (let r = 0; r < batch.rows; r++) {
      const s = batch.rowStep[r];
      for (let h = 0; h < H; h++) head[r * H + h] = cache.hidden[s * H + h] * (mask ? mask[r * H + h] : 1);
    }
    return head;
  }

  private heads(batch: SequenceBatch, head: Floats): NetworkOutputs {
    const { vocabulary: V, hidden: H, repeatFeatures: K } = this.shape;
    const L = this.layout;
    const p = this.params;
    const rows = batch.rows;
    const logits = this.alloc(rows * V);
    multiplyTransposed(head, 0, p, L.outputWeights, logits, rows, V, H, p, L.outputBias);
    const repeatWeights = this.alloc(rows * K);
    multiplyTransposed(head, 0, p, L.repeatModulation, repeatWeights, rows, K, H, p, L.repeatBias);
    const logGap = this.alloc(rows);
    for (let r = 0; r < rows; r++) {
      let s = p[L.gapBias];
      for (let h = 0; h < H; h++) s += p[L.gapWeights + h] * head[r * H + h];
      logGap[r] = s;
    }
    return { logits, repeatWeights, logGap };
  }

  private runSequences(batch: SequenceBatch): StepCache {
    const { embedding: d, basketFeatures: G, hidden: H } = this.shape;
    const D = inputWidth(this.shape);
    const L = this.layout;
    const p = this.params;
    const steps = batch.stepItemStart.length - 1;
    const cache: StepCache = {
      x: this.alloc(steps * D),
      gates: this.alloc(steps * 4 * H),
      cell: this.alloc(steps * H),
      cellTanh: this.alloc(steps * H),
      hidden: this.alloc(steps * H),
    };
    const { x, gates, cell, cellTanh, hidden } = cache;
    const a = new Float64Array(4 * H);
    for (let b = 0; b < batch.customers; b++) {
      const s0 = batch.stepStart[b];
      const s1 = batch.stepStart[b + 1];
      for (let s = s0; s < s1; s++) {
        // Basket input: mean embedding of its items, then the basket features.
        const xs = s * D;
        const i0 = batch.stepItemStart[s];
        const i1 = batch.stepItemStart[s + 1];
        const inv = i1 > i0 ? 1 / (i1 - i0) : 0;
        for (let i = i0; i < i1; i++) {
          const e = L.embedding + batch.stepItems[i] * d;
          for (let j = 0; j < d; j++) x[xs + j] += p[e + j] * inv;
        }
        for (let j = 0; j < G; j++) x[xs + d + j] = batch.stepFeatures[s * G + j];

        for (let j = 0; j < 4 * H; j++) {
          let sum = p[L.gateBias + j];
          const w = L.inputWeights + j * D;
          for (let i = 0; i < D; i++) sum += p[w + i] * x[xs + i];
          if (s > s0) {
            const rw = L.recurrentWeights + j * H;
            const hp = (s - 1) * H;
            for (let i = 0; i < H; i++) sum += p[rw + i] * hidden[hp + i];
          }
          a[j] = sum;
        }
        const gs = s * 4 * H;
        for (let h = 0; h < H; h++) {
          const ig = sigmoid(a[h]);
          const og = sigmoid(a[H + h]);
          const fg = sigmoid(a[2 * H + h]);
          const cg = Math.tanh(a[3 * H + h]);
          gates[gs + h] = ig;
          gates[gs + H + h] = og;
          gates[gs + 2 * H + h] = fg;
          gates[gs + 3 * H + h] = cg;
          const previous = s > s0 ? cell[(s - 1) * H + h] : 0;
          const c = fg * previous + ig * cg;
          cell[s * H + h] = c;
          const tc = Math.tanh(c);
          cellTanh[s * H + h] = tc;
          hidden[s * H + h] = og * tc;
        }
      }
    }
    return cache;
  }

  private backSequences(batch: SequenceBatch, cache: StepCache, dHidden: Floats, grad: Floats): void {
    const { embedding: d, hidden: H } = this.shape;
    const D = inputWidth(this.shape);
    const L = this.layout;
    const p = this.params;
    const { x, gates, cell, cellTanh, hidden } = cache;
    const dh = new Float64Array(H);
    const dc = new Float64Array(H);
    const dhNext = new Float64Array(H);
    const dcNext = new Float64Array(H);
    const da = new Float64Array(4 * H);
    const dx = new Float64Array(D);
    for (let b = 0; b < batch.customers; b++) {
      const s0 = batch.stepStart[b];
      const s1 = batch.stepStart[b + 1];
      dhNext.fill(0);
      dcNext.fill(0);
      for (let s = s1 - 1; s >= s0; s--) {
        const gs = s * 4 * H;
        for (let h = 0; h < H; h++) {
          dh[h] = dHidden[s * H + h] + dhNext[h];
          const ig = gates[gs + h];
          const og = gates[gs + H + h];
          const fg = gates[gs + 2 * H + h];
          const cg = gates[gs + 3 * H + h];
          const tc = cellTanh[s * H + h];
          dc[h] = dh[h] * og * (1 - tc * tc) + dcNext[h];
          const previous = s > s0 ? cell[(s - 1) * H + h] : 0;
          da[h] = dc[h] * cg * ig * (1 - ig);
          da[H + h] = dh[h] * tc * og * (1 - og);
          da[2 * H + h] = dc[h] * previous * fg * (1 - fg);
          da[3 * H + h] = dc[h] * ig * (1 - cg * cg);
          dcNext[h] = dc[h] * fg;
        }
        dx.fill(0);
        dhNext.fill(0);
        const xs = s * D;
        const hp = (s - 1) * H;
        for (let j = 0; j < 4 * H; j++) {
          const g = da[j];
          if (g === 0) continue;
          grad[L.gateBias + j] += g;
          const w = L.inputWeights + j * D;
          for (let i = 0; i < D; i++) {
            grad[w + i] += g * x[xs + i];
            dx[i] += g * p[w + i];
          }
          if (s > s0) {
            const rw = L.recurrentWeights + j * H;
            for (let i = 0; i < H; i++) {
              grad[rw + i] += g * hidden[hp + i];
              dhNext[i] += g * p[rw + i];
            }
          }
        }
        const i0 = batch.stepItemStart[s];
        const i1 = batch.stepItemStart[s + 1];
        if (i1 === i0) continue;
        const inv = 1 / (i1 - i0);
        for (let i = i0; i < i1; i++) {
          const e = L.embedding + batch.stepItems[i] * d;
          for (let j = 0; j < d; j++) grad[e + j] += dx[j] * inv;
        }
      }
    }
  }
}

/**
 * scores[r][v] += ρ_v + Σ_k weights[r][k] · f_k(r, v) for every product v the row's customer
 * bought (ρ = the per-product repeat bias at `itemBiasAt` in `itemBias`).
 */
export function addRepeatScores(
  batch: SequenceBatch,
  repeatWeights: Floats,
  itemBias: Floats,
  itemBiasAt: number,
  scores: Floats,
  vocabulary: number,
  repeatFeatures: number,
): void {
  const K = repeatFeatures;
  for (let r = 0; r < batch.rows; r++) {
    for (let e = batch.repeatStart[r]; e < batch.repeatStart[r + 1]; e++) {
      let s = itemBias[itemBiasAt + batch.repeatItems[e]];
      for (let k = 0; k < K; k++) s += repeatWeights[r * K + k] * batch.repeatFeatures[e * K + k];
      scores[r * vocabulary + batch.repeatItems[e]] += s;
    }
  }
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}
