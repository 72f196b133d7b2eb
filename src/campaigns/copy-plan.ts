import type { CustomerRecord, ProductRecord } from '../data/snapshot.js';
import type { Channel, CopyRequest } from '../generation/copywriter.js';
import { COPY_KEY_PRODUCTS, copyKey } from '../generation/copy-key.js';
import { NO_PRODUCT } from '../prediction/predictor.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import type { SegmentProfile } from '../segmentation/segmenter.js';
import { AUDIENCE } from './chunk-codec.js';

/** The segment shown to customers who are not profiled: same copy for all of them. */
export const GENERIC_SEGMENT: Pick<SegmentProfile, 'name' | 'description'> = {
  name: 'Everyone',
  description: 'All customers; our most popular products, no personal profile used.',
};

export interface CustomerCopyInput {
  spec: CampaignSpec;
  channel: Channel;
  audience: number;
  /** Segment id from the segment stage, or -1. */
  segmentId: number;
  profiles: Map<number, SegmentProfile>;
  /** The customer's predicted product indices (NO_PRODUCT padded). */
  productRow: ArrayLike<number>;
  catalogue: ProductRecord[];
  customer?: CustomerRecord;
}

/**
 * The copy request a customer needs, and its key. Generate and dispatch both call this, so the
 * key dispatch looks up is by construction the key generate wrote.
 */
export function copyRequestFor(input: CustomerCopyInput): CopyRequest {
  const generic = input.audience !== AUDIENCE.profiled || input.segmentId < 0;
  const profile = generic ? undefined : input.profiles.get(input.segmentId);
  const segment = profile ? { name: profile.name, description: profile.description } : GENERIC_SEGMENT;
  const productIndices: number[] = [];
  for (let j = 0; j < input.productRow.length && productIndices.length < COPY_KEY_PRODUCTS; j++) {
    if (input.productRow[j] !== NO_PRODUCT) productIndices.push(input.productRow[j]);
  }
  const products = productIndices.map((p) => input.catalogue[p]);
  const personal = input.spec.personalisation === 'customer' && !generic && input.customer;
  const key = copyKey({
    segmentId: profile ? profile.id : 'generic',
    productIds: products.map((p) => p.id),
    channel: input.channel,
    customerId: personal ? input.customer?.id : undefined,
  });
  return {
    key,
    channel: input.channel,
    brand: { name: input.spec.brand.name, voice: input.spec.brand.voice },
    segment,
    products: products.map((p) => ({ title: p.title, price: p.price, url: p.url })),
    customer: personal && input.customer ? { firstName: input.customer.firstName, country: input.customer.country } : undefined,
  };
}
