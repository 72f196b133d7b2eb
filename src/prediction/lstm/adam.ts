import type { Floats } from './lstm-parameters.js';

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW), per step, scaled by the learning rate. */
  weightDecay?: number;
  /** Index ranges [start, end) that decay; all parameters when absent. */
  decayRanges?: [number, number][];
}

/** Adam over one flat parameter vector. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;
  private readonly decays: Uint8Array | null;

  constructor(size: number, options: AdamOptions) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.learningRate = options.learningRate;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decays = null;
    if (options.decayRanges) {
      this.decays = new Uint8Array(size);
      for (const [start, end] of options.decayRanges) this.decays.fill(1, start, end);
    }
  }

  step(params: Floats, grad: Floats): void {
    this.t++;
    const { m, v, beta1, beta2, epsilon } = this;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    const rate = this.learningRate;
    const decay = 1 - rate * this.weightDecay;
    const decays = this.decays;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const kept = decays === null || decays[i] === 1 ? params[i] * decay : params[i];
      params[i] = kept - (rate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
  }
}

/** Scales the gradient down to `maxNorm` when its L2 norm exceeds it; returns the norm before. */
export function clipGradientNorm(grad: Floats, maxNorm: number): number {
  let sum = 0;
  for (let i = 0; i < grad.length; i++) sum += grad[i] * grad[i];
  const norm = Math.sqrt(sum);
  if (norm > maxNorm) {
    const scale = maxNorm / norm;
    for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  }
  return norm;
}
