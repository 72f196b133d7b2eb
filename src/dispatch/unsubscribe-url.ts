import { RecurringMemo } from '../util/recurring-memo.js';
import { MessageInputError } from './header-safety.js';

/**
 * Builds the URL a recipient opens (or a mailbox provider POSTs to) to unsubscribe. A parameter
 * of message building: dispatch passes the signed-token builder of src/audience/campaign-links.ts
 * (`<base>/u/<token>`, answered by `tailor server`). `customerIndex` is the customer's snapshot
 * index, a lookup hint the signed token may carry.
 */
export type UnsubscribeUrlBuilder = (
  baseUrl: string,
  campaignId: string,
  customerId: string,
  customerIndex?: number,
) => string;

/** Longest URL accepted in a header; keeps every header line within RFC 5322's 998 characters. */
export const MAX_HEADER_URL = 900;

/**
 * `<base>/u?c=<campaignId>&u=<customerId>`: unsigned, and nothing answers it. The default only
 * for code that renders without a link signer (unit tests, template previews); every mail that
 * dispatch sends carries the signed link instead.
 */
export const unsubscribeUrl: UnsubscribeUrlBuilder = (baseUrl, campaignId, customerId) => {
  const base = parseWebUrl(baseUrl, 'unsubscribe base URL');
  const url = new URL('u', base.href.endsWith('/') ? base : `${base.href}/`);
  url.searchParams.set('c', campaignId);
  url.searchParams.set('u', customerId);
  return url.href;
};

/**
 * An http(s) URL without credentials, as a URL, or a MessageInputError naming the field.
 * RFC 8058 one-click needs https; plain http is accepted for local demos.
 */
export function parseWebUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MessageInputError(field, `${JSON.stringify(String(value)).slice(0, 80)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new MessageInputError(field, `must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.username || url.password) throw new MessageInputError(field, 'must not carry credentials');
  if (url.href.length > MAX_HEADER_URL) {
    throw new MessageInputError(field, `is ${url.href.length} characters long; at most ${MAX_HEADER_URL}`);
  }
  return url;
}

// Catalogue links recur in every mail: each is parsed once per process; a customer's own signed
// links are seen once and not kept.
const safeLinks = new RecurringMemo((value: string) => {
  try {
    return parseWebUrl(value, 'link').href;
  } catch {
    return '';
  }
});

// A customer's signed link is `<base>/u/<token>`: new for every mail, so the memo cannot help,
// and parsing it was a URL object per mail. A value made of a prefix that is its own href
// (checked once per process, like a catalogue link) and one last segment of URL-safe characters
// is its own href too: the WHATWG parser neither escapes nor resolves such a segment.
/** A path segment the URL parser leaves exactly as it is. */
export const URL_SAFE_SEGMENT = /^[A-Za-z0-9_-]+$/;
const canonicalPrefixes = new RecurringMemo((prefix: string) => safeLinks.get(prefix) === prefix);

/** The URL when it is a safe http(s) link for an href, else '' (the template then shows no link). */
export function safeLinkUrl(value: string | undefined): string {
  if (!value) return '';
  const slash = value.lastIndexOf('/');
  if (
    value.length <= MAX_HEADER_URL &&
    slash > 0 &&
    slash < value.length - 1 &&
    URL_SAFE_SEGMENT.test(value.slice(slash + 1)) &&
    canonicalPrefixes.get(value.slice(0, slash + 1))
  ) {
    return value;
  }
  return safeLinks.get(value);
}
