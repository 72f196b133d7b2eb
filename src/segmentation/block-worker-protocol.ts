import type { BlockOp, Space } from './block-ops.js';
import type { SpaceFit, SpaceFitOptions } from './kmeans.js';

/** Messages between BlockWorkerPool and its threads (block-worker.ts), and their shared memory. */
export interface BlockWorkerMessage {
  type: 'bind' | 'unbind' | 'run' | 'fit' | 'follow';
  seq: number;
  /** Which thread of the pool it was sent to (echoed in the reply). */
  worker?: number;
  space?: Space;
  id?: number;
  op?: BlockOp;
  /** fit: how to fit; follow: the control generation the leader starts from. */
  options?: SpaceFitOptions;
  generation?: number;
  /** fit: how many followers take part. */
  followers?: number;
}

export interface BlockWorkerReply {
  seq: number;
  worker: number;
  error?: string;
  fit?: SpaceFit;
}

/** Slots of the shared control array. */
export const CONTROL_GENERATION = 0;
export const CONTROL_DONE = 1;
export const CONTROL_LENGTH = 2;
export const CONTROL_FAILED = 3;
export const CONTROL_SLOTS = 4;
/** Bytes for one encoded op. */
export const OP_BYTES = 1 << 16;

export interface BlockWorkerData {
  counter: Int32Array;
  control: Int32Array;
  opBytes: Uint8Array;
}
