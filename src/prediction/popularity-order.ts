/**
 * Product indices ordered by global popularity, most popular first; equal counts keep the
 * lower product index first so every ranking built on it is deterministic.
 */
export function popularityOrder(popularity: Uint32Array): Uint32Array {
  const order = new Uint32Array(popularity.length);
  for (let p = 0; p < order.length; p++) order[p] = p;
  order.sort((a, b) => popularity[b] - popularity[a] || a - b);
  return order;
}

/** Rank of each product in `popularityOrder` (0 = most popular): a cheap tie-break key. */
export function popularityRank(order: Uint32Array): Uint32Array {
  const rank = new Uint32Array(order.length);
  for (let r = 0; r < order.length; r++) rank[order[r]] = r;
  return rank;
}
