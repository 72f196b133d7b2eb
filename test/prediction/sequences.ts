import type { BasketSequences } from '../../src/data/snapshot.js';

/** Builds CSR basket sequences from nested arrays: customers → baskets → product indices. */
export function sequencesOf(customers: number[][][], times?: number[][], start = 0): BasketSequences {
  const basketStart = new Uint32Array(customers.length + 1);
  const baskets = customers.reduce((n, c) => n + c.length, 0);
  const basketTime = new Float64Array(baskets);
  const basketSpend = new Float64Array(baskets);
  const itemStart = new Uint32Array(baskets + 1);
  const itemList: number[] = [];
  let b = 0;
  customers.forEach((cust, c) => {
    basketStart[c] = b;
    cust.forEach((basket, j) => {
      itemStart[b] = itemList.length;
      itemList.push(...basket);
      basketTime[b] = times?.[c]?.[j] ?? j * 86_400_000;
      basketSpend[b] = basket.length;
      b++;
    });
  });
  basketStart[customers.length] = b;
  itemStart[b] = itemList.length;
  return {
    start,
    length: customers.length,
    basketStart,
    basketTime,
    basketSpend,
    itemStart,
    items: Uint32Array.from(itemList),
  };
}

/** Row c of a row-major [n × k] prediction, padding dropped. */
export function row(products: Uint32Array, k: number, c: number): number[] {
  return Array.from(products.subarray(c * k, c * k + k)).filter((p) => p !== 0xffffffff);
}
