import { NO_PRODUCT } from './predictor.js';

/** Target baskets in CSR form: customer i's target items are items[start[i] .. start[i+1]-1]. */
export interface TargetBaskets {
  start: Uint32Array;
  items: Uint32Array;
}

export interface RankingMetrics {
  /** Mean over customers of |top-K ∩ target| / |target|. */
  recall: number;
  /** Mean NDCG@K with binary relevance; the ideal DCG ranks min(K, |target|) hits first. */
  ndcg: number;
  /** Share of customers with at least one hit in the top K. */
  hr: number;
  customers: number;
}

/**
 * Recall@K, NDCG@K and HR@K of row-major top-K predictions [customers × k] against target
 * baskets. Customers with an empty target are skipped (the protocol never makes one).
 */
export function rankingMetrics(predicted: Uint32Array, k: number, targets: TargetBaskets): RankingMetrics {
  const customers = targets.start.length - 1;
  if (predicted.length !== customers * k) {
    throw new RangeError(`predictions hold ${predicted.length} entries, expected ${customers} × ${k}`);
  }
  const discount = new Float64Array(k);
  for (let j = 0; j < k; j++) discount[j] = 1 / Math.log2(j + 2);
  let maxItem = 0;
  for (let i = 0; i < targets.items.length; i++) if (targets.items[i] > maxItem) maxItem = targets.items[i];
  const inTarget = new Uint8Array(maxItem + 1);

  let recall = 0;
  let ndcg = 0;
  let hits = 0;
  let counted = 0;
  for (let c = 0; c < customers; c++) {
    const t0 = targets.start[c];
    const t1 = targets.start[c + 1];
    const size = t1 - t0;
    if (size === 0) continue;
    for (let i = t0; i < t1; i++) inTarget[targets.items[i]] = 1;
    let hit = 0;
    let dcg = 0;
    for (let j = 0; j < k; j++) {
      const p = predicted[c * k + j];
      if (p !== NO_PRODUCT && p <= maxItem && inTarget[p] === 1) {
        hit++;
        dcg += discount[j];
        inTarget[p] = 2; // a product listed twice counts once
      }
    }
    let idcg = 0;
    for (let j = 0; j < Math.min(k, size); j++) idcg += discount[j];
    for (let i = t0; i < t1; i++) inTarget[targets.items[i]] = 0;
    recall += hit / size;
    ndcg += dcg / idcg;
    if (hit > 0) hits++;
    counted++;
  }
  const n = Math.max(counted, 1);
  return { recall: recall / n, ndcg: ndcg / n, hr: hits / n, customers: counted };
}
