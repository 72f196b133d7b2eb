import type { Redis } from 'ioredis';
import type { CampaignStore } from '../campaigns/campaign-store.js';
import { campaignKey } from '../campaigns/run-keys.js';
import { ledgerField, SendLedger } from '../dispatch/send-ledger.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import { type Group, lastTouch, type OrderFact, type Touch } from './attribution.js';
import { type Attribution, EarningsStore } from './earnings-store.js';

/**
 * Attributes orders imported after campaigns went out (`tailor campaign attribute --orders FILE`)
 * to the campaign that last reached each customer within its window, for its mailed or its
 * hold-out group. The touches come from what dispatch already recorded: the send ledger's
 * `sent:<ms>` per customer, and the hold-out times. Only campaigns whose spec turns tracking on
 * are considered. Running the same file again changes nothing (each order counts once).
 */

export interface TrackedCampaign {
  campaignId: string;
  windowDays: number;
}

/** Customers looked up per round of Redis reads. */
const LOOKUP_BATCH = 1_000;

/** The most recent campaigns (up to `limit`) whose spec turns tracking on. */
export async function trackedCampaigns(
  redis: Redis,
  store: CampaignStore,
  limit = 1_000,
): Promise<TrackedCampaign[]> {
  const out: TrackedCampaign[] = [];
  for (const campaignId of await store.listCampaigns(limit)) {
    const json = await redis.hget(campaignKey(campaignId), 'spec');
    if (!json) continue;
    const spec = JSON.parse(json) as Partial<CampaignSpec>;
    if (spec.tracking) out.push({ campaignId, windowDays: spec.tracking.attributionWindowDays ?? 5 });
  }
  return out;
}

export interface AttributionSummary {
  orders: number;
  attributed: number;
  /** Attributed orders that had already been counted by an earlier attribution. */
  alreadyCounted: number;
  unattributed: number;
  campaigns: Record<string, Record<Group, { orders: number; revenue: number }>>;
}

export async function attributeOrders(
  deps: { redis: Redis; store: CampaignStore },
  orders: readonly OrderFact[],
  options: { windowDays?: number; campaigns?: TrackedCampaign[] } = {},
): Promise<AttributionSummary> {
  const campaigns = options.campaigns ?? (await trackedCampaigns(deps.redis, deps.store));
  const windows = new Map(
    campaigns.map((c) => [c.campaignId, (options.windowDays ?? c.windowDays) * 86_400_000]),
  );
  const ledger = new SendLedger(deps.redis);
  const earnings = new EarningsStore(deps.redis);

  const customers = [...new Set(orders.map((o) => o.customerId))];
  const touches = new Map<string, Touch[]>();
  for (let at = 0; at < customers.length; at += LOOKUP_BATCH) {
    const batch = customers.slice(at, at + LOOKUP_BATCH);
    const fields = batch.map((id) => ledgerField(id, 'email'));
    const reads = await Promise.all(
      campaigns.map((c) =>
        Promise.all([ledger.states(c.campaignId, fields), earnings.holdoutTimes(c.campaignId, batch)]),
      ),
    );
    campaigns.forEach((campaign, c) => {
      const [states, held] = reads[c];
      batch.forEach((customerId, i) => {
        const state = states[i];
        const touch: Touch | undefined = state?.startsWith('sent:')
          ? { campaignId: campaign.campaignId, at: Number(state.slice(5)), group: 'mailed' }
          : held[i] !== null
            ? { campaignId: campaign.campaignId, at: held[i] as number, group: 'holdout' }
            : undefined;
        if (!touch) return;
        const list = touches.get(customerId);
        if (list) list.push(touch);
        else touches.set(customerId, [touch]);
      });
    });
  }

  const perCampaign = new Map<string, Attribution[]>();
  const summary: AttributionSummary = {
    orders: orders.length,
    attributed: 0,
    alreadyCounted: 0,
    unattributed: 0,
    campaigns: {},
  };
  const windowOf = (campaignId: string) => windows.get(campaignId) ?? 0;
  for (const order of orders) {
    const touch = lastTouch(touches.get(order.customerId) ?? [], order.orderedAt, windowOf);
    if (!touch) {
      summary.unattributed++;
      continue;
    }
    let list = perCampaign.get(touch.campaignId);
    if (!list) {
      list = [];
      perCampaign.set(touch.campaignId, list);
    }
    list.push({
      orderKey: order.key,
      group: touch.group,
      revenueCents: order.revenueCents,
      customerId: order.customerId,
    });
  }
  for (const [campaignId, items] of perCampaign) {
    const counted = await earnings.applyAttributions(campaignId, items);
    summary.attributed += items.length;
    summary.alreadyCounted += items.length - counted;
    const totals: Record<Group, { orders: number; revenue: number }> = {
      mailed: { orders: 0, revenue: 0 },
      holdout: { orders: 0, revenue: 0 },
    };
    for (const item of items) {
      totals[item.group].orders++;
      totals[item.group].revenue += item.revenueCents;
    }
    for (const g of ['mailed', 'holdout'] as const) totals[g].revenue = totals[g].revenue / 100;
    summary.campaigns[campaignId] = totals;
  }
  return summary;
}
