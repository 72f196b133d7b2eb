import type { BasketSequences, CustomerAggregates, CustomerRecord } from '../data/snapshot.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import { AUDIENCE } from './chunk-codec.js';

const DAY_MS = 86_400_000;

/**
 * Who of a chunk of customers the campaign addresses, from the spec's audience filter alone.
 * Consent and suppression are not decided here: they are checked (and counted as skips) just
 * before sending, so a change after planning still counts.
 */
export function selectAudience(
  spec: CampaignSpec,
  customers: CustomerRecord[],
  aggregates: CustomerAggregates,
  referenceTime: number,
): Uint8Array {
  const { audience } = spec;
  const countries = audience.countries ? new Set(audience.countries.map((c) => c.toLowerCase())) : undefined;
  const out = new Uint8Array(customers.length);
  for (let i = 0; i < customers.length; i++) {
    const orders = aggregates.orders[i];
    if (orders < audience.minOrders) continue;
    const daysSinceLast =
      orders > 0 ? (referenceTime - aggregates.lastOrderAt[i]) / DAY_MS : Number.POSITIVE_INFINITY;
    if (audience.lastOrderWithinDays !== undefined && !(daysSinceLast <= audience.lastOrderWithinDays))
      continue;
    if (audience.lapsedForDays !== undefined && !(daysSinceLast >= audience.lapsedForDays)) continue;
    if (countries && !countries.has(customers[i].country.toLowerCase())) continue;
    out[i] = customers[i].profilingObjection || orders === 0 ? AUDIENCE.generic : AUDIENCE.profiled;
  }
  return out;
}

/**
 * The chunk's basket sequences with only the profiled audience's history left: customers
 * outside the audience or objecting to profiling reach the predictor with no baskets at all,
 * so their purchases are never read by a model (they get popular products instead).
 */
export function profiledHistoryOnly(sequences: BasketSequences, audience: Uint8Array): BasketSequences {
  const basketStart = new Uint32Array(sequences.length + 1);
  const keptBaskets: number[] = [];
  for (let i = 0; i < sequences.length; i++) {
    if (audience[i] === AUDIENCE.profiled) {
      for (let b = sequences.basketStart[i]; b < sequences.basketStart[i + 1]; b++) keptBaskets.push(b);
    }
    basketStart[i + 1] = keptBaskets.length;
  }
  const basketTime = new Float64Array(keptBaskets.length);
  const basketSpend = new Float64Array(keptBaskets.length);
  const itemStart = new Uint32Array(keptBaskets.length + 1);
  let items = 0;
  keptBaskets.forEach((b, j) => {
    basketTime[j] = sequences.basketTime[b];
    basketSpend[j] = sequences.basketSpend[b];
    items += sequences.itemStart[b + 1] - sequences.itemStart[b];
    itemStart[j + 1] = items;
  });
  const kept = new Uint32Array(items);
  keptBaskets.forEach((b, j) => {
    kept.set(sequences.items.subarray(sequences.itemStart[b], sequences.itemStart[b + 1]), itemStart[j]);
  });
  return {
    start: sequences.start,
    length: sequences.length,
    basketStart,
    basketTime,
    basketSpend,
    itemStart,
    items: kept,
  };
}
