import { parentPort, workerData } from 'node:worker_threads';
import type { BlockExecutor } from './block-executor.js';
import { type BlockOp, blockRunner, type KMeansSpace, type Space, spaceBlocks } from './block-ops.js';
import {
  type BlockWorkerData,
  type BlockWorkerMessage,
  type BlockWorkerReply,
  CONTROL_DONE,
  CONTROL_FAILED,
  CONTROL_GENERATION,
  CONTROL_LENGTH,
  OP_BYTES,
} from './block-worker-protocol.js';
import { fitSpace, type SpaceFit } from './kmeans.js';

/**
 * Worker-thread entry of BlockWorkerPool. Blocks are claimed from a shared counter, so a thread
 * slowed by other load on the machine simply runs fewer of them.
 *
 * Single ops arrive as messages. A k-means fit is driven from inside the pool instead: one
 * thread (the leader) runs the algorithm and hands each op to the others (followers) through
 * shared memory, where they wait spinning briefly, as OpenMP threads do. Handing every op
 * through the calling thread's event loop cost about 1.5 ms per op on a busy machine (the OS
 * switches threads at each hand-over), which on small datasets with many fits was most of the
 * time.
 */
/** Spins this many times on a shared slot before sleeping on it (some tens of microseconds). */
const SPINS = 20_000;

const { counter, control, opBytes } = workerData as BlockWorkerData;
const spaces = new Map<number, Space>();
const port = parentPort!;

function runClaimed(space: Space, op: BlockOp): void {
  const run = blockRunner(space, op);
  const blocks = spaceBlocks(space);
  for (let b = Atomics.add(counter, 0, 1); b < blocks; b = Atomics.add(counter, 0, 1)) run(b);
}

function boundSpace(id: number): Space {
  const space = spaces.get(id);
  if (!space) throw new Error(`space ${id} is not bound in this worker`);
  return space;
}

/** Waits until control[slot] differs from `value`; returns the new value. */
function awaitChange(slot: number, value: number): number {
  for (let spin = 0; spin < SPINS; spin++) {
    const now = Atomics.load(control, slot);
    if (now !== value) return now;
  }
  for (;;) {
    Atomics.wait(control, slot, value, 50);
    const now = Atomics.load(control, slot);
    if (now !== value) return now;
  }
}

/** The leader's side: publishes each op, runs its share, waits for the followers' shares. */
class LeaderExecutor implements BlockExecutor {
  private readonly encoder = new TextEncoder();

  constructor(
    readonly threads: number,
    private readonly followers: number,
  ) {}

  async bind(): Promise<void> {}

  async unbind(): Promise<void> {}

  async close(): Promise<void> {}

  async run(space: Space, op: BlockOp): Promise<void> {
    Atomics.store(counter, 0, 0);
    // One block is no work to share: waking the followers would only cost a hand-over.
    if (spaceBlocks(space) <= 1 || this.followers === 0) {
      runClaimed(space, op);
      return;
    }
    Atomics.store(control, CONTROL_DONE, 0);
    this.publish({ id: space.id, op });
    runClaimed(space, op);
    for (let done = Atomics.load(control, CONTROL_DONE); done < this.followers; ) {
      done = awaitChange(CONTROL_DONE, done);
    }
    if (Atomics.load(control, CONTROL_FAILED) !== 0) {
      throw new Error(`a segmentation worker thread failed on op ${op.op} (its error is on stderr)`);
    }
  }

  /** Releases the followers back to their message loops. */
  leave(): void {
    this.publish({ leave: true });
  }

  private publish(message: { id: number; op: BlockOp } | { leave: true }): void {
    const { written } = this.encoder.encodeInto(JSON.stringify(message), opBytes);
    if (written === undefined || written >= OP_BYTES)
      throw new Error('segmentation op too large to hand over');
    Atomics.store(control, CONTROL_LENGTH, written);
    Atomics.add(control, CONTROL_GENERATION, 1);
    Atomics.notify(control, CONTROL_GENERATION);
  }
}

/** The followers' side: runs each published op until the leader leaves. */
function follow(generation: number): void {
  const decoder = new TextDecoder();
  let seen = generation;
  for (;;) {
    seen = awaitChange(CONTROL_GENERATION, seen);
    const length = Atomics.load(control, CONTROL_LENGTH);
    const message = JSON.parse(decoder.decode(opBytes.slice(0, length)));
    if (message.leave) return;
    try {
      runClaimed(boundSpace(message.id), message.op);
    } catch (error) {
      console.error(error);
      Atomics.store(control, CONTROL_FAILED, 1);
    }
    Atomics.add(control, CONTROL_DONE, 1);
    Atomics.notify(control, CONTROL_DONE);
  }
}

async function lead(message: BlockWorkerMessage): Promise<SpaceFit> {
  const space = boundSpace(message.id!);
  if (space.kind !== 'kmeans') throw new Error(`space ${message.id} is not a k-means space`);
  const followers = message.followers!;
  Atomics.store(control, CONTROL_FAILED, 0);
  const executor = new LeaderExecutor(followers + 1, followers);
  try {
    return await fitSpace(space as KMeansSpace, executor, message.options!);
  } finally {
    executor.leave();
  }
}

port.on('message', async (message: BlockWorkerMessage) => {
  const reply: BlockWorkerReply = { seq: message.seq, worker: message.worker ?? 0 };
  try {
    if (message.type === 'bind') spaces.set(message.space!.id, message.space!);
    else if (message.type === 'unbind') spaces.delete(message.id!);
    else if (message.type === 'run') runClaimed(boundSpace(message.id!), message.op!);
    else if (message.type === 'follow') follow(message.generation!);
    else reply.fit = await lead(message);
  } catch (error) {
    reply.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  port.postMessage(reply);
});
