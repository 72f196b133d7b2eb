import type { Redis } from 'ioredis';
import { retentionDaysFromEnv } from '../config/retention.js';
import { assertCampaignId } from '../dispatch/campaign-id.js';
import { LuaScript } from '../dispatch/lua-script.js';
import { SendLedger } from '../dispatch/send-ledger.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import { type CampaignEarnings, type EarningsTotals, earningsOf, type Group } from './attribution.js';
import { HOLDOUT_SKIP } from './holdout.js';

/**
 * What each campaign earned, in Redis beside its send ledger (same `{campaignId}` hash tag, so
 * one script can update several keys on Redis Cluster):
 *   tailor:earned:{c}              hash: clicks, opens, unsubscribes, orders:<group>, revenue:<group> (cents)
 *   tailor:earned:{c}:clickers     set of customer ids (and :openers, :buyers:mailed, :buyers:holdout)
 *   tailor:earned:{c}:orders       set of attributed order keys: an order counts once, however
 *                                  often the same order file is attributed
 *   tailor:earned:{c}:holdout      hash customer id → epoch ms the customer was held out
 * Memory grows with engaged customers and attributed orders, not with the audience; every key
 * expires with the retention period after its last write.
 */

const APPLY = new LuaScript(
  'tailor-earned-apply',
  `
local applied = 0
for i = 2, #ARGV, 4 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    local g = ARGV[i + 1]
    redis.call('HINCRBY', KEYS[1], 'orders:' .. g, 1)
    redis.call('HINCRBY', KEYS[1], 'revenue:' .. g, ARGV[i + 2])
    if g == 'mailed' then redis.call('SADD', KEYS[3], ARGV[i + 3]) else redis.call('SADD', KEYS[4], ARGV[i + 3]) end
    applied = applied + 1
  end
end
for k = 1, #KEYS do redis.call('EXPIRE', KEYS[k], ARGV[1]) end
return applied
`,
);

export interface Attribution {
  orderKey: string;
  group: Group;
  revenueCents: number;
  customerId: string;
}

export class EarningsStore {
  readonly retentionSeconds: number;

  constructor(
    private readonly redis: Redis,
    options: { retentionDays?: number } = {},
  ) {
    this.retentionSeconds = Math.round((options.retentionDays ?? retentionDaysFromEnv()) * 86_400);
  }

  keys(campaignId: string) {
    const base = `tailor:earned:{${assertCampaignId(campaignId)}}`;
    return {
      totals: base,
      clickers: `${base}:clickers`,
      openers: `${base}:openers`,
      buyersMailed: `${base}:buyers:mailed`,
      buyersHoldout: `${base}:buyers:holdout`,
      orders: `${base}:orders`,
      holdout: `${base}:holdout`,
    };
  }

  async recordClick(campaignId: string, customerId: string): Promise<void> {
    const k = this.keys(campaignId);
    await this.redis
      .multi()
      .hincrby(k.totals, 'clicks', 1)
      .sadd(k.clickers, customerId)
      .expire(k.totals, this.retentionSeconds)
      .expire(k.clickers, this.retentionSeconds)
      .exec();
  }

  async recordOpen(campaignId: string, customerId: string): Promise<void> {
    const k = this.keys(campaignId);
    await this.redis
      .multi()
      .hincrby(k.totals, 'opens', 1)
      .sadd(k.openers, customerId)
      .expire(k.totals, this.retentionSeconds)
      .expire(k.openers, this.retentionSeconds)
      .exec();
  }

  async recordUnsubscribe(campaignId: string): Promise<void> {
    const k = this.keys(campaignId);
    await this.redis
      .multi()
      .hincrby(k.totals, 'unsubscribes', 1)
      .expire(k.totals, this.retentionSeconds)
      .exec();
  }

  /** When each customer was held out; the first decision stands (a retried job keeps it). */
  async recordHoldout(campaignId: string, customerIds: readonly string[], at: number): Promise<void> {
    if (customerIds.length === 0) return;
    const k = this.keys(campaignId);
    const multi = this.redis.multi();
    for (const id of customerIds) multi.hsetnx(k.holdout, id, String(at));
    multi.expire(k.holdout, this.retentionSeconds);
    await multi.exec();
  }

  async holdoutTimes(campaignId: string, customerIds: readonly string[]): Promise<(number | null)[]> {
    if (customerIds.length === 0) return [];
    const values = await this.redis.hmget(this.keys(campaignId).holdout, ...customerIds);
    return values.map((v) => (v === null ? null : Number(v)));
  }

  /** Adds attributed orders; an order already counted for this campaign is left out. Returns how many counted. */
  async applyAttributions(campaignId: string, items: readonly Attribution[]): Promise<number> {
    if (items.length === 0) return 0;
    const k = this.keys(campaignId);
    let applied = 0;
    for (let at = 0; at < items.length; at += 1_000) {
      const args: (string | number)[] = [this.retentionSeconds];
      for (const item of items.slice(at, at + 1_000)) {
        args.push(item.orderKey, item.group, Math.round(item.revenueCents), item.customerId);
      }
      applied += (await APPLY.run(
        this.redis,
        [k.totals, k.orders, k.buyersMailed, k.buyersHoldout],
        args,
      )) as number;
    }
    return applied;
  }

  async totals(campaignId: string, ledger: SendLedger): Promise<EarningsTotals> {
    const k = this.keys(campaignId);
    const [hash, clickers, openers, buyersMailed, buyersHoldout, counts] = await Promise.all([
      this.redis.hgetall(k.totals),
      this.redis.scard(k.clickers),
      this.redis.scard(k.openers),
      this.redis.scard(k.buyersMailed),
      this.redis.scard(k.buyersHoldout),
      ledger.counts(campaignId),
    ]);
    const n = (field: string) => Number(hash[field] ?? 0);
    return {
      recipients: counts.sent,
      holdout: counts.skipped[HOLDOUT_SKIP] ?? 0,
      clicks: n('clicks'),
      clickers,
      opens: n('opens'),
      openers,
      unsubscribes: n('unsubscribes'),
      mailed: { orders: n('orders:mailed'), buyers: buyersMailed, revenueCents: n('revenue:mailed') },
      held: { orders: n('orders:holdout'), buyers: buyersHoldout, revenueCents: n('revenue:holdout') },
    };
  }
}

/** A campaign's earnings as shown, or undefined when its spec does not turn tracking on. */
export async function campaignEarnings(
  redis: Redis,
  campaignId: string,
  spec: Pick<CampaignSpec, 'tracking'>,
): Promise<CampaignEarnings | undefined> {
  if (!spec.tracking) return undefined;
  const totals = await new EarningsStore(redis).totals(campaignId, new SendLedger(redis));
  return earningsOf(totals, {
    windowDays: spec.tracking.attributionWindowDays,
    holdoutShare: spec.tracking.holdout,
  });
}
