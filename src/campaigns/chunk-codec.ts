import type { PredictionBatch } from '../prediction/predictor.js';

/** Who a customer is to this run, decided once per chunk by the predict stage. */
export const AUDIENCE = {
  /** Not selected by the campaign's audience filter. */
  outside: 0,
  /** In the audience and profiled: personal segment and predictions. */
  profiled: 1,
  /** In the audience but objects to profiling (or has no history): generic copy and products. */
  generic: 2,
} as const;

export interface PredictionChunk {
  batch: PredictionBatch;
  /** AUDIENCE value per customer of the chunk. */
  audience: Uint8Array;
}

/**
 * One Redis string per predict chunk: [length, k] as uint32, then audience bytes (padded to 8),
 * products (uint32 × length × k), expected next order (float64 × length). About 13 + 4k bytes
 * per customer: 25 MB for a million customers at k = 3.
 */
export function encodePredictionChunk({ batch, audience }: PredictionChunk): Buffer {
  const pad = (n: number) => Math.ceil(n / 8) * 8;
  const productsAt = 8 + pad(batch.length);
  const expectedAt = pad(productsAt + batch.products.byteLength);
  const buffer = Buffer.alloc(expectedAt + batch.expectedNextOrderAt.byteLength);
  buffer.writeUInt32LE(batch.length, 0);
  buffer.writeUInt32LE(batch.k, 4);
  buffer.set(audience, 8);
  buffer.set(
    new Uint8Array(batch.products.buffer, batch.products.byteOffset, batch.products.byteLength),
    productsAt,
  );
  buffer.set(
    new Uint8Array(
      batch.expectedNextOrderAt.buffer,
      batch.expectedNextOrderAt.byteOffset,
      batch.expectedNextOrderAt.byteLength,
    ),
    expectedAt,
  );
  return buffer;
}

export function decodePredictionChunk(buffer: Buffer, start: number): PredictionChunk {
  const pad = (n: number) => Math.ceil(n / 8) * 8;
  const length = buffer.readUInt32LE(0);
  const k = buffer.readUInt32LE(4);
  const productsAt = 8 + pad(length);
  const expectedAt = pad(productsAt + length * k * 4);
  // Copy into aligned typed arrays: a Redis reply buffer may sit at any byte offset.
  const audience = Uint8Array.from(buffer.subarray(8, 8 + length));
  const products = new Uint32Array(length * k);
  new Uint8Array(products.buffer).set(buffer.subarray(productsAt, productsAt + length * k * 4));
  const expectedNextOrderAt = new Float64Array(length);
  new Uint8Array(expectedNextOrderAt.buffer).set(buffer.subarray(expectedAt, expectedAt + length * 8));
  return { batch: { start, length, k, products, expectedNextOrderAt }, audience };
}

export function encodeAssignments(assignments: Int16Array): Buffer {
  return Buffer.from(assignments.buffer, assignments.byteOffset, assignments.byteLength);
}

export function decodeAssignments(buffer: Buffer): Int16Array {
  const out = new Int16Array(buffer.length / 2);
  new Uint8Array(out.buffer).set(buffer);
  return out;
}
