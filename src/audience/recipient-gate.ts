import type { PlannedSkip, PreparedEmail } from '../dispatch/deliver-batch.js';
import type { SendLedger } from '../dispatch/send-ledger.js';
import type { SuppressionList } from '../dispatch/suppression.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';
import {
  FREQUENCY_CAP_SKIP,
  type FrequencyCap,
  type FrequencyCapPolicy,
} from '../schedules/frequency-cap.js';
import type { EarningsStore } from './earnings-store.js';
import { HOLDOUT_SKIP, isHeldOut } from './holdout.js';
import type { MailHistory } from './mail-history.js';
import { holderOf, MAIL_CAP_SKIP } from './rolling-cap.js';

/**
 * The last decisions before a chunk's mails go out, in this order:
 * 1. mails the ledger already holds as final pass straight on (deliverBatch reports them as
 *    already sent), so nothing below is spent on them;
 * 2. suppressed addresses are skipped by their reason (deliverBatch checks again at send time);
 * 3. the hold-out draw, among customers who would really be mailed, so the comparison is fair;
 * 4. the cross-campaign mail cap (every campaign records its mails; its own `mailCap` applies),
 *    then the re-engagement group cap of `frequencyCap`.
 * Reservations that did not turn into a mail are given back after delivery (releaseUnsent).
 */

export interface GateServices {
  ledger: SendLedger;
  suppression: SuppressionList;
  history: MailHistory;
  frequencyCap: FrequencyCap;
  earnings: EarningsStore;
}

export interface GateResult {
  toSend: PreparedEmail[];
  skips: PlannedSkip[];
  /** Customers whose cross-campaign history now holds this campaign's mail. */
  reserved: string[];
  /** By reason, what this gate held back. */
  held: Record<string, number>;
}

export async function gateRecipients(
  services: GateServices,
  input: {
    campaignId: string;
    spec: Pick<CampaignSpec, 'seed' | 'tracking' | 'mailCap'>;
    /** The re-engagement group cap (capOfSpec), when the spec has one. */
    groupCap?: FrequencyCapPolicy;
    messages: readonly PreparedEmail[];
    now: number;
  },
): Promise<GateResult> {
  const { campaignId, spec, messages, now } = input;
  const result: GateResult = { toSend: [], skips: [], reserved: [], held: {} };
  const skip = (message: PreparedEmail, reason: string) => {
    result.skips.push({ field: message.field, reason });
    result.held[reason] = (result.held[reason] ?? 0) + 1;
  };
  const states = await services.ledger.states(
    campaignId,
    messages.map((m) => m.field),
  );
  const fresh: PreparedEmail[] = [];
  messages.forEach((message, i) => {
    const state = states[i];
    if (state !== null && !state.startsWith('sending:')) result.toSend.push(message);
    else fresh.push(message);
  });

  const suppressed = await services.suppression.checkMany(fresh.map((m) => m.email));
  let open: PreparedEmail[] = [];
  fresh.forEach((message, i) => {
    const reason = suppressed[i];
    if (reason) skip(message, reason);
    else open.push(message);
  });

  const share = spec.tracking?.holdout ?? 0;
  if (share > 0) {
    const held = open.filter((m) => isHeldOut(share, spec.seed, campaignId, m.customerId));
    if (held.length > 0) {
      const heldIds = new Set(held.map((m) => m.customerId));
      for (const message of held) skip(message, HOLDOUT_SKIP);
      await services.earnings.recordHoldout(campaignId, [...heldIds], now);
      open = open.filter((m) => !heldIds.has(m.customerId));
    }
  }

  if (open.length > 0) {
    const allowed = await services.history.reserve(
      open.map((m) => m.customerId),
      spec.mailCap,
      holderOf(campaignId),
      now,
    );
    const capped: PreparedEmail[] = [];
    open.forEach((message, i) => {
      if (allowed[i]) capped.push(message);
      else skip(message, MAIL_CAP_SKIP);
    });
    result.reserved = capped.map((m) => m.customerId);
    open = capped;
  }

  if (input.groupCap && open.length > 0) {
    const allowed = await services.frequencyCap.reserve(
      open.map((m) => m.customerId),
      input.groupCap,
      campaignId,
    );
    open = open.filter((message, i) => {
      if (!allowed[i]) skip(message, FREQUENCY_CAP_SKIP);
      return allowed[i];
    });
  }
  result.toSend.push(...open);
  return result;
}

/**
 * After delivery: gives back the history reservations of customers whose mail did not go out
 * (skipped by the group cap, suppressed at send time, failed permanently).
 */
export async function releaseUnsent(
  services: Pick<GateServices, 'ledger' | 'history'>,
  campaignId: string,
  reserved: readonly string[],
  fieldOf: (customerId: string) => string,
  now: number,
): Promise<number> {
  if (reserved.length === 0) return 0;
  const states = await services.ledger.states(campaignId, reserved.map(fieldOf));
  const unsent = reserved.filter((_, i) => !states[i]?.startsWith('sent:'));
  return unsent.length > 0 ? services.history.release(unsent, holderOf(campaignId), now) : 0;
}
