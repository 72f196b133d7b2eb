import type { CampaignEarnings } from './attribution.js';

/** The lines `tailor campaign status` prints for what a campaign earned. */
export function earningsLines(earned: CampaignEarnings, currency: string): string[] {
  const money = (value: number, digits = 2) =>
    new Intl.NumberFormat('en-GB', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  const signed = (text: string, value: number) => (value > 0 ? `+${text}` : text);
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const { mailed, holdout, uplift } = earned;
  const lines = [
    `  earned (orders within ${earned.windowDays} days of the mail; hold-out ${percent(earned.holdoutShare)} of the audience):`,
    `    mailed ${mailed.members}: clicks ${earned.clicksPerRecipient.toFixed(4)}, orders ${mailed.perMember.orders.toFixed(4)}, revenue ${money(mailed.perMember.revenue)} per recipient (conversion ${percent(mailed.perMember.conversion)}; ${mailed.orders} orders, ${money(mailed.revenue)})`,
    `    hold-out ${holdout.members}: orders ${holdout.perMember.orders.toFixed(4)}, revenue ${money(holdout.perMember.revenue)} per member (conversion ${percent(holdout.perMember.conversion)}; ${holdout.orders} orders, ${money(holdout.revenue)})`,
  ];
  if (uplift) {
    const relative =
      uplift.relative === null
        ? 'no hold-out revenue to compare'
        : signed(percent(uplift.relative), uplift.relative);
    lines.push(
      `    uplift: revenue per recipient ${signed(money(uplift.revenuePerRecipient), uplift.revenuePerRecipient)} (${relative}), orders per recipient ${signed(uplift.ordersPerRecipient.toFixed(4), uplift.ordersPerRecipient)}, incremental revenue ${money(uplift.incrementalRevenue)}`,
    );
  } else {
    lines.push('    uplift: not measured (no hold-out group: set tracking.holdout)');
  }
  lines.push(
    `    opens ${earned.opens} (${earned.openers} customers), clicks ${earned.clicks} (${earned.clickers} customers), unsubscribes ${earned.unsubscribes}`,
  );
  return lines;
}
