/**
 * The hot loops of k-means over a flat row-major Float64Array, one block of rows at a time.
 *
 * They are generated per dimension d with the coordinate loop unrolled and the row's
 * coordinates held in locals, because V8 does not specialise a loop on its trip count (the
 * FACTS table: 0.11 s against 0.33 s per Lloyd iteration on 1,000,000 × 8 points). Rows that
 * need every centroid are taken two at a time so each centroid coordinate is loaded once for
 * both (about a third faster again). Above UNROLL_LIMIT dimensions the generated code keeps a
 * loop, where unrolling no longer pays for its size.
 *
 * What was measured and dropped: tightening the upper bound before a full pass (the row's memory
 * is the cost, not the distances), Elkan's per-centroid bounds (they save distances early but
 * leave weaker second-nearest bounds, so more rows come back: slower overall on 8 dimensions),
 * and skipping k-means++ candidates by the triangle inequality (almost never applies in 8-d).
 *
 * Partial results of a block go to `part` at `p` so that the driver can combine blocks in block
 * order: results then do not depend on how many threads ran the blocks, nor which.
 */

/** Per-block partial layout of a k-means step: [changed, inertia, counts (k), sums (k × d)]. */
export const PART_CHANGED = 0;
export const PART_INERTIA = 1;
export const PART_COUNTS = 2;
export function stepPartStride(k: number, d: number): number {
  return 2 + k + k * d;
}

/**
 * Centroids and the drift bookkeeping of Hamerly's bounds. Bounds are stored relative to how far
 * the centroids have drifted since the start (the "lazy" update): a row whose bounds still
 * settle its label is read but never written.
 */
export interface HamerlyParams {
  /** Current centroids [k × d]. */
  centroids: Float64Array;
  /** Total distance each centroid has moved since the first step. */
  drift: Float64Array;
  /** Half the distance from each centroid to its nearest other centroid. */
  halfSeparation: Float64Array;
  /** Sum over updates of the largest move of any centroid. */
  maxDrift: number;
  /** Scratch of at least a block's length: the rows a step must assign from scratch. */
  queue: Int32Array;
  /** Scratch [k + k × d]: the block's count and sum changes, kept in the thread's own memory. */
  tally: Float64Array;
}

export interface KMeansKernels {
  readonly d: number;
  /**
   * One Hamerly step over rows [start, end): recomputes distances only where the bounds cannot
   * prove the label, and writes label moves as deltas of counts and sums into `part` (rows with
   * label -1 are assigned from scratch). upper[i] + drift[label] bounds the distance to the
   * assigned centroid from above; lower[i] − maxDrift bounds the distance to every other
   * centroid from below.
   */
  hamerly(
    x: Float64Array,
    start: number,
    end: number,
    k: number,
    labels: Int32Array,
    upper: Float64Array,
    lower: Float64Array,
    params: HamerlyParams,
    part: Float64Array,
    p: number,
  ): void;
  /** Plain Lloyd assignment of rows [start, end) with full counts and sums (the reference). */
  lloyd(
    x: Float64Array,
    start: number,
    end: number,
    k: number,
    centroids: Float64Array,
    labels: Int32Array,
    part: Float64Array,
    p: number,
  ): void;
  /**
   * One k-means++ round over rows [start, end) in a single read of the rows. With `apply`,
   * closest[i] first takes min(closest[i], ‖x_i − centres[0]‖²) (the centre chosen last round);
   * then part[p] gets the sum of closest and part[p + 1 + t] the potential
   * Σ min(closest[i], ‖x_i − candidate_t‖²) of each candidate, held in centres rows 1..trials.
   */
  potentials(
    x: Float64Array,
    start: number,
    end: number,
    closest: Float64Array,
    apply: boolean,
    centres: Float64Array,
    trials: number,
    part: Float64Array,
    p: number,
  ): void;
  /** Count, column means and column sums of squared deviations of rows [start, end) into part[p...]. */
  moments(x: Float64Array, start: number, end: number, part: Float64Array, p: number): void;
  /** Sum over rows [start, end) of the squared distance to the assigned centroid. */
  inertia(x: Float64Array, start: number, end: number, centroids: Float64Array, labels: Int32Array): number;
}

export const UNROLL_LIMIT = 32;

/** 'hamerly': bounds skip most distance computations; 'lloyd': every distance (the reference). */
export type KMeansAlgorithm = 'hamerly' | 'lloyd';

const cache = new Map<number, KMeansKernels>();

export function kernelsFor(d: number): KMeansKernels {
  if (!Number.isInteger(d) || d < 1) throw new Error(`dimension must be a positive integer, got ${d}`);
  let kernels = cache.get(d);
  if (!kernels) {
    kernels = compileKernels(d);
    cache.set(d, kernels);
  }
  return kernels;
}

/** Source that loads the row at `base` of `array` into locals x0..x{d-1} (unrolled case only). */
export function loadRowSource(d: number, array: string, base: string, prefix = 'x'): string {
  if (d > UNROLL_LIMIT) return '';
  return Array.from({ length: d }, (_, j) => `const ${prefix}${j} = ${array}[${base} + ${j}];`).join(' ');
}

/** Pairwise sum of the terms, giving the CPU independent additions to overlap. */
function treeSum(terms: string[]): string {
  let level = terms;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? `(${level[i]} + ${level[i + 1]})` : level[i]);
    }
    level = next;
  }
  return level[0];
}

/**
 * Source of `out = ‖row − array[base..base+d)‖²`, the row being the locals of loadRowSource
 * (or, above UNROLL_LIMIT, `xArray` at `xBase`).
 */
export function squaredDistanceSource(
  d: number,
  out: string,
  xArray: string,
  xBase: string,
  array: string,
  base: string,
  prefix = 'x',
): string {
  if (d > UNROLL_LIMIT) {
    return (
      `${out} = 0; for (let j = 0; j < ${d}; j++) { const t = ${xArray}[${xBase} + j] - ${array}[${base} + j]; ` +
      `${out} += t * t; }`
    );
  }
  const diffs = Array.from(
    { length: d },
    (_, j) => `const t${j} = ${prefix}${j} - ${array}[${base} + ${j}];`,
  );
  return `{ ${diffs.join(' ')} ${out} = ${treeSum(Array.from({ length: d }, (_, j) => `t${j} * t${j}`))}; }`;
}

/**
 * Source of the squared distances of two rows (locals x… and y…) to one centre: each centre
 * coordinate is loaded once for both rows, which is what makes pairs about a third faster than
 * single rows. Each result is computed exactly as squaredDistanceSource computes it.
 */
function pairSquaredDistanceSource(
  d: number,
  out: string,
  outY: string,
  array: string,
  base: string,
): string {
  const lines = Array.from(
    { length: d },
    (_, j) =>
      `const c${j} = ${array}[${base} + ${j}]; const t${j} = x${j} - c${j}; const u${j} = y${j} - c${j};`,
  );
  const x = treeSum(Array.from({ length: d }, (_, j) => `t${j} * t${j}`));
  const y = treeSum(Array.from({ length: d }, (_, j) => `u${j} * u${j}`));
  return `{ ${lines.join(' ')} ${out} = ${x}; ${outY} = ${y}; }`;
}

/** Source adding (+) or subtracting (−) a row into tally[sumBase..sumBase+d). */
function accumulateRow(
  d: number,
  sign: '+' | '-',
  xArray: string,
  xBase: string,
  sumBase: string,
  prefix = 'x',
) {
  if (d > UNROLL_LIMIT) {
    return `for (let j = 0; j < ${d}; j++) tally[${sumBase} + j] ${sign}= ${xArray}[${xBase} + j];`;
  }
  return Array.from({ length: d }, (_, j) => `tally[${sumBase} + ${j}] ${sign}= ${prefix}${j};`).join(' ');
}

/** Source that tracks the nearest and second nearest centre of a row as distances come in. */
function keepTwoNearest(acc: string, best: string, second: string, index: string, c: string): string {
  return `if (${acc} < ${best}) { ${second} = ${best}; ${best} = ${acc}; ${index} = ${c}; } else if (${acc} < ${second}) ${second} = ${acc};`;
}

/** Source that stores a row's new bounds and, when its label changed, moves it between sums. */
function settleRow(
  d: number,
  row: string,
  base: string,
  best: string,
  second: string,
  index: string,
  prefix: string,
) {
  return `{
    const was = labels[${row}];
    upper[${row}] = Math.sqrt(${best}) - drift[${index}];
    lower[${row}] = Math.sqrt(${second}) + maxDrift;
    if (${index} !== was) {
      changed++;
      labels[${row}] = ${index};
      tally[${index}] += 1;
      ${accumulateRow(d, '+', 'x', base, `k + ${index} * ${d}`, prefix)}
      if (was >= 0) {
        tally[was] -= 1;
        ${accumulateRow(d, '-', 'x', base, `k + was * ${d}`, prefix)}
      }
    }
  }`;
}

function compileKernels(d: number): KMeansKernels {
  const unrolled = d <= UNROLL_LIMIT;
  // Rows the bounds cannot settle are queued, then assigned two at a time.
  const hamerly = `
    const centroids = params.centroids, drift = params.drift, halfSep = params.halfSeparation;
    const maxDrift = params.maxDrift, queue = params.queue, tally = params.tally;
    tally.fill(0);
    let changed = 0, queued = 0, acc = 0, accY = 0;
    // 1. Bounds alone settle most rows. The rest are queued for every distance at once rather
    //    than first tightening the upper bound: the row's memory is the expensive part, and
    //    fresh bounds on both sides keep it out of the queue for longer.
    for (let i = start; i < end; i++) {
      const a = labels[i];
      if (a >= 0) {
        const l = lower[i] - maxDrift;
        const m = halfSep[a] > l ? halfSep[a] : l;
        if (upper[i] + drift[a] <= m) continue;
      }
      queue[queued++] = i;
    }
    // 2. Queued rows against every centroid, two at a time.
    let q = 0;
    ${
      unrolled
        ? `for (; q + 1 < queued; q += 2) {
      const i = queue[q], i2 = queue[q + 1];
      const o = i * ${d}, o2 = i2 * ${d};
      ${loadRowSource(d, 'x', 'o')}
      ${loadRowSource(d, 'x', 'o2', 'y')}
      let best = Infinity, second = Infinity, bi = 0, bestY = Infinity, secondY = Infinity, biY = 0;
      for (let c = 0, co = 0; c < k; c++, co += ${d}) {
        ${pairSquaredDistanceSource(d, 'acc', 'accY', 'centroids', 'co')}
        ${keepTwoNearest('acc', 'best', 'second', 'bi', 'c')}
        ${keepTwoNearest('accY', 'bestY', 'secondY', 'biY', 'c')}
      }
      ${settleRow(d, 'i', 'o', 'best', 'second', 'bi', 'x')}
      ${settleRow(d, 'i2', 'o2', 'bestY', 'secondY', 'biY', 'y')}
    }`
        : ''
    }
    for (; q < queued; q++) {
      const i = queue[q];
      const o = i * ${d};
      ${loadRowSource(d, 'x', 'o')}
      let best = Infinity, second = Infinity, bi = 0;
      for (let c = 0, co = 0; c < k; c++, co += ${d}) {
        ${squaredDistanceSource(d, 'acc', 'x', 'o', 'centroids', 'co')}
        ${keepTwoNearest('acc', 'best', 'second', 'bi', 'c')}
      }
      ${settleRow(d, 'i', 'o', 'best', 'second', 'bi', 'x')}
    }
    part[p + ${PART_CHANGED}] += changed;
    for (let t = 0; t < k * ${d + 1}; t++) part[p + ${PART_COUNTS} + t] += tally[t];`;

  const lloyd = `
    const tally = new Float64Array(k * ${d + 1});
    let changed = 0, inertia = 0, acc = 0;
    for (let i = start; i < end; i++) {
      const o = i * ${d};
      ${loadRowSource(d, 'x', 'o')}
      let best = Infinity, bi = 0;
      for (let c = 0, co = 0; c < k; c++, co += ${d}) {
        ${squaredDistanceSource(d, 'acc', 'x', 'o', 'centroids', 'co')}
        if (acc < best) { best = acc; bi = c; }
      }
      if (labels[i] !== bi) changed++;
      labels[i] = bi;
      inertia += best;
      tally[bi] += 1;
      ${accumulateRow(d, '+', 'x', 'o', `k + bi * ${d}`)}
    }
    part[p + ${PART_CHANGED}] += changed;
    part[p + ${PART_INERTIA}] += inertia;
    for (let t = 0; t < k * ${d + 1}; t++) part[p + ${PART_COUNTS} + t] += tally[t];`;

  // Rows in pairs as in the Hamerly step; the sums stay in row order either way.
  const potentials = `
    let total = 0, acc = 0, accY = 0;
    const sums = new Float64Array(trials);
    let i = start;
    ${
      unrolled
        ? `for (; i + 1 < end; i += 2) {
      const o = i * ${d}, o2 = o + ${d};
      ${loadRowSource(d, 'x', 'o')}
      ${loadRowSource(d, 'x', 'o2', 'y')}
      let c = closest[i], cY = closest[i + 1];
      if (apply) {
        ${pairSquaredDistanceSource(d, 'acc', 'accY', 'centres', '0')}
        if (acc < c) { c = acc; closest[i] = acc; }
        if (accY < cY) { cY = accY; closest[i + 1] = accY; }
      }
      total += c;
      total += cY;
      for (let t = 0, q = ${d}; t < trials; t++, q += ${d}) {
        ${pairSquaredDistanceSource(d, 'acc', 'accY', 'centres', 'q')}
        sums[t] += acc < c ? acc : c;
        sums[t] += accY < cY ? accY : cY;
      }
    }`
        : ''
    }
    for (; i < end; i++) {
      const o = i * ${d};
      ${loadRowSource(d, 'x', 'o')}
      let c = closest[i];
      if (apply) {
        ${squaredDistanceSource(d, 'acc', 'x', 'o', 'centres', '0')}
        if (acc < c) { c = acc; closest[i] = acc; }
      }
      total += c;
      for (let t = 0, q = ${d}; t < trials; t++, q += ${d}) {
        ${squaredDistanceSource(d, 'acc', 'x', 'o', 'centres', 'q')}
        sums[t] += acc < c ? acc : c;
      }
    }
    part[p] = total;
    for (let t = 0; t < trials; t++) part[p + 1 + t] = sums[t];`;

  // Two passes, means then squared deviations, each reading rows in order.
  const moments = unrolled
    ? `
    const count = end - start;
    let ${Array.from({ length: d }, (_, j) => `s${j} = 0`).join(', ')};
    for (let o = start * ${d}; o < end * ${d}; o += ${d}) {
      ${loadRowSource(d, 'x', 'o')}
      ${Array.from({ length: d }, (_, j) => `s${j} += x${j};`).join(' ')}
    }
    ${Array.from({ length: d }, (_, j) => `const m${j} = s${j} / count; let q${j} = 0;`).join(' ')}
    for (let o = start * ${d}; o < end * ${d}; o += ${d}) {
      ${loadRowSource(d, 'x', 'o')}
      ${Array.from({ length: d }, (_, j) => `const t${j} = x${j} - m${j}; q${j} += t${j} * t${j};`).join(' ')}
    }
    part[p] = count;
    ${Array.from({ length: d }, (_, j) => `part[p + ${1 + j}] = m${j}; part[p + ${1 + d + j}] = q${j};`).join(' ')}`
    : `
    const count = end - start;
    const mean = new Float64Array(${d}), m2 = new Float64Array(${d});
    for (let o = start * ${d}; o < end * ${d}; o += ${d}) for (let j = 0; j < ${d}; j++) mean[j] += x[o + j];
    for (let j = 0; j < ${d}; j++) mean[j] /= count;
    for (let o = start * ${d}; o < end * ${d}; o += ${d}) {
      for (let j = 0; j < ${d}; j++) { const t = x[o + j] - mean[j]; m2[j] += t * t; }
    }
    part[p] = count;
    part.set(mean, p + 1);
    part.set(m2, p + 1 + ${d});`;

  const inertia = `
    let sum = 0, acc = 0;
    for (let i = start; i < end; i++) {
      const o = i * ${d};
      ${loadRowSource(d, 'x', 'o')}
      const co = labels[i] * ${d};
      ${squaredDistanceSource(d, 'acc', 'x', 'o', 'centroids', 'co')}
      sum += acc;
    }
    return sum;`;

  // The generated source is built from numbers and fixed text only, never from input data.
  const compile = (args: string[], body: string) => new Function(...args, `'use strict';\n${body}`);
  return {
    d,
    hamerly: compile(
      ['x', 'start', 'end', 'k', 'labels', 'upper', 'lower', 'params', 'part', 'p'],
      hamerly,
    ) as KMeansKernels['hamerly'],
    lloyd: compile(
      ['x', 'start', 'end', 'k', 'centroids', 'labels', 'part', 'p'],
      lloyd,
    ) as KMeansKernels['lloyd'],
    potentials: compile(
      ['x', 'start', 'end', 'closest', 'apply', 'centres', 'trials', 'part', 'p'],
      potentials,
    ) as KMeansKernels['potentials'],
    moments: compile(['x', 'start', 'end', 'part', 'p'], moments) as KMeansKernels['moments'],
    inertia: compile(['x', 'start', 'end', 'centroids', 'labels'], inertia) as KMeansKernels['inertia'],
  };
}
