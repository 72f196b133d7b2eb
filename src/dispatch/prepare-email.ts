import { LinkFieldTooLongError } from '../audience/signed-token.js';
import type { CustomerRecord, ProductRecord } from '../data/snapshot.js';
import type { EmailCopy } from '../generation/copywriter.js';
import { displayTitle, formatPrice } from '../generation/product-text.js';
import type { PlannedSkip, PreparedEmail } from './deliver-batch.js';
import type { Sender } from './email-headers.js';
import { buildEmailMessage } from './email-message.js';
import { type RenderedEmail, renderEmail } from './email-templates.js';
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
  /** Link builder; dispatch passes the signed one (src/audience/campaign-links.ts). */
  unsubscribeUrlFor?: UnsubscribeUrlBuilder;
  /** Click tracking: the link a product URL becomes in this customer's mail (a signed redirect). */
  clickUrlFor?: (target: string, customerId: string) => string;
  /** Open tracking: a 1×1 image added at the end of the HTML part. */
  openPixelUrlFor?: (customerId: string) => string;
  /** Product cards per mail (default 3). */
  productCards?: number;
}

type MailCustomer = Pick<CustomerRecord, 'id' | 'email' | 'firstName'> &
  Partial<Pick<CustomerRecord, 'index'>>;
type MailProduct = Pick<ProductRecord, 'title' | 'price' | 'url'>;

/**
 * The customer's mail rendered (subject, HTML, text) with every link it carries, before MIME:
 * what dispatch sends and what a preview shows, by construction the same.
 */
export function renderCampaignEmail(
  campaign: EmailCampaign,
  customer: MailCustomer,
  copy: EmailCopy,
  products: readonly MailProduct[],
): { rendered: RenderedEmail; unsubscribeUrl: string } {
  const link = (campaign.unsubscribeUrlFor ?? unsubscribeUrl)(
    campaign.publicUrl,
    campaign.campaignId,
    customer.id,
    customer.index,
  );
  const track = campaign.clickUrlFor;
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
        url: track && product.url ? track(product.url, customer.id) : product.url,
      })),
      unsubscribeUrl: link,
    },
    { templatesDir: campaign.templatesDir },
  );
  if (campaign.openPixelUrlFor) {
    rendered.html = withOpenPixel(rendered.html, campaign.openPixelUrlFor(customer.id));
  }
  return { rendered, unsubscribeUrl: link };
}

/**
 * Adds the open pixel just before `</body>` (or at the end), so every template gets it without
 * a field of its own. The URL is our own signed link, escaped for an attribute all the same.
 */
export function withOpenPixel(html: string, pixelUrl: string): string {
  const src = pixelUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const img = `<img src="${src}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;">`;
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? `${html}${img}\n` : `${html.slice(0, at)}${img}\n${html.slice(at)}`;
}

/**
 * Renders and builds one customer's mail. Throws InvalidAddressError for an address that cannot
 * be mailed (record it as a skip with reason `invalid-email`) and MessageInputError or
 * EmailTemplateError for input or templates that are wrong for every customer.
 */
export function prepareEmail(
  campaign: EmailCampaign,
  customer: MailCustomer,
  copy: EmailCopy,
  products: readonly MailProduct[],
  date?: Date,
): PreparedEmail {
  const { rendered, unsubscribeUrl: link } = renderCampaignEmail(campaign, customer, copy, products);
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
  customer: MailCustomer;
  copy: EmailCopy;
  products: readonly MailProduct[];
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
