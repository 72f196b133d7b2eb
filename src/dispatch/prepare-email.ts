import type { CustomerRecord, ProductRecord } from '../data/snapshot.js';
import type { EmailCopy } from '../generation/copywriter.js';
import { displayTitle, formatPrice } from '../generation/product-text.js';
import type { PlannedSkip, PreparedEmail } from './deliver-batch.js';
import type { Sender } from './email-headers.js';
import { buildEmailMessage } from './email-message.js';
import { renderEmail } from './email-templates.js';
import { InvalidAddressError } from './header-safety.js';
import { ledgerField } from './send-ledger.js';
import { type UnsubscribeUrlBuilder, unsubscribeUrl } from './unsubscribe-url.js';

/** What every mail of one campaign shares. */
export interface EmailCampaign {
  campaignId: string;
  /** Template directory name under templates/email/. */
  template: string;
  templatesDir?: string;
  sender: Sender;
  brand: { name: string; websiteUrl?: string };
  /** ISO 4217 code for prices. */
  currency?: string;
  /** Base of unsubscribe links (TAILOR_PUBLIC_URL / the spec's publicUrl). */
  publicUrl: string;
  /** Replaceable link builder (issue 11 signs the token). */
  unsubscribeUrlFor?: UnsubscribeUrlBuilder;
  /** Product cards per mail (default 3). */
  productCards?: number;
}

/**
 * Renders and builds one customer's mail. Throws InvalidAddressError for an address that cannot
 * be mailed (record it as a skip with reason `invalid-email`) and MessageInputError or
 * EmailTemplateError for input or templates that are wrong for every customer.
 */
export function prepareEmail(
  campaign: EmailCampaign,
  customer: Pick<CustomerRecord, 'id' | 'email' | 'firstName'>,
  copy: EmailCopy,
  products: readonly Pick<ProductRecord, 'title' | 'price' | 'url'>[],
  date?: Date,
): PreparedEmail {
  const link = (campaign.unsubscribeUrlFor ?? unsubscribeUrl)(
    campaign.publicUrl,
    campaign.campaignId,
    customer.id,
  );
  const rendered = renderEmail(
    campaign.template,
    {
      brand: {
        name: campaign.brand.name,
        postalAddress: campaign.sender.postalAddress,
        websiteUrl: campaign.brand.websiteUrl,
      },
      customer: { firstName: customer.firstName },
      copy,
      products: products.slice(0, campaign.productCards ?? 3).map((product) => ({
        title: displayTitle(product.title),
        price: formatPrice(product.price, campaign.currency),
        url: product.url,
      })),
      unsubscribeUrl: link,
    },
    { templatesDir: campaign.templatesDir },
  );
  const message = buildEmailMessage({
    campaignId: campaign.campaignId,
    customerId: customer.id,
    sender: campaign.sender,
    recipient: { address: customer.email, name: customer.firstName },
    rendered,
    unsubscribeUrl: link,
    date,
  });
  return {
    field: ledgerField(customer.id, 'email'),
    customerId: customer.id,
    email: customer.email,
    message,
  };
}

export interface EmailRecipient {
  customer: Pick<CustomerRecord, 'id' | 'email' | 'firstName'>;
  copy: EmailCopy;
  products: readonly Pick<ProductRecord, 'title' | 'price' | 'url'>[];
}

/**
 * Prepares a chunk: one mail per recipient, and a planned skip with reason `invalid-email` for
 * each address that cannot be mailed. Any other error (a template or input wrong for everyone)
 * is thrown: it is not one customer's problem.
 */
export function prepareEmails(
  campaign: EmailCampaign,
  recipients: readonly EmailRecipient[],
  date = new Date(),
): { messages: PreparedEmail[]; skips: PlannedSkip[] } {
  const messages: PreparedEmail[] = [];
  const skips: PlannedSkip[] = [];
  for (const { customer, copy, products } of recipients) {
    try {
      messages.push(prepareEmail(campaign, customer, copy, products, date));
    } catch (error) {
      if (!(error instanceof InvalidAddressError) || error.field !== 'recipient.address') throw error;
      skips.push({ field: ledgerField(customer.id, 'email'), reason: 'invalid-email' });
    }
  }
  return { messages, skips };
}
