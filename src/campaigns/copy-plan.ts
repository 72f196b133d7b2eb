import type { CustomerRecord, ProductRecord } from '../data/snapshot.js';
import { COPY_KEY_PRODUCTS, copyKey } from '../generation/copy-key.js';
import type { Channel, CopyRequest } from '../generation/copywriter.js';
import { NO_PRODUCT } from '../prediction/predictor.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import type { SegmentProfile } from '../segmentation/segmenter.js';
import { AUDIENCE } from './chunk-codec.js';

/** The segment shown to customers who are not profiled: same copy for all of them. */
export const GENERIC_SEGMENT: Pick<SegmentProfile, 'name' | 'description'> = {
  name: 'Everyone',
  description: 'All customers; our most popular products, no personal profile used.',
};

/** Key of a segment's product set; 'generic' for customers who are not profiled. */
export type SegmentKey = number | 'generic';

export function segmentKeyOf(audience: number, segmentId: number): SegmentKey {
  return audience !== AUDIENCE.profiled || segmentId < 0 ? 'generic' : segmentId;
}

/**
 * With `segment` personalisation the copy of a segment features the products its members are
 * most often predicted to buy next (each mail's product cards stay the customer's own), so a
 * campaign costs one generation per segment × channel whatever the audience size. Counts the
 * top predicted products per segment; call add() per customer, then top().
 */
export class SegmentProductTally {
  private readonly counts = new Map<SegmentKey, Map<number, number>>();

  add(segment: SegmentKey, productRow: ArrayLike<number>): void {
    let counts = this.counts.get(segment);
    if (!counts) {
      counts = new Map();
      this.counts.set(segment, counts);
    }
    for (let j = 0; j < productRow.length && j < COPY_KEY_PRODUCTS; j++) {
      const p = productRow[j];
      if (p !== NO_PRODUCT) counts.set(p, (counts.get(p) ?? 0) + 1);
    }
  }

  /** Most frequent first; ties by product index, so the result is deterministic. */
  top(): Map<SegmentKey, number[]> {
    const out = new Map<SegmentKey, number[]>();
    for (const [segment, counts] of this.counts) {
      const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, COPY_KEY_PRODUCTS);
      out.set(
        segment,
        ranked.map(([p]) => p),
      );
    }
    return out;
  }
}

export interface CustomerCopyInput {
  spec: CampaignSpec;
  channel: Channel;
  audience: number;
  /** Segment id from the segment stage, or -1. */
  segmentId: number;
  profiles: Map<number, SegmentProfile>;
  /** The customer's predicted product indices (NO_PRODUCT padded). */
  productRow: ArrayLike<number>;
  /** Products featured in each segment's copy (see SegmentProductTally). */
  segmentProducts: Map<SegmentKey, number[]>;
  catalogue: ProductRecord[];
  customer?: CustomerRecord;
}

/**
 * The copy request a customer needs, and its key. Generate and dispatch both call this, so the
 * key dispatch looks up is by construction the key generate wrote.
 */
export function copyRequestFor(input: CustomerCopyInput): CopyRequest {
  const segmentKey = segmentKeyOf(input.audience, input.segmentId);
  const profile = segmentKey === 'generic' ? undefined : input.profiles.get(segmentKey);
  const segment = profile ? { name: profile.name, description: profile.description } : GENERIC_SEGMENT;
  const personal = input.spec.personalisation === 'customer' && segmentKey !== 'generic' && input.customer;
  let productIndices: number[];
  if (personal) {
    productIndices = [];
    for (let j = 0; j < input.productRow.length && productIndices.length < COPY_KEY_PRODUCTS; j++) {
      if (input.productRow[j] !== NO_PRODUCT) productIndices.push(input.productRow[j]);
    }
  } else {
    productIndices = input.segmentProducts.get(segmentKey) ?? [];
  }
  const products = productIndices.map((p) => input.catalogue[p]);
  const key = copyKey({
    segmentId: segmentKey,
    productIds: products.map((p) => p.id),
    channel: input.channel,
    customerId: personal ? input.customer?.id : undefined,
  });
  return {
    key,
    channel: input.channel,
    brand: { name: input.spec.brand.name, voice: input.spec.brand.voice },
    segment,
    products: products.map((p) => ({
      title: p.title,
      price: p.price,
      url: p.url,
      description: p.description || undefined,
    })),
    customer:
      personal && input.customer
        ? { firstName: input.customer.firstName, country: input.customer.country }
        : undefined,
  };
}
