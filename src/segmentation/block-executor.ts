import { type BlockOp, blockRunner, type KMeansSpace, type Space, spaceBlocks } from './block-ops.js';
import type { SpaceFit, SpaceFitOptions } from './kmeans.js';

/**
 * Runs block ops over a space: on worker threads (BlockWorkerPool) or, for tests and tiny
 * problems, in the calling thread (InThreadExecutor). Either way the results in the space's
 * partials are the same, block for block.
 */
export interface BlockExecutor {
  /** Threads that do the work (0 for the calling thread). */
  readonly threads: number;
  /** Makes a space known to the threads before ops run on it. */
  bind(space: Space): Promise<void>;
  run(space: Space, op: BlockOp): Promise<void>;
  /**
   * A whole k-means fit of a bound space, where the executor can drive it better than the
   * caller can op by op (a worker pool drives it from one of its threads).
   */
  fit?(space: KMeansSpace, options: SpaceFitOptions): Promise<SpaceFit>;
  unbind(space: Space): Promise<void>;
  close(): Promise<void>;
}

/** Runs every block in the calling thread: blocks the event loop, so only for tests and tiny inputs. */
export class InThreadExecutor implements BlockExecutor {
  readonly threads = 0;

  async bind(): Promise<void> {}

  async run(space: Space, op: BlockOp): Promise<void> {
    const run = blockRunner(space, op);
    const blocks = spaceBlocks(space);
    for (let b = 0; b < blocks; b++) run(b);
  }

  async unbind(): Promise<void> {}

  async close(): Promise<void> {}
}

let nextSpaceId = 1;

/** A process-unique id for a new space. */
export function newSpaceId(): number {
  return nextSpaceId++;
}

/** A Float64Array in memory that worker threads can share. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

/** The array itself when it already lives in shared memory, else a shared copy. */
export function asShared(data: Float64Array): Float64Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const copy = sharedFloat64(data.length);
  copy.set(data);
  return copy;
}
