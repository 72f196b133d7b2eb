import type { BasketSequences } from '../data/snapshot.js';
import type { TargetBaskets } from './ranking-metrics.js';

/**
 * Leave-last-basket-out split: each customer with at least `minBaskets` baskets is evaluated on
 * their last basket, predicted from all earlier ones. Used twice: for the evaluation protocol
 * (history → test basket) and, inside training, on the history alone (→ validation basket), so
 * model selection never sees a test basket.
 */
export interface HoldoutSplit {
  /** Indices (relative to the input's `start`) of the held-out customers, ascending. */
  customers: Uint32Array;
  /** Their baskets except the last, re-based so customer i of the split is row i (start = 0). */
  history: BasketSequences;
  /** Their last baskets (distinct products). */
  targets: TargetBaskets;
  /** Time of each last basket. */
  targetTime: Float64Array;
  /**
   * Baskets containing each product, counted over every basket that is not a target (customers
   * with too few baskets included), so no popularity figure leaks a held-out basket.
   */
  popularity: Uint32Array;
}

export function splitLastBasket(all: BasketSequences, catalogue: number, minBaskets = 2): HoldoutSplit {
  if (minBaskets < 2) throw new RangeError('a holdout needs at least two baskets per customer');
  const { length, basketStart, basketTime, basketSpend, itemStart, items } = all;
  let held = 0;
  let historyBaskets = 0;
  let historyItems = 0;
  let targetItems = 0;
  for (let c = 0; c < length; c++) {
    const b0 = basketStart[c];
    const b1 = basketStart[c + 1];
    if (b1 - b0 < minBaskets) continue;
    held++;
    historyBaskets += b1 - 1 - b0;
    historyItems += itemStart[b1 - 1] - itemStart[b0];
    targetItems += itemStart[b1] - itemStart[b1 - 1];
  }

  const customers = new Uint32Array(held);
  const history: BasketSequences = {
    start: 0,
    length: held,
    basketStart: new Uint32Array(held + 1),
    basketTime: new Float64Array(historyBaskets),
    basketSpend: new Float64Array(historyBaskets),
    itemStart: new Uint32Array(historyBaskets + 1),
    items: new Uint32Array(historyItems),
  };
  const targets: TargetBaskets = { start: new Uint32Array(held + 1), items: new Uint32Array(targetItems) };
  const targetTime = new Float64Array(held);
  const popularity = new Uint32Array(catalogue);

  let row = 0;
  let hb = 0;
  let hi = 0;
  let ti = 0;
  for (let c = 0; c < length; c++) {
    const b0 = basketStart[c];
    const b1 = basketStart[c + 1];
    const isHeld = b1 - b0 >= minBaskets;
    const lastHistory = isHeld ? b1 - 1 : b1;
    for (let b = b0; b < lastHistory; b++) {
      for (let i = itemStart[b]; i < itemStart[b + 1]; i++) {
        if (items[i] >= catalogue)
          throw new RangeError(`product index ${items[i]} outside the catalogue of ${catalogue}`);
        popularity[items[i]]++;
      }
    }
    if (!isHeld) continue;
    customers[row] = c;
    history.basketStart[row] = hb;
    for (let b = b0; b < lastHistory; b++) {
      history.basketTime[hb] = basketTime[b];
      history.basketSpend[hb] = basketSpend[b];
      history.itemStart[hb] = hi;
      for (let i = itemStart[b]; i < itemStart[b + 1]; i++) history.items[hi++] = items[i];
      hb++;
    }
    targets.start[row] = ti;
    for (let i = itemStart[lastHistory]; i < itemStart[b1]; i++) targets.items[ti++] = items[i];
    targetTime[row] = basketTime[lastHistory];
    row++;
  }
  history.basketStart[held] = hb;
  history.itemStart[hb] = hi;
  targets.start[held] = ti;
  return { customers, history, targets, targetTime, popularity };
}
