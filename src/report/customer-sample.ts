import { AUDIENCE, type PredictionChunk } from '../campaigns/chunk-codec.js';
import { type SegmentKey, segmentKeyOf } from '../campaigns/copy-plan.js';
import type { ProductRecord, SnapshotReader } from '../data/snapshot.js';
import { displayTitle } from '../generation/product-text.js';
import { NO_PRODUCT } from '../prediction/predictor.js';
import { pickAcrossGroups } from './even-sample.js';
import { SAMPLE_BASKETS, type SampleBasket, type SampleCustomer } from './report-model.js';

const DAY_MS = 86_400_000;
/** Products listed per basket of a sampled customer's history. */
const BASKET_PRODUCTS = 3;

/**
 * Audience members of one prediction chunk to show as examples: every segment (in `order`)
 * gets a member before any gets a second, members spread evenly within their segment.
 */
export function pickSampleIndices(
  chunk: PredictionChunk,
  assignments: Int16Array,
  order: readonly SegmentKey[],
  limit: number,
): number[] {
  const groups = new Map<SegmentKey, number[]>(order.map((key) => [key, []]));
  const { batch, audience } = chunk;
  for (let i = 0; i < batch.length; i++) {
    if (audience[i] === AUDIENCE.outside) continue;
    const index = batch.start + i;
    const key = segmentKeyOf(audience[i], assignments[index] ?? -1);
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
    }
    group.push(index);
  }
  return pickAcrossGroups([...groups.values()], limit).sort((a, b) => a - b);
}

/** History, predictions and figures of the sampled customers (all in `chunk`). */
export async function describeSample(
  snapshot: SnapshotReader,
  chunk: PredictionChunk,
  indices: readonly number[],
  catalogue: readonly ProductRecord[],
  segmentName: (index: number) => string,
): Promise<SampleCustomer[]> {
  if (indices.length === 0) return [];
  const { batch } = chunk;
  const first = indices[0];
  const last = (indices.at(-1) as number) + 1;
  // One read of the span: the sample lies within one prediction chunk (at most 10,000 rows).
  const [customers, aggregates] = await Promise.all([
    snapshot.customers(first, last),
    snapshot.aggregates(first, last),
  ]);
  const title = (p: number) => (p < catalogue.length ? displayTitle(catalogue[p].title) : `#${p}`);
  const referenceTime = snapshot.manifest.referenceTime;
  const out: SampleCustomer[] = [];
  for (const index of indices) {
    const i = index - first;
    const local = index - batch.start;
    const sequences = await snapshot.baskets(index, index + 1);
    const history: SampleBasket[] = [];
    for (
      let b = sequences.basketStart[1] - 1;
      b >= sequences.basketStart[0] && history.length < SAMPLE_BASKETS;
      b--
    ) {
      const items = Array.from(sequences.items.subarray(sequences.itemStart[b], sequences.itemStart[b + 1]));
      history.push({
        at: new Date(sequences.basketTime[b]).toISOString().slice(0, 10),
        products: items.slice(0, BASKET_PRODUCTS).map(title),
        more: Math.max(0, items.length - BASKET_PRODUCTS),
      });
    }
    const predicted = Array.from(batch.products.subarray(local * batch.k, (local + 1) * batch.k))
      .filter((p) => p !== NO_PRODUCT)
      .map(title);
    const expected = batch.expectedNextOrderAt[local];
    const orders = aggregates.orders[i];
    out.push({
      customerId: customers[i].id,
      segment: segmentName(index),
      orders,
      recencyDays:
        orders > 0 ? Math.max(0, Math.round((referenceTime - aggregates.lastOrderAt[i]) / DAY_MS)) : null,
      spend: Math.round(aggregates.spend[i] * 100) / 100,
      history,
      predicted,
      ...(Number.isFinite(expected)
        ? { expectedNextOrder: new Date(expected).toISOString().slice(0, 10) }
        : {}),
    });
  }
  return out;
}

/** A send-ledger value as the report shows it: 'sent', 'skipped: no-consent', 'sending', ... */
export function outcomeLabel(state: string | null): string | undefined {
  if (!state) return undefined;
  const [kind, detail] = state.split(':');
  if (kind === 'sent' || kind === 'sending') return kind;
  return detail ? `${kind}: ${detail}` : kind;
}
