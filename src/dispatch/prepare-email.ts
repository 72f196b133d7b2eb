import type { CustomerRecord, ProductRecord } from '../data/snapshot.js';
import type { EmailCopy } from '../generation/copywriter.js';
import { displayTitle, formatPrice } from '../generation/product-text.js';
import type { PreparedEmail } from './deliver-batch.js';
import type { Sender } from './email-headers.js';
import { buildEmailMessage, type EncodedEmail } from './email-message.js';
import { type RenderedEmail, renderEmail } from './email-templates.js';
import type { EmailRenderContext } from './email-view.js';
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

export type MailCustomer = Pick<CustomerRecord, 'id' | 'email' | 'firstName'> &
  Partial<Pick<CustomerRecord, 'index'>>;
export type MailProduct = Pick<ProductRecord, 'title' | 'price' | 'url'>;

/** What the renderer is given for one customer's mail, and the links it carries. */
export interface CustomerRenderInput {
  context: EmailRenderContext;
  /** The unsubscribe link (also the List-Unsubscribe header). */
  unsubscribeUrl: string;
  /** The open-tracking pixel's URL, when the campaign tracks opens. */
  openPixelUrl?: string;
}

/**
 * The render context of one customer's mail: campaign text, the customer's name, product cards
 * (display title and price worked out once per product) and the signed links.
 */
export function customerRenderInput(
  campaign: EmailCampaign,
  customer: MailCustomer,
  copy: EmailCopy,
  products: readonly MailProduct[],
): CustomerRenderInput {
  const link = (campaign.unsubscribeUrlFor ?? unsubscribeUrl)(
    campaign.publicUrl,
    campaign.campaignId,
    customer.id,
    customer.index,
  );
  const track = campaign.clickUrlFor;
  const context: EmailRenderContext = {
    brand: {
      name: campaign.brand.name,
      postalAddress: campaign.sender.postalAddress,
      websiteUrl: campaign.brand.websiteUrl,
    },
    customer: { firstName: customer.firstName },
    copy,
    products: products.slice(0, campaign.productCards ?? 3).map((product) => {
      const { title, price } = productDisplay(product, campaign.currency);
      return { title, price, url: track && product.url ? track(product.url, customer.id) : product.url };
    }),
    unsubscribeUrl: link,
  };
  return {
    context,
    unsubscribeUrl: link,
    ...(campaign.openPixelUrlFor ? { openPixelUrl: campaign.openPixelUrlFor(customer.id) } : {}),
  };
}

// Title-casing and price formatting cost more than the rest of a product card: once per product.
const displays = new WeakMap<MailProduct, { currency: string | undefined; title: string; price: string }>();

function productDisplay(
  product: MailProduct,
  currency: string | undefined,
): { title: string; price: string } {
  const known = displays.get(product);
  if (known && known.currency === currency) return known;
  const display = {
    currency,
    title: displayTitle(product.title),
    price: formatPrice(product.price, currency),
  };
  displays.set(product, display);
  return display;
}

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
  const input = customerRenderInput(campaign, customer, copy, products);
  return { rendered: renderInput(campaign, input), unsubscribeUrl: input.unsubscribeUrl };
}

/** A render input through the campaign's template, with the open pixel when it tracks opens. */
function renderInput(campaign: EmailCampaign, input: CustomerRenderInput): RenderedEmail {
  const rendered = renderEmail(campaign.template, input.context, { templatesDir: campaign.templatesDir });
  if (input.openPixelUrl !== undefined) rendered.html = withOpenPixel(rendered.html, input.openPixelUrl);
  return rendered;
}

/**
 * Adds the open pixel just before `</body>` (or at the end), so every template gets it without
 * a field of its own. The URL is our own signed link, escaped for an attribute all the same.
 */
export function withOpenPixel(html: string, pixelUrl: string): string {
  const src = escapePixelUrl(pixelUrl);
  const img = `<img src="${src}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;">`;
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? `${html}${img}\n` : `${html.slice(0, at)}${img}\n${html.slice(at)}`;
}

/** The pixel URL as withOpenPixel writes it into the `src` attribute. */
export function escapePixelUrl(pixelUrl: string): string {
  return pixelUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
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
  return prepareEmailFrom(campaign, customer, customerRenderInput(campaign, customer, copy, products), date);
}

/** prepareEmail from a render input already worked out (mail-plan.ts falls back to this). */
export function prepareEmailFrom(
  campaign: EmailCampaign,
  customer: MailCustomer,
  input: CustomerRenderInput,
  date?: Date,
): PreparedEmail {
  return preparedEmail(campaign, customer, renderInput(campaign, input), { url: input.unsubscribeUrl }, date);
}

/**
 * The customer's mail built from what was rendered for it (in full, or by a mail plan), with its
 * ledger field. `unsubscribe.checked`: the URL is already the href parseWebUrl gives.
 */
export function preparedEmail(
  campaign: EmailCampaign,
  customer: MailCustomer,
  rendered: RenderedEmail | EncodedEmail,
  unsubscribe: { url: string; checked?: boolean },
  date?: Date,
): PreparedEmail {
  const message = buildEmailMessage({
    campaignId: campaign.campaignId,
    customerId: customer.id,
    sender: campaign.sender,
    recipient: { address: customer.email, name: customer.firstName },
    rendered,
    unsubscribeUrl: unsubscribe.url,
    unsubscribeUrlChecked: unsubscribe.checked,
    date,
  });
  return {
    field: ledgerField(customer.id, 'email'),
    customerId: customer.id,
    email: customer.email,
    message,
  };
}
