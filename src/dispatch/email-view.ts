import type { EmailCopy } from '../generation/copywriter.js';
import { singleLine } from '../generation/product-text.js';
import { MessageInputError } from './header-safety.js';
import { safeLinkUrl } from './unsubscribe-url.js';

/** What a caller gives the email renderer: plain text everywhere, never HTML. */
export interface EmailRenderContext {
  brand: { name: string; postalAddress: string; websiteUrl?: string };
  customer: { firstName: string };
  copy: EmailCopy;
  /** Display-ready products (price already formatted); the default template shows what it is given. */
  products: { title: string; price: string; url: string }[];
  unsubscribeUrl: string;
}

/** What templates see. Every string is plain text: Handlebars escapes it in HTML. */
export interface EmailView {
  brand: { name: string; postalAddress: string; websiteUrl: string };
  firstName: string;
  subject: string;
  preheader: string;
  /** The copy body by paragraph; a paragraph of `- ` lines is a list. */
  paragraphs: { lines: string[]; list: boolean }[];
  products: { title: string; price: string; url: string }[];
  unsubscribeUrl: string;
}

export const VIEW_LIMITS = { body: 20_000, line: 500, products: 12 } as const;

// A leading "Hi Ann," paragraph of the copy: the template greets by name itself.
const GREETING = /^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^.?]{0,40}[,!]$/i;

/**
 * Normalises a render context into the view: control characters out, one-line fields on one
 * line, links that are not http(s) dropped (no `javascript:` href can reach a template).
 */
export function emailView(context: EmailRenderContext): EmailView {
  const body = context.copy.body ?? '';
  if (typeof body !== 'string') throw new MessageInputError('copy.body', 'must be a string');
  if (body.length > VIEW_LIMITS.body) {
    throw new MessageInputError('copy.body', `is ${body.length} characters; at most ${VIEW_LIMITS.body}`);
  }
  if (context.products.length > VIEW_LIMITS.products) {
    throw new MessageInputError(
      'products',
      `has ${context.products.length} entries; at most ${VIEW_LIMITS.products}`,
    );
  }
  const recipient = customerView(context);
  if (!recipient.unsubscribeUrl) throw new MessageInputError('unsubscribeUrl', 'must be an http(s) URL');
  const paragraphs = bodyParagraphs(body);
  if (paragraphs.length > 0 && paragraphs[0].lines.length === 1 && GREETING.test(paragraphs[0].lines[0])) {
    paragraphs.shift();
  }
  return {
    brand: {
      name: clean(context.brand.name),
      postalAddress: clean(context.brand.postalAddress),
      websiteUrl: safeLinkUrl(context.brand.websiteUrl),
    },
    firstName: recipient.firstName,
    subject: clean(context.copy.subject),
    preheader: clean(context.copy.preheader),
    paragraphs,
    products: recipient.products,
    unsubscribeUrl: recipient.unsubscribeUrl,
  };
}

/** The part of the view that differs from customer to customer (mail-plan.ts fills it in). */
export type CustomerView = Pick<EmailView, 'firstName' | 'products' | 'unsubscribeUrl'>;

/** The customer's fields of the view, normalised exactly as emailView does ('' when unusable). */
export function customerView(
  context: Pick<EmailRenderContext, 'customer' | 'products' | 'unsubscribeUrl'>,
): CustomerView {
  return {
    firstName: clean(context.customer.firstName),
    products: context.products.map((product) => ({
      title: clean(product.title),
      price: clean(product.price),
      url: safeLinkUrl(product.url),
    })),
    unsubscribeUrl: safeLinkUrl(context.unsubscribeUrl),
  };
}

function clean(value: string | undefined): string {
  return singleLine(String(value ?? '')).slice(0, VIEW_LIMITS.line);
}

function bodyParagraphs(body: string): EmailView['paragraphs'] {
  const out: EmailView['paragraphs'] = [];
  for (const block of body.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = block
      .split('\n')
      .map(clean)
      .filter((line) => line !== '');
    if (lines.length === 0) continue;
    const list = lines.every((line) => /^[-*•] /.test(line));
    out.push({ lines: list ? lines.map((line) => line.slice(2)) : lines, list });
  }
  return out;
}
