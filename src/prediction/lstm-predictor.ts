import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BasketSequences } from '../data/snapshot.js';
import type { ItemVocabulary } from './lstm/item-vocabulary.js';
import {
  checkCompatible,
  type LstmMetadata,
  servingVocabulary,
  type VocabularyFile,
} from './lstm/lstm-artifact.js';
import { type ExecutionProvider, LstmOnnxSession } from './lstm/lstm-onnx-session.js';
import { SequenceBatchBuilder } from './lstm/sequence-batch.js';
import { METADATA_FILE, MODEL_FILE, VOCABULARY_FILE } from './model-registry.js';
import { popularityOrder } from './popularity-order.js';
import { NO_PRODUCT, type PredictionBatch, type PredictionContext, type Predictor } from './predictor.js';

const DAY_MS = 86_400_000;

export interface LstmPredictorOptions {
  /** 'cpu' (default) or 'cuda' (needs onnxruntime-node installed with CUDA binaries). */
  executionProvider?: ExecutionProvider;
  /** onnxruntime intra-op threads on CPU. */
  threads?: number;
  /** Customers per onnxruntime call. */
  batchCustomers?: number;
  /** Product id of each index of the snapshot being served, to map a model trained on another. */
  productIds?: readonly string[];
}

/**
 * The LSTM next-basket model served by onnxruntime-node: encodes each customer's newest baskets,
 * runs the exported graph in batches (scores already carry the repeat blend), and takes the
 * top k. Customers without a basket get the globally popular products; slots the model cannot
 * fill (a vocabulary smaller than k) are filled the same way.
 */
export class LstmPredictor implements Predictor {
  readonly method = 'lstm';
  readonly version: string;
  private readonly session: LstmOnnxSession;
  private readonly vocabulary: ItemVocabulary;
  private readonly maxSteps: number;
  private readonly batchCustomers: number;
  private readonly unmappedSlots: number;

  private constructor(
    version: string,
    session: LstmOnnxSession,
    vocabulary: ItemVocabulary,
    maxSteps: number,
    batchCustomers: number,
  ) {
    this.version = version;
    this.session = session;
    this.vocabulary = vocabulary;
    this.maxSteps = maxSteps;
    this.batchCustomers = batchCustomers;
    this.unmappedSlots = vocabulary.productOf.reduce((n, p) => (p === NO_PRODUCT ? n + 1 : n), 0);
  }

  /** Loads a model version directory (`<root>/models/lstm/<version>/`). */
  static async load(dir: string, options: LstmPredictorOptions = {}): Promise<LstmPredictor> {
    const metadata = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8')) as LstmMetadata;
    checkCompatible(metadata);
    const file = JSON.parse(await readFile(join(dir, VOCABULARY_FILE), 'utf8')) as VocabularyFile;
    const vocabulary = servingVocabulary(file, options.productIds);
    if (vocabulary.size !== metadata.shape.vocabulary) {
      throw new Error(
        `${dir}: vocabulary.json has ${vocabulary.size} slots, the model ${metadata.shape.vocabulary}`,
      );
    }
    const onnx = await readFile(join(dir, MODEL_FILE));
    return LstmPredictor.fromModel(
      metadata.version ?? 'unversioned',
      onnx,
      vocabulary,
      metadata.hyperparameters.maxSteps,
      options,
    );
  }

  /** A predictor over an in-memory ONNX model (evaluation before anything is written). */
  static async fromModel(
    version: string,
    onnx: Uint8Array,
    vocabulary: ItemVocabulary,
    maxSteps: number,
    options: LstmPredictorOptions = {},
  ): Promise<LstmPredictor> {
    const session = await LstmOnnxSession.open(onnx, options);
    return new LstmPredictor(version, session, vocabulary, maxSteps, options.batchCustomers ?? 1024);
  }

  async predict(sequences: BasketSequences, k: number, context: PredictionContext): Promise<PredictionBatch> {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const { length } = sequences;
    const products = new Uint32Array(length * k).fill(NO_PRODUCT);
    const expectedNextOrderAt = new Float64Array(length).fill(Number.NaN);
    const V = this.vocabulary.size;
    const builder = new SequenceBatchBuilder(this.vocabulary, this.maxSteps);
    const rowCustomer = new Uint32Array(this.batchCustomers);
    let rows = 0;

    // Ask the graph for enough slots to skip those without a product (the rare slot, products
    // gone from the serving catalogue) and still have k.
    const topCount = Math.min(V, k + this.unmappedSlots);
    const flush = async () => {
      if (rows === 0) return;
      const batch = builder.finish();
      const { slots, logGap } = await this.session.top(batch, V, topCount);
      const productOf = this.vocabulary.productOf;
      for (let r = 0; r < rows; r++) {
        const c = rowCustomer[r];
        let j = 0;
        for (let i = 0; i < topCount && j < k; i++) {
          const p = productOf[Number(slots[r * topCount + i])];
          if (p !== NO_PRODUCT) products[c * k + j++] = p;
        }
        expectedNextOrderAt[c] = batch.rowTime[r] + Math.expm1(Math.max(0, logGap[r])) * DAY_MS;
      }
      rows = 0;
    };
    // Batches of similar lengths: the LSTM runs as many steps as the batch's longest customer.
    const order = customersByLength(sequences, this.maxSteps);
    for (const c of order) {
      builder.addPredictionCustomer(sequences, c);
      rowCustomer[rows++] = c;
      if (rows === this.batchCustomers) await flush();
    }
    await flush();
    fillWithPopular(products, k, sequences, context.popularity);
    return { start: sequences.start, length, k, products, expectedNextOrderAt };
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

/** Customers with at least one basket, by ascending (truncated) sequence length; stable. */
function customersByLength(sequences: BasketSequences, maxSteps: number): Uint32Array {
  const counts = new Uint32Array(maxSteps + 2);
  const { length, basketStart } = sequences;
  const steps = (c: number) => Math.min(maxSteps, basketStart[c + 1] - basketStart[c]);
  let withBaskets = 0;
  for (let c = 0; c < length; c++) {
    const n = steps(c);
    if (n > 0) {
      counts[n + 1]++;
      withBaskets++;
    }
  }
  for (let n = 1; n < counts.length; n++) counts[n] += counts[n - 1];
  const order = new Uint32Array(withBaskets);
  for (let c = 0; c < length; c++) {
    const n = steps(c);
    if (n > 0) order[counts[n]++] = c;
  }
  return order;
}

/** Fills NO_PRODUCT gaps at the end of each row with popular products not already listed. */
function fillWithPopular(
  products: Uint32Array,
  k: number,
  sequences: BasketSequences,
  popularity: Uint32Array,
): void {
  let order: Uint32Array | null = null;
  for (let c = 0; c < sequences.length; c++) {
    const row = c * k;
    if (products[row + k - 1] !== NO_PRODUCT) continue;
    order ??= popularityOrder(popularity);
    let j = 0;
    while (j < k && products[row + j] !== NO_PRODUCT) j++;
    for (let r = 0; j < k && r < order.length; r++) {
      const p = order[r];
      let listed = false;
      for (let i = 0; i < j; i++) if (products[row + i] === p) listed = true;
      if (!listed) products[row + j++] = p;
    }
  }
}
