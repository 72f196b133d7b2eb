import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { compiledSibling } from '../config/compiled-path.js';
import type { BlockExecutor } from './block-executor.js';
import { sharedInt32 } from './block-executor.js';
import type { BlockOp, KMeansSpace, Space } from './block-ops.js';
import {
  type BlockWorkerData,
  type BlockWorkerMessage,
  type BlockWorkerReply,
  CONTROL_GENERATION,
  CONTROL_SLOTS,
  OP_BYTES,
} from './block-worker-protocol.js';
import type { SpaceFit, SpaceFitOptions } from './kmeans.js';

/**
 * Worker threads that run block ops on spaces in shared memory. The calling thread only posts
 * messages and awaits the replies, so a fit of millions of points never blocks its event loop:
 * a single op is one message per thread, a whole k-means fit one message in all (the threads
 * drive it among themselves, see block-worker.ts). Ops and fits run one at a time, in the order
 * they were asked for, so several callers may share a pool. Idle threads do not keep the
 * process alive.
 */
export class BlockWorkerPool implements BlockExecutor {
  private readonly shared: BlockWorkerData = {
    counter: sharedInt32(1),
    control: sharedInt32(CONTROL_SLOTS),
    opBytes: new Uint8Array(new SharedArrayBuffer(OP_BYTES)),
  };
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    {
      left: number;
      error?: Error;
      replies: BlockWorkerReply[];
      resolve: (replies: BlockWorkerReply[]) => void;
      reject: (e: Error) => void;
    }
  >();
  private seq = 0;
  /** The last op asked for: the next one starts when it ends. */
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closing = false;

  private constructor(readonly threads: number) {}

  /** Starts `threads` workers (default: one per available core). */
  static async start(threads = availableParallelism()): Promise<BlockWorkerPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`threads must be a positive integer, got ${threads}`);
    const pool = new BlockWorkerPool(threads);
    const entry = compiledSibling(import.meta.url, './block-worker.js');
    for (let t = 0; t < threads; t++) {
      const worker = new Worker(entry, { workerData: pool.shared });
      worker.on('message', (reply: BlockWorkerReply) => pool.settle(reply));
      worker.on('error', (error) => pool.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && !pool.closing)
          pool.fail(new Error(`segmentation worker thread exited with code ${code}`));
      });
      pool.workers.push(worker);
    }
    await pool.broadcast({ type: 'unbind', seq: 0, id: -1 });
    return pool;
  }

  async bind(space: Space): Promise<void> {
    await this.broadcast({ type: 'bind', seq: 0, space });
  }

  async unbind(space: Space): Promise<void> {
    await this.broadcast({ type: 'unbind', seq: 0, id: space.id });
  }

  async run(space: Space, op: BlockOp): Promise<void> {
    // Blocks are claimed from one counter, so ops must not overlap.
    await this.inTurn(() => {
      Atomics.store(this.shared.counter, 0, 0);
      return this.broadcast({ type: 'run', seq: 0, id: space.id, op });
    });
  }

  /** A whole fit, driven by the first thread with the others following it (see block-worker.ts). */
  async fit(space: KMeansSpace, options: SpaceFitOptions): Promise<SpaceFit> {
    const replies = await this.inTurn(() => {
      const generation = Atomics.load(this.shared.control, CONTROL_GENERATION);
      return this.send(
        this.workers.map(
          (_, t): BlockWorkerMessage =>
            t === 0
              ? { type: 'fit', seq: 0, id: space.id, options, followers: this.workers.length - 1 }
              : { type: 'follow', seq: 0, generation },
        ),
      );
    });
    return replies[0].fit!;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  /** Runs `task` after every earlier op or fit has ended. */
  private inTurn<T>(task: () => Promise<T>): Promise<T> {
    const turn = this.tail.then(task);
    this.tail = turn.then(
      () => {},
      () => {},
    );
    return turn;
  }

  private broadcast(message: BlockWorkerMessage): Promise<BlockWorkerReply[]> {
    return this.send(this.workers.map(() => message));
  }

  /** Sends one message to each worker (in order) and resolves with their replies. */
  private send(messages: BlockWorkerMessage[]): Promise<BlockWorkerReply[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) return Promise.reject(new Error('BlockWorkerPool is closed'));
    const seq = ++this.seq;
    // Threads keep the process alive only while they have work.
    if (this.pending.size === 0) for (const worker of this.workers) worker.ref();
    return new Promise<BlockWorkerReply[]>((resolve, reject) => {
      this.pending.set(seq, { left: this.workers.length, replies: [], resolve, reject });
      this.workers.forEach((worker, t) => {
        worker.postMessage({ ...messages[t], seq, worker: t });
      });
    });
  }

  private settle(reply: BlockWorkerReply): void {
    const waiting = this.pending.get(reply.seq);
    if (!waiting) return;
    // Wait for every thread even after an error, so no thread is still busy when the next op starts.
    if (reply.error) waiting.error ??= new Error(`segmentation worker: ${reply.error}`);
    waiting.replies[reply.worker] = reply;
    if (--waiting.left === 0) {
      this.pending.delete(reply.seq);
      if (this.pending.size === 0) for (const worker of this.workers) worker.unref();
      if (waiting.error) waiting.reject(waiting.error);
      else waiting.resolve(waiting.replies);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [seq, waiting] of this.pending) {
      this.pending.delete(seq);
      waiting.reject(error);
    }
    for (const worker of this.workers) worker.unref();
  }

  /** Whether a thread has failed; a failed pool refuses further ops. */
  get failed(): boolean {
    return this.failure !== undefined;
  }
}

let sharedPool: Promise<BlockWorkerPool> | undefined;

/**
 * The process's own pool, one thread per core, started on first use and kept: a worker process
 * that segments campaign after campaign pays for starting threads and compiling the kernels
 * once, not on every fit. Callers must not close it (see closeSharedBlockPool).
 */
export async function sharedBlockPool(): Promise<BlockWorkerPool> {
  const current = sharedPool && (await sharedPool.catch(() => undefined));
  if (current && !current.failed) return current;
  sharedPool = BlockWorkerPool.start();
  return sharedPool;
}

/** Stops the shared pool's threads (tests, shutdown); the next use starts a new one. */
export async function closeSharedBlockPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  if (pool) await (await pool.catch(() => undefined))?.close();
}
