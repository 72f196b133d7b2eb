import type { Redis } from 'ioredis';
import { campaignKey } from '../campaigns/run-keys.js';
import type { CustomerRecord, SnapshotReader } from '../data/snapshot.js';
import type { SuppressionList, SuppressionReason } from '../dispatch/suppression.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import { MARKETING_LIST, readUnsubscribeToken, type UnsubscribeClaim } from './campaign-links.js';
import { EarningsStore } from './earnings-store.js';
import type { LinkSigner } from './signed-token.js';

/**
 * What an unsubscribe link does. The token names the campaign, the customer and the list; the
 * address to suppress is the customer's, found in the campaign's dataset (by the index hint the
 * token carries, checked against the id, else by a chunked scan). A token that does not verify,
 * or names a list, campaign or customer that does not exist, changes nothing.
 */

export interface UnsubscribeDeps {
  redis: Redis;
  signer: LinkSigner;
  suppression: SuppressionList;
  /** The dataset's current snapshot. */
  openSnapshot: (dataset: string) => Promise<SnapshotReader>;
}

export interface CampaignInfo {
  campaignId: string;
  name: string;
  brand: string;
  dataset: string;
}

export type LinkCheck =
  | { ok: true; claim: UnsubscribeClaim; campaign: CampaignInfo }
  | { ok: false; status: 400 | 404; reason: string };

export type UnsubscribeResult =
  | { ok: true; campaign: CampaignInfo; email: string; already: SuppressionReason | null }
  | { ok: false; status: 400 | 404; reason: string };

const LOOKUP_CHUNK = 10_000;

/** The token's claim and its campaign, or why the link is refused. Reads only. */
export async function checkUnsubscribeLink(deps: UnsubscribeDeps, token: string): Promise<LinkCheck> {
  const claim = readUnsubscribeToken(deps.signer, token);
  if (!claim) return { ok: false, status: 400, reason: 'this unsubscribe link is not valid' };
  if (claim.list !== MARKETING_LIST)
    return { ok: false, status: 404, reason: 'this mailing list does not exist' };
  const json = await deps.redis.hget(campaignKey(claim.campaignId), 'spec');
  if (!json) return { ok: false, status: 404, reason: 'this campaign is not known here' };
  const spec = JSON.parse(json) as CampaignSpec;
  return {
    ok: true,
    claim,
    campaign: {
      campaignId: claim.campaignId,
      name: spec.name,
      brand: spec.brand.name,
      dataset: spec.dataset,
    },
  };
}

/** Suppresses the link's recipient as `unsubscribed` (an address already suppressed keeps its reason). */
export async function unsubscribe(deps: UnsubscribeDeps, token: string): Promise<UnsubscribeResult> {
  const checked = await checkUnsubscribeLink(deps, token);
  if (!checked.ok) return checked;
  const { claim, campaign } = checked;
  let customer: Pick<CustomerRecord, 'id' | 'email'> | undefined;
  try {
    customer = await findCustomer(await deps.openSnapshot(campaign.dataset), claim.customerId, claim.index);
  } catch {
    customer = undefined; // dataset gone: nothing is known about this customer any more
  }
  if (!customer) return { ok: false, status: 404, reason: 'this customer is not known here' };
  const existing = await deps.suppression.get(customer.email);
  if (!existing) {
    await deps.suppression.add(customer.email, 'unsubscribed', { campaignId: campaign.campaignId });
    await new EarningsStore(deps.redis).recordUnsubscribe(campaign.campaignId);
  }
  return { ok: true, campaign, email: customer.email, already: existing?.reason ?? null };
}

/** The customer with this id: at the hinted index when it is still theirs, else by scanning. */
export async function findCustomer(
  snapshot: SnapshotReader,
  customerId: string,
  hint?: number,
): Promise<CustomerRecord | undefined> {
  const n = snapshot.manifest.customers;
  if (hint !== undefined && hint >= 0 && hint < n) {
    const [record] = await snapshot.customers(hint, hint + 1);
    if (record?.id === customerId) return record;
  }
  for (let start = 0; start < n; start += LOOKUP_CHUNK) {
    const found = (await snapshot.customers(start, Math.min(n, start + LOOKUP_CHUNK))).find(
      (c) => c.id === customerId,
    );
    if (found) return found;
  }
  return undefined;
}
