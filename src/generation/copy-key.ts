import { createHash } from 'node:crypto';
import type { Channel } from './copywriter.js';

/** Products a copy key covers: the customer's top predicted products. */
export const COPY_KEY_PRODUCTS = 3;

export interface CopyKeyInput {
  segmentId: number | string;
  /** The customer's top COPY_KEY_PRODUCTS predicted product ids, in any order. */
  productIds: readonly (number | string)[];
  channel: Channel;
  /** Only with personalisation level `customer`. */
  customerId?: number | string;
}

/**
 * The dedup and cache key of one piece of copy: segment × product set × channel (× customer).
 * The product set is sorted, so customers with the same top products in another order share copy.
 * 20 hex digits of SHA-1 (80 bits): short enough for Redis keys and logs, collision-free in practice.
 */
export function copyKey(input: CopyKeyInput): string {
  const products = input.productIds.map(String).sort();
  // JSON keeps the parts apart whatever characters the ids hold ("a,b" + "c" ≠ "a" + "b,c").
  const canonical = JSON.stringify([
    'v1',
    input.channel,
    String(input.segmentId),
    products,
    input.customerId === undefined ? null : String(input.customerId),
  ]);
  const digest = createHash('sha1').update(canonical).digest('hex').slice(0, 20);
  return `${input.channel}:${digest}`;
}
