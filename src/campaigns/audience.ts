import type { CustomerAggregates, CustomerRecord } from '../data/snapshot.js';
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
