import { assertCampaignId } from './campaign-id.js';
import {
  addressDomain,
  asciiDomain,
  headerText,
  MessageInputError,
  validateEmailAddress,
} from './header-safety.js';
import { encodePhrase, encodeUnstructured, formatMailbox, formatRfc5322Date } from './mime-encoding.js';
import { parseWebUrl } from './unsubscribe-url.js';

/** Who a campaign is from; comes from the campaign spec. */
export interface Sender {
  /** Display name, e.g. "Rosie's Homeware". */
  name: string;
  address: string;
  /** The sender's postal address, shown in every mail's footer (CAN-SPAM and friends). */
  postalAddress: string;
  replyTo?: string;
  /** RFC 2919 list id (`label.domain`); defaults to `marketing.<sender domain>`. */
  listId?: string;
  /** An address that unsubscribes by mail, offered next to the URL in List-Unsubscribe. */
  unsubscribeMailto?: string;
}

export interface EmailHeaderInput {
  campaignId: string;
  messageId: string;
  sender: Sender;
  recipient: { address: string; name?: string };
  /** `recipient.address` is already what validateEmailAddress returns: not checked again. */
  recipientAddressChecked?: boolean;
  subject: string;
  unsubscribeUrl: string;
  /** `unsubscribeUrl` is already the href parseWebUrl gives (mail-plan.ts): not parsed again. */
  unsubscribeUrlChecked?: boolean;
  date: Date;
}

/** Every header a Tailor marketing mail carries, wire-encoded (7-bit, not yet folded), in order. */
export interface EmailHeaders {
  From: string;
  'Reply-To'?: string;
  To: string;
  Subject: string;
  Date: string;
  'Message-ID': string;
  'MIME-Version': '1.0';
  'List-Unsubscribe': string;
  'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click';
  'List-ID': string;
  'X-Tailor-Campaign': string;
}

export const HEADER_LIMITS = { name: 200, subject: 300 } as const;

const LIST_ID = /^[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9](?:[a-z0-9-]{0,62}))+$/;

/**
 * The headers of one marketing mail, built in one place (Dittofeed's habit) so every mail gets
 * List-Unsubscribe (RFC 2369) with one-click POST (RFC 8058), List-ID (RFC 2919) and the
 * campaign tag, and no value built from data can inject a header.
 */
export function buildEmailHeaders(input: EmailHeaderInput): EmailHeaders {
  const campaignId = assertCampaignId(input.campaignId);
  const sender = senderHeadersOf(input.sender);
  const toAddress = input.recipientAddressChecked
    ? input.recipient.address
    : validateEmailAddress(input.recipient.address, 'recipient.address');
  const toName = headerText(input.recipient.name ?? '', 'recipient.name', HEADER_LIMITS.name);
  const subject = headerText(input.subject, 'subject', HEADER_LIMITS.subject);
  if (subject === '') throw new MessageInputError('subject', 'is empty');
  if (!/^<[\x21-\x3b\x3d\x3f-\x7e]+@[a-z0-9.-]+>$/.test(input.messageId)) {
    throw new MessageInputError('messageId', `${JSON.stringify(input.messageId)} is not a Message-ID`);
  }

  const href = input.unsubscribeUrlChecked
    ? input.unsubscribeUrl
    : parseWebUrl(input.unsubscribeUrl, 'unsubscribeUrl').href;
  const unsubscribe = `<${href}>${sender.unsubscribeMailto}`;

  const headers: EmailHeaders = {
    From: sender.from,
    To: formatMailbox(toName, toAddress),
    Subject: encodeUnstructured(subject),
    Date: formatDate(input.date),
    'Message-ID': input.messageId,
    'MIME-Version': '1.0',
    'List-Unsubscribe': unsubscribe,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-ID': sender.listId,
    'X-Tailor-Campaign': campaignId,
  };
  if (sender.replyTo) headers['Reply-To'] = sender.replyTo;
  return headers;
}

export interface SenderHeaders {
  /** The sender's address, validated. */
  address: string;
  from: string;
  listId: string;
  replyTo?: string;
  /** `, <mailto:...>` after the unsubscribe URL, or ''. */
  unsubscribeMailto: string;
}

// Every mail of a campaign has the same sender: its headers are worked out (and validated) once
// per process and sender, not once per mail.
const senderHeaders = new Map<string, SenderHeaders>();
// The sender of the last mail: a chunk's mails share one, so most look-ups stop here.
let lastSender: { fields: (string | undefined)[]; headers: SenderHeaders } | undefined;

/** The sender's headers (and validated address), worked out once per process and sender. */
export function senderHeadersOf(sender: Sender): SenderHeaders {
  const fields = [sender.name, sender.address, sender.replyTo, sender.listId, sender.unsubscribeMailto];
  if (lastSender?.fields.every((field, i) => field === fields[i])) return lastSender.headers;
  const headers = senderHeadersByKey(JSON.stringify(fields), sender);
  lastSender = { fields, headers };
  return headers;
}

function senderHeadersByKey(key: string, sender: Sender): SenderHeaders {
  const known = senderHeaders.get(key);
  if (known) return known;
  const fromAddress = validateEmailAddress(sender.address, 'sender.address');
  const fromName = headerText(sender.name, 'sender.name', HEADER_LIMITS.name);
  let unsubscribeMailto = '';
  if (sender.unsubscribeMailto) {
    const mailto = validateEmailAddress(sender.unsubscribeMailto, 'sender.unsubscribeMailto');
    unsubscribeMailto = `, <mailto:${mailto}?subject=unsubscribe>`;
  }
  const listId = sender.listId ?? `marketing.${asciiDomain(addressDomain(fromAddress))}`;
  if (!LIST_ID.test(listId) || listId.length > 255) {
    throw new MessageInputError(
      'sender.listId',
      `${JSON.stringify(listId)} is not a list id like news.example.com`,
    );
  }
  const headers: SenderHeaders = {
    address: fromAddress,
    from: formatMailbox(fromName, fromAddress),
    listId: fromName ? `${encodePhrase(fromName)} <${listId}>` : `<${listId}>`,
    unsubscribeMailto,
    ...(sender.replyTo ? { replyTo: validateEmailAddress(sender.replyTo, 'sender.replyTo') } : {}),
  };
  if (senderHeaders.size >= 1_000) senderHeaders.clear();
  senderHeaders.set(key, headers);
  return headers;
}

let lastDate: { time: number; text: string } = { time: Number.NaN, text: '' };

/** The Date header: every mail of a chunk has the same date. */
function formatDate(date: Date): string {
  const time = date.getTime();
  if (time !== lastDate.time) lastDate = { time, text: formatRfc5322Date(date) };
  return lastDate.text;
}
