import { Mulberry32 } from '../../util/mulberry32.js';

/**
 * Seeded pseudo-random numbers (mulberry32): training must be reproducible from its seed, and
 * Math.random cannot be seeded.
 */
export class SeededRandom extends Mulberry32 {
  private spare = Number.NaN;

  constructor(seed: number) {
    // Seed 0 maps to a fixed non-zero state, as it always has: trained models stay reproducible.
    super(seed >>> 0 || 0x9e3779b9);
  }

  /** Standard normal (Box–Muller, the second value kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const s = this.spare;
      this.spare = Number.NaN;
      return s;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }
}
