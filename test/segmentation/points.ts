import { SeededRandom } from '../../src/segmentation/seeded-random.js';

/** `perCluster` points around each centre, with standard-normal noise of scale `spread`. */
export function blobs(
  centres: number[][],
  perCluster: number,
  spread: number,
  seed: number,
): { data: Float64Array; truth: Int32Array; d: number } {
  const d = centres[0].length;
  const random = new SeededRandom(seed);
  const n = centres.length * perCluster;
  const data = new Float64Array(n * d);
  const truth = new Int32Array(n);
  // Interleave the clusters so no block of rows holds a single cluster.
  for (let i = 0; i < n; i++) {
    const c = i % centres.length;
    truth[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c][j] + spread * random.normal();
  }
  return { data, truth, d };
}

export function normalPoints(n: number, d: number, seed: number): Float64Array {
  const random = new SeededRandom(seed);
  return Float64Array.from({ length: n * d }, () => random.normal());
}
