import { NO_PRODUCT } from '../predictor.js';
import { ItemVocabulary } from './item-vocabulary.js';
import type { LstmShape } from './lstm-parameters.js';
import type { LstmHyperparameters, TrainedLstm } from './lstm-trainer.js';
import { BASKET_FEATURES, REPEAT_FEATURES } from './sequence-batch.js';

/** vocabulary.json: what each output slot of the ONNX model means. */
export interface VocabularyFile {
  format: 1;
  slots: number;
  /** Training-snapshot product index of each slot; null for the rare slot 0. */
  products: (number | null)[];
  /** Product id of each slot when known (lets a newer snapshot with other indices use the model). */
  productIds?: (string | null)[];
  /** Training baskets per slot (the frozen popularity feature). */
  baskets: number[];
  /** Catalogue size of the training snapshot. */
  catalogue: number;
}

/** metadata.json of an LSTM model version. */
export interface LstmMetadata {
  format: 1;
  method: 'lstm';
  version?: string;
  createdAt: string;
  shape: LstmShape;
  hyperparameters: LstmHyperparameters;
  basketFeatures: string[];
  repeatFeatures: string[];
  training: {
    customers: number;
    transitions: number;
    epochs: number;
    bestEpoch: number;
    /** Served parameters come from the refit on all history transitions. */
    refitted: boolean;
    /** Weight of the own-purchase share in the final ranking (inside the ONNX graph too). */
    blendWeight: number;
    seconds: number;
    validation: TrainedLstm['validation'];
    datasetVersion?: string;
  };
}

export function vocabularyFile(vocabulary: ItemVocabulary, productIds?: readonly string[]): VocabularyFile {
  const products = Array.from(vocabulary.productOf, (p) => (p === NO_PRODUCT ? null : p));
  return {
    format: 1,
    slots: vocabulary.size,
    products,
    ...(productIds ? { productIds: products.map((p) => (p === null ? null : (productIds[p] ?? null))) } : {}),
    baskets: Array.from(vocabulary.slotBaskets),
    catalogue: vocabulary.catalogue,
  };
}

/**
 * The vocabulary over the serving catalogue: by product id when both sides know ids (a product
 * gone from the catalogue keeps its slot but is never recommended), else by training index.
 */
export function servingVocabulary(
  file: VocabularyFile,
  servingProductIds?: readonly string[],
): ItemVocabulary {
  if (file.format !== 1) throw new Error(`vocabulary.json format ${String(file.format)} is not supported`);
  if (file.products.length !== file.slots || file.baskets.length !== file.slots) {
    throw new Error('vocabulary.json: products and baskets must hold one entry per slot');
  }
  const productOf = new Uint32Array(file.slots).fill(NO_PRODUCT);
  let catalogue = file.catalogue;
  if (servingProductIds && file.productIds) {
    const index = new Map<string, number>();
    servingProductIds.forEach((id, i) => {
      index.set(id, i);
    });
    for (let s = 1; s < file.slots; s++) {
      const id = file.productIds[s];
      const p = id === null ? undefined : index.get(id);
      if (p !== undefined) productOf[s] = p;
    }
    catalogue = servingProductIds.length;
  } else {
    for (let s = 1; s < file.slots; s++) productOf[s] = file.products[s] ?? NO_PRODUCT;
  }
  return new ItemVocabulary(productOf, catalogue, Uint32Array.from(file.baskets));
}

export function lstmMetadata(trained: TrainedLstm, customers: number, datasetVersion?: string): LstmMetadata {
  return {
    format: 1,
    method: 'lstm',
    createdAt: new Date().toISOString(),
    shape: trained.shape,
    hyperparameters: trained.hyperparameters,
    basketFeatures: [...BASKET_FEATURES],
    repeatFeatures: [...REPEAT_FEATURES],
    training: {
      customers,
      transitions: trained.trainingTransitions,
      epochs: trained.epochs.length,
      bestEpoch: trained.bestEpoch,
      refitted: trained.refitted,
      blendWeight: trained.blendWeight,
      seconds: trained.seconds,
      validation: trained.validation,
      ...(datasetVersion ? { datasetVersion } : {}),
    },
  };
}

/** Refuses a model whose features this code computes differently. */
export function checkCompatible(metadata: LstmMetadata): void {
  if (metadata.format !== 1 || metadata.method !== 'lstm')
    throw new Error('metadata.json is not an LSTM model (format 1)');
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  if (!same(metadata.basketFeatures, BASKET_FEATURES) || !same(metadata.repeatFeatures, REPEAT_FEATURES)) {
    throw new Error('model features differ from this version of Tailor: retrain the model');
  }
}
