/**
 * Adjusted Rand index of two labellings of the same items (Hubert & Arabie): 1 for identical
 * partitions whatever the label names, about 0 for chance agreement. Items labelled below 0 in
 * either labelling (customers left out of segmentation) are skipped.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`labellings differ in length: ${a.length} and ${b.length}`);
  const pairs = new Map<string, number>();
  const rows = new Map<number, number>();
  const cols = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < 0 || b[i] < 0) continue;
    n++;
    const key = `${a[i]},${b[i]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  const choose2 = (x: number) => (x * (x - 1)) / 2;
  let index = 0;
  for (const count of pairs.values()) index += choose2(count);
  let sumRows = 0;
  for (const count of rows.values()) sumRows += choose2(count);
  let sumCols = 0;
  for (const count of cols.values()) sumCols += choose2(count);
  const total = choose2(n);
  if (total === 0) return 1;
  const expected = (sumRows * sumCols) / total;
  const max = (sumRows + sumCols) / 2;
  // Both partitions trivial in the same way (one cluster each, or all singletons): identical.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
