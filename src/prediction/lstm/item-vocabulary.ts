import { NO_PRODUCT } from '../predictor.js';

/** Vocabulary slot shared by every product below the cut-off: an input token, never recommended. */
export const RARE_SLOT = 0;

/**
 * The products the model knows: those in at least `minBaskets` training baskets. Slot 0 stands
 * for every rarer product, so a basket full of rare products still moves the sequence state.
 */
export class ItemVocabulary {
  /** Product index of each slot; RARE_SLOT maps to NO_PRODUCT. */
  readonly productOf: Uint32Array;
  /** Training baskets that contained each slot's product (frozen with the model). */
  readonly slotBaskets: Uint32Array;
  /** log1p(baskets) / log1p(most baskets): a scale-free popularity feature in [0, 1]. */
  readonly popularityScore: Float32Array;
  /** Slot of each product index (RARE_SLOT for products below the cut-off or unseen). */
  private readonly slotOf: Uint32Array;

  /**
   * `productOf[s]` may be NO_PRODUCT for a slot whose product the serving catalogue no longer
   * has: the slot keeps its weights but is never recommended.
   */
  constructor(productOf: Uint32Array, catalogue: number, slotBaskets: Uint32Array) {
    if (productOf[RARE_SLOT] !== NO_PRODUCT)
      throw new Error('vocabulary slot 0 must be the rare-product slot');
    if (slotBaskets.length !== productOf.length)
      throw new RangeError('one basket count per vocabulary slot expected');
    this.productOf = productOf;
    this.slotBaskets = slotBaskets;
    this.slotOf = new Uint32Array(catalogue);
    for (let s = 1; s < productOf.length; s++) {
      const p = productOf[s];
      if (p === NO_PRODUCT) continue;
      if (p >= catalogue)
        throw new RangeError(`vocabulary product ${p} outside the catalogue of ${catalogue}`);
      this.slotOf[p] = s;
    }
    let most = 0;
    for (let s = 1; s < slotBaskets.length; s++) if (slotBaskets[s] > most) most = slotBaskets[s];
    this.popularityScore = new Float32Array(productOf.length);
    for (let s = 1; s < slotBaskets.length; s++)
      this.popularityScore[s] = Math.log1p(slotBaskets[s]) / Math.log1p(most);
  }

  /**
   * Products with at least `minBaskets` baskets, most popular first (ties: lower index), at most
   * `maxProducts` of them (the output layer's cost grows with the vocabulary).
   */
  static fromPopularity(
    popularity: Uint32Array,
    minBaskets: number,
    maxProducts = Number.POSITIVE_INFINITY,
  ): ItemVocabulary {
    const kept: number[] = [];
    for (let p = 0; p < popularity.length; p++) if (popularity[p] >= minBaskets) kept.push(p);
    kept.sort((a, b) => popularity[b] - popularity[a] || a - b);
    if (kept.length > maxProducts) kept.length = maxProducts;
    const productOf = new Uint32Array(kept.length + 1);
    productOf[RARE_SLOT] = NO_PRODUCT;
    productOf.set(kept, 1);
    const slotBaskets = new Uint32Array(kept.length + 1);
    for (let s = 1; s < productOf.length; s++) slotBaskets[s] = popularity[productOf[s]];
    return new ItemVocabulary(productOf, popularity.length, slotBaskets);
  }

  get size(): number {
    return this.productOf.length;
  }

  get catalogue(): number {
    return this.slotOf.length;
  }

  slot(product: number): number {
    return product < this.slotOf.length ? this.slotOf[product] : RARE_SLOT;
  }
}
