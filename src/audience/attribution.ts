/**
 * What a campaign earned, as pure arithmetic. A "touch" is a campaign reaching a customer (a
 * mail sent) or deliberately not (the customer was drawn into its hold-out group) at an instant.
 * An order is attributed to the touch that came last before it within that campaign's window,
 * and counts for the touch's group. Hold-out decisions are touches too, so both groups of a
 * campaign lose orders to later campaigns in the same way and stay comparable.
 */

export type Group = 'mailed' | 'holdout';

export interface Touch {
  campaignId: string;
  /** Epoch ms. */
  at: number;
  group: Group;
}

export interface OrderFact {
  /** Unique per order: `<customerId>␟<orderId>`. */
  key: string;
  customerId: string;
  /** Epoch ms (the earliest line of the order). */
  orderedAt: number;
  /** Sum of quantity × unit price, in hundredths of the currency unit. */
  revenueCents: number;
}

/** The touch an order belongs to, or undefined when no campaign reached the customer within its window. */
export function lastTouch(
  touches: readonly Touch[],
  orderedAt: number,
  windowMsOf: (campaignId: string) => number,
): Touch | undefined {
  let best: Touch | undefined;
  for (const touch of touches) {
    if (touch.at > orderedAt || orderedAt - touch.at >= windowMsOf(touch.campaignId)) continue;
    // Latest wins; exact ties go to the campaign id that sorts first, so the result is deterministic.
    if (!best || touch.at > best.at || (touch.at === best.at && touch.campaignId < best.campaignId))
      best = touch;
  }
  return best;
}

/** Raw totals of one campaign, as stored. */
export interface EarningsTotals {
  /** Customers mailed (the ledger's sent count, every run of the campaign). */
  recipients: number;
  /** Customers held out (the ledger's `skipped:holdout` count). */
  holdout: number;
  clicks: number;
  clickers: number;
  opens: number;
  openers: number;
  unsubscribes: number;
  mailed: GroupTotals;
  held: GroupTotals;
}

export interface GroupTotals {
  orders: number;
  buyers: number;
  revenueCents: number;
}

export interface GroupResult {
  members: number;
  orders: number;
  buyers: number;
  revenue: number;
  perMember: { orders: number; revenue: number; conversion: number };
}

/** What `campaign status`, the API and the run summary show. */
export interface CampaignEarnings {
  windowDays: number;
  holdoutShare: number;
  clicks: number;
  clickers: number;
  opens: number;
  openers: number;
  unsubscribes: number;
  /** Clicks per mailed customer. */
  clicksPerRecipient: number;
  mailed: GroupResult;
  holdout: GroupResult;
  /**
   * Mailed minus hold-out, per member; `relative` is the ratio − 1 (null without hold-out
   * revenue to compare with); `incrementalRevenue` scales the difference to every recipient.
   * Null as a whole when there is no hold-out group.
   */
  uplift: {
    revenuePerRecipient: number;
    ordersPerRecipient: number;
    conversion: number;
    relative: number | null;
    incrementalRevenue: number;
  } | null;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function group(members: number, totals: GroupTotals): GroupResult {
  const revenue = totals.revenueCents / 100;
  return {
    members,
    orders: totals.orders,
    buyers: totals.buyers,
    revenue: round(revenue, 2),
    perMember: {
      orders: members ? round(totals.orders / members, 4) : 0,
      revenue: members ? round(revenue / members, 4) : 0,
      conversion: members ? round(totals.buyers / members, 4) : 0,
    },
  };
}

export function earningsOf(
  totals: EarningsTotals,
  settings: { windowDays: number; holdoutShare: number },
): CampaignEarnings {
  const mailed = group(totals.recipients, totals.mailed);
  const holdout = group(totals.holdout, totals.held);
  const mailedRevenue = totals.recipients ? totals.mailed.revenueCents / 100 / totals.recipients : 0;
  const heldRevenue = totals.holdout ? totals.held.revenueCents / 100 / totals.holdout : 0;
  const rate = (n: number, d: number) => (d ? n / d : 0);
  return {
    windowDays: settings.windowDays,
    holdoutShare: settings.holdoutShare,
    clicks: totals.clicks,
    clickers: totals.clickers,
    opens: totals.opens,
    openers: totals.openers,
    unsubscribes: totals.unsubscribes,
    clicksPerRecipient: totals.recipients ? round(totals.clicks / totals.recipients, 4) : 0,
    mailed,
    holdout,
    uplift:
      totals.holdout > 0 && totals.recipients > 0
        ? {
            revenuePerRecipient: round(mailedRevenue - heldRevenue, 4),
            ordersPerRecipient: round(
              rate(totals.mailed.orders, totals.recipients) - rate(totals.held.orders, totals.holdout),
              4,
            ),
            conversion: round(
              rate(totals.mailed.buyers, totals.recipients) - rate(totals.held.buyers, totals.holdout),
              4,
            ),
            relative: heldRevenue > 0 ? round(mailedRevenue / heldRevenue - 1, 4) : null,
            incrementalRevenue: round((mailedRevenue - heldRevenue) * totals.recipients, 2),
          }
        : null,
  };
}
