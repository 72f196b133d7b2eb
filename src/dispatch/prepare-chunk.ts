import { LinkFieldTooLongError } from '../audience/signed-token.js';
import type { EmailCopy } from '../generation/copywriter.js';
import type { PlannedSkip, PreparedEmail } from './deliver-batch.js';
import { InvalidAddressError } from './header-safety.js';
import { MailPlanner } from './mail-plan.js';
import type { EmailCampaign, MailCustomer, MailProduct } from './prepare-email.js';
import { ledgerField } from './send-ledger.js';

export interface EmailRecipient {
  customer: MailCustomer;
  copy: EmailCopy;
  products: readonly MailProduct[];
}

/**
 * Prepares a chunk: one mail per recipient (through mail plans: the same bytes as prepareEmail,
 * rendered once per copy and shape), and a planned skip with reason `invalid-email` for each
 * address that cannot be mailed. Any other error (a template or input wrong for everyone) is
 * thrown: it is not one customer's problem.
 */
export function prepareEmails(
  campaign: EmailCampaign,
  recipients: readonly EmailRecipient[],
  date = new Date(),
): { messages: PreparedEmail[]; skips: PlannedSkip[] } {
  const planner = new MailPlanner(campaign, date);
  const messages: PreparedEmail[] = [];
  const skips: PlannedSkip[] = [];
  for (const { customer, copy, products } of recipients) {
    try {
      messages.push(planner.prepare(customer, copy, products));
    } catch (error) {
      // One customer's unusable address or id skips that customer, not the chunk.
      if (error instanceof LinkFieldTooLongError) {
        skips.push({ field: ledgerField(customer.id, 'email'), reason: 'invalid-customer-id' });
        continue;
      }
      if (!(error instanceof InvalidAddressError) || error.field !== 'recipient.address') throw error;
      skips.push({ field: ledgerField(customer.id, 'email'), reason: 'invalid-email' });
    }
  }
  return { messages, skips };
}
