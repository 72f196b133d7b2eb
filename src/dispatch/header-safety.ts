import { domainToASCII } from 'node:url';
import { singleLine } from '../generation/product-text.js';
import { RecurringMemo } from '../util/recurring-memo.js';

/**
 * Header values built from data (names, subjects, addresses) go through here: a value can never
 * carry CR/LF or another control character into a header, and an address is validated before it
 * reaches an envelope.
 */

/** A field of a message to build was unusable; names the field. */
export class MessageInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'MessageInputError';
  }
}

/** An address that cannot be mailed. Callers skip the customer with reason `invalid-email`. */
export class InvalidAddressError extends MessageInputError {
  constructor(field: string, value: string) {
    super(field, `${preview(value)} is not a valid email address`);
    this.name = 'InvalidAddressError';
  }
}

/**
 * One line of header-safe text: control characters become spaces, whitespace collapses, and a
 * value longer than `maxLength` characters is refused (a bug upstream, not something to clip).
 */
export function headerText(value: string, field: string, maxLength: number): string {
  if (typeof value !== 'string') throw new MessageInputError(field, 'must be a string');
  // Control, zero-width and bidi characters become spaces; line and paragraph separators are
  // whitespace, so they collapse with the rest.
  const clean = singleLine(value);
  if (clean.length > maxLength) {
    throw new MessageInputError(
      field,
      `is ${clean.length} characters long; at most ${maxLength} are allowed`,
    );
  }
  return clean;
}

// RFC 5321 dot-atom local part (ASCII only: SMTPUTF8 is not assumed of relays).
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A deliverable address in canonical form (domain lower-cased and punycoded), or an
 * InvalidAddressError naming the field. Deliberately stricter than RFC 5322: no quoted local
 * parts, comments, IP literals or display names, which are never needed for marketing mail and
 * are where header-injection tricks live.
 */
export function validateEmailAddress(value: string, field: string): string {
  if (typeof value !== 'string') throw new InvalidAddressError(field, String(value));
  const address = value.trim();
  const at = address.lastIndexOf('@');
  if (address.length > 254 || at < 1 || at === address.length - 1)
    throw new InvalidAddressError(field, value);
  const local = address.slice(0, at);
  if (local.length > 64 || !LOCAL_PART.test(local)) throw new InvalidAddressError(field, value);
  const domain = asciiDomain(address.slice(at + 1));
  if (!domain) throw new InvalidAddressError(field, value);
  return `${local}@${domain}`;
}

// Recipients share a few domains (gmail.com, ...): each is worked out once per process.
const asciiDomains = new RecurringMemo(toAsciiDomain);

/** Lower-cased punycode form of a host name with at least two labels, or '' when invalid. */
export function asciiDomain(value: string): string {
  return asciiDomains.get(value);
}

function toAsciiDomain(value: string): string {
  // domainToASCII accepts characters that are not allowed in a host name (e.g. '_'): check after.
  if (/[\s@/\\:?#[\]%]/.test(value)) return '';
  const ascii = domainToASCII(value).toLowerCase();
  if (ascii === '' || ascii.length > 253) return '';
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return '';
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return ''; // an IP address, not a domain
  return ascii;
}

/** The domain of an address already validated. */
export function addressDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** A value quoted for an error message: control characters visible, length bounded. */
export function preview(value: string): string {
  const text = JSON.stringify(String(value));
  return text.length > 80 ? `${text.slice(0, 77)}..."` : text;
}
