import { float32s, GrowableArray, uint32s } from '../../data/growable-array.js';
import type { BasketSequences } from '../../data/snapshot.js';
import type { TargetBaskets } from '../ranking-metrics.js';
import { type ItemVocabulary, RARE_SLOT } from './item-vocabulary.js';

const DAY_MS = 86_400_000;

/** Per-basket inputs next to the basket embedding. Scaled to about [0, 2]. */
export const BASKET_FEATURES = ['log1p_gap_days/5', 'log1p_items/5', 'first_basket'] as const;

/**
 * Per-(customer, product) repeat features, for every product the customer bought before the
 * predicted basket. Their weighted sum is added to the network's scores (the repeat-aware part).
 */
export const REPEAT_FEATURES = [
  'bought',
  'log1p_baskets_with_product',
  'share_of_baskets_with_product',
  'inverse_baskets_since_last',
  'log1p_days_since_last/5',
  'product_popularity_score',
] as const;

/**
 * Basket sequences encoded for the network. Steps are the LSTM's inputs (one per basket, in
 * time order per customer); rows are the predictions made from a step's state, each with its
 * target basket (training, validation) and the repeat features of the products bought so far.
 */
export interface SequenceBatch {
  customers: number;
  /** Steps of batch customer b: stepStart[b] .. stepStart[b+1]-1. */
  stepStart: Uint32Array;
  /** Items (vocabulary slots) of each step's basket: stepItemStart[s] .. stepItemStart[s+1]-1. */
  stepItemStart: Uint32Array;
  stepItems: Uint32Array;
  /** [steps × BASKET_FEATURES.length] */
  stepFeatures: Float32Array;
  rows: number;
  /** Step whose hidden state makes the row's prediction. */
  rowStep: Uint32Array;
  /** Batch customer of each row. */
  rowCustomer: Uint32Array;
  /** Time of the row's step basket (the last basket seen). */
  rowTime: Float64Array;
  /** Target slots (rare products left out): targetStart[r] .. targetStart[r+1]-1. */
  targetStart: Uint32Array;
  targetItems: Uint32Array;
  /** log1p(days to the next basket); NaN when unknown. */
  gapTarget: Float32Array;
  /** Weight of each row in the training loss. */
  rowWeight: Float32Array;
  /** Products bought so far (slots) with their features: repeatStart[r] .. repeatStart[r+1]-1. */
  repeatStart: Uint32Array;
  repeatItems: Uint32Array;
  /** [repeat entries × REPEAT_FEATURES.length] */
  repeatFeatures: Float32Array;
}

/**
 * Builds SequenceBatches customer by customer. Scratch state is sized to the vocabulary and
 * reset through a touched list, so encoding costs what the customer's baskets cost.
 */
export class SequenceBatchBuilder {
  private readonly vocabulary: ItemVocabulary;
  private readonly maxSteps: number;
  private readonly count: Uint32Array;
  private readonly lastBasket: Int32Array;
  private readonly lastTime: Float64Array;
  private readonly touched: Uint32Array;
  private touchedCount = 0;

  private customers = 0;
  private stepStart = new GrowableArray(uint32s);
  private stepItemStart = new GrowableArray(uint32s);
  private stepItems = new GrowableArray(uint32s);
  private stepFeatures = new GrowableArray(float32s);
  private rowStep = new GrowableArray(uint32s);
  private rowCustomer = new GrowableArray(uint32s);
  private rowTime: number[] = [];
  private targetStart = new GrowableArray(uint32s);
  private targetItems = new GrowableArray(uint32s);
  private gapTarget = new GrowableArray(float32s);
  private rowWeight = new GrowableArray(float32s);
  private repeatStart = new GrowableArray(uint32s);
  private repeatItems = new GrowableArray(uint32s);
  private repeatFeatures = new GrowableArray(float32s);

  private readonly customerWeightPower: number;

  /**
   * `customerWeightPower` γ weighs each of a customer's n training rows by n^-γ: 0 counts every
   * transition alike (long histories dominate), 1 counts every customer alike.
   */
  constructor(vocabulary: ItemVocabulary, maxSteps: number, customerWeightPower = 0) {
    if (!Number.isInteger(maxSteps) || maxSteps < 1)
      throw new RangeError(`maxSteps must be ≥ 1, got ${maxSteps}`);
    this.vocabulary = vocabulary;
    this.maxSteps = maxSteps;
    this.customerWeightPower = customerWeightPower;
    this.count = new Uint32Array(vocabulary.size);
    this.lastBasket = new Int32Array(vocabulary.size);
    this.lastTime = new Float64Array(vocabulary.size);
    this.touched = new Uint32Array(vocabulary.size);
  }

  get rows(): number {
    return this.rowStep.length;
  }

  get steps(): number {
    return this.stepItemStart.length;
  }

  /**
   * A customer for training: every basket after the first is a target, predicted from the
   * steps before it; the newest `maxSteps` transitions are kept. Needs two or more baskets.
   */
  addTrainingCustomer(sequences: BasketSequences, customer: number): void {
    const b0 = sequences.basketStart[customer];
    const b1 = sequences.basketStart[customer + 1];
    if (b1 - b0 < 2) throw new RangeError(`customer ${customer} has fewer than two baskets`);
    const firstStep = Math.max(b0, b1 - 1 - this.maxSteps);
    const rowsBefore = this.rowWeight.length;
    this.addCustomer(sequences, b0, firstStep, b1 - 1, true);
    const weight = (this.rowWeight.length - rowsBefore) ** -this.customerWeightPower;
    this.rowWeight.view().fill(weight, rowsBefore);
  }

  /**
   * A customer to predict for: the newest `maxSteps` baskets are the steps and one row reads the
   * last state. `target` (validation) attaches the basket to compare with. Needs one basket.
   */
  addPredictionCustomer(
    sequences: BasketSequences,
    customer: number,
    target?: TargetBaskets,
    row?: number,
  ): void {
    const b0 = sequences.basketStart[customer];
    const b1 = sequences.basketStart[customer + 1];
    if (b1 - b0 < 1) throw new RangeError(`customer ${customer} has no basket`);
    const firstStep = Math.max(b0, b1 - this.maxSteps);
    this.addCustomer(sequences, b0, firstStep, b1, false);
    if (target && row !== undefined) {
      // The row just added is the last one, so its target is what gets pushed now.
      for (let i = target.start[row]; i < target.start[row + 1]; i++) {
        const slot = this.vocabulary.slot(target.items[i]);
        if (slot !== RARE_SLOT) this.targetItems.push(slot);
      }
    }
  }

  private addCustomer(
    sequences: BasketSequences,
    firstBasket: number,
    firstStep: number,
    endStep: number,
    everyStepHasRow: boolean,
  ): void {
    const { basketTime, itemStart, items } = sequences;
    const vocabulary = this.vocabulary;
    const b = this.customers++;
    this.stepStart.push(this.stepItemStart.length);
    for (let basket = firstBasket; basket < endStep; basket++) {
      const t = basketTime[basket];
      const inWindow = basket >= firstStep;
      if (inWindow) {
        this.stepItemStart.push(this.stepItems.length);
        const size = itemStart[basket + 1] - itemStart[basket];
        for (let i = itemStart[basket]; i < itemStart[basket + 1]; i++)
          this.stepItems.push(vocabulary.slot(items[i]));
        const gapDays = basket > firstBasket ? Math.max(0, (t - basketTime[basket - 1]) / DAY_MS) : 0;
        this.stepFeatures.push(Math.log1p(gapDays) / 5);
        this.stepFeatures.push(Math.log1p(size) / 5);
        this.stepFeatures.push(basket === firstBasket ? 1 : 0);
      }
      // Repeat state includes this basket, so a row made at this step sees it.
      const ordinal = basket - firstBasket;
      for (let i = itemStart[basket]; i < itemStart[basket + 1]; i++) {
        const slot = vocabulary.slot(items[i]);
        if (slot === RARE_SLOT) continue;
        if (this.count[slot] === 0) this.touched[this.touchedCount++] = slot;
        this.count[slot]++;
        this.lastBasket[slot] = ordinal;
        this.lastTime[slot] = t;
      }
      if (!inWindow || (!everyStepHasRow && basket !== endStep - 1)) continue;
      this.rowStep.push(this.stepItemStart.length - 1);
      this.rowCustomer.push(b);
      this.rowTime.push(t);
      this.targetStart.push(this.targetItems.length);
      this.rowWeight.push(1);
      if (everyStepHasRow) {
        const next = basket + 1;
        for (let i = itemStart[next]; i < itemStart[next + 1]; i++) {
          const slot = vocabulary.slot(items[i]);
          if (slot !== RARE_SLOT) this.targetItems.push(slot);
        }
        this.gapTarget.push(Math.log1p(Math.max(0, (basketTime[next] - t) / DAY_MS)));
      } else {
        this.gapTarget.push(Number.NaN);
      }
      this.repeatStart.push(this.repeatItems.length);
      const seen = ordinal + 1;
      for (let j = 0; j < this.touchedCount; j++) {
        const slot = this.touched[j];
        const count = this.count[slot];
        this.repeatItems.push(slot);
        this.repeatFeatures.push(1);
        this.repeatFeatures.push(Math.log1p(count));
        this.repeatFeatures.push(count / seen);
        this.repeatFeatures.push(1 / (1 + ordinal - this.lastBasket[slot]));
        this.repeatFeatures.push(Math.log1p(Math.max(0, (t - this.lastTime[slot]) / DAY_MS)) / 5);
        this.repeatFeatures.push(vocabulary.popularityScore[slot]);
      }
    }
    for (let j = 0; j < this.touchedCount; j++) this.count[this.touched[j]] = 0;
    this.touchedCount = 0;
  }

  /** The batch so far; the builder is left empty for the next one. */
  finish(): SequenceBatch {
    this.stepStart.push(this.stepItemStart.length);
    this.stepItemStart.push(this.stepItems.length);
    this.targetStart.push(this.targetItems.length);
    this.repeatStart.push(this.repeatItems.length);
    const batch: SequenceBatch = {
      customers: this.customers,
      stepStart: this.stepStart.view().slice(),
      stepItemStart: this.stepItemStart.view().slice(),
      stepItems: this.stepItems.view().slice(),
      stepFeatures: this.stepFeatures.view().slice(),
      rows: this.rowStep.length,
      rowStep: this.rowStep.view().slice(),
      rowCustomer: this.rowCustomer.view().slice(),
      rowTime: Float64Array.from(this.rowTime),
      targetStart: this.targetStart.view().slice(),
      targetItems: this.targetItems.view().slice(),
      gapTarget: this.gapTarget.view().slice(),
      rowWeight: this.rowWeight.view().slice(),
      repeatStart: this.repeatStart.view().slice(),
      repeatItems: this.repeatItems.view().slice(),
      repeatFeatures: this.repeatFeatures.view().slice(),
    };
    this.customers = 0;
    for (const g of [
      this.stepStart,
      this.stepItemStart,
      this.stepItems,
      this.stepFeatures,
      this.rowStep,
      this.rowCustomer,
      this.targetStart,
      this.targetItems,
      this.gapTarget,
      this.rowWeight,
      this.repeatStart,
      this.repeatItems,
      this.repeatFeatures,
    ]) {
      g.length = 0;
    }
    this.rowTime = [];
    return batch;
  }
}
