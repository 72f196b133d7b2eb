import type { Channel } from '../generation/copywriter.js';
import { buildEmailHeaders, type EmailHeaders, type Sender, senderHeadersOf } from './email-headers.js';
import type { RenderedEmail } from './email-templates.js';
import { addressDomain, MessageInputError, validateEmailAddress } from './header-safety.js';
import { deliveryHash, messageIdOfHash } from './message-id.js';
import { composeMime, type MimeBody } from './mime-message.js';

/**
 * A message ready for any transport. `envelope` and `raw` are exactly the nodemailer message
 * options a transport hands to `sendMail` (nodemailer then only speaks SMTP); `headers`, for
 * inspection and tests, is read back from `raw` when asked for (a chunk's messages wait for
 * their turn to be sent, and every object they hold is work for the garbage collector).
 */
export interface EmailMessage {
  campaignId: string;
  customerId: string;
  messageId: string;
  envelope: { from: string; to: string };
  readonly headers: EmailHeaders;
  /** The complete RFC 5322 message, CRLF line breaks, 7-bit. */
  raw: Buffer;
}

export interface EmailMessageInput {
  campaignId: string;
  customerId: string;
  /** Only `email` travels by mail; kept in the key so the Message-ID matches the ledger's field. */
  channel?: Extract<Channel, 'email'>;
  sender: Sender;
  recipient: { address: string; name?: string };
  /** The rendered mail; the bodies may come already quoted-printable encoded (mail-plan.ts). */
  rendered: RenderedEmail | EncodedEmail;
  unsubscribeUrl: string;
  /** `unsubscribeUrl` is already the href parseWebUrl gives: not parsed again. */
  unsubscribeUrlChecked?: boolean;
  /** The Date header; now when absent. */
  date?: Date;
}

/** A rendered mail whose bodies are written by a plan (mail-plan.ts). */
export interface EncodedEmail {
  subject: string;
  text: Exclude<MimeBody, string>;
  html: Exclude<MimeBody, string>;
}

/** Bytes of one body part; a larger body is refused (a template or copy gone wrong). */
export const MAX_BODY_CHARS = 1_000_000;

/** Builds one marketing mail: validated headers, deterministic Message-ID, MIME composed. */
export function buildEmailMessage(input: EmailMessageInput): EmailMessage {
  const fromAddress = senderHeadersOf(input.sender).address;
  const toAddress = validateEmailAddress(input.recipient.address, 'recipient.address');
  const key = {
    campaignId: input.campaignId,
    customerId: input.customerId,
    channel: input.channel ?? 'email',
  };
  const hash = deliveryHash(key);
  const messageId = messageIdOfHash(hash, addressDomain(fromAddress));
  const headers = buildEmailHeaders({
    campaignId: input.campaignId,
    messageId,
    sender: input.sender,
    recipient: { address: toAddress, name: input.recipient.name },
    recipientAddressChecked: true,
    subject: input.rendered.subject,
    unsubscribeUrl: input.unsubscribeUrl,
    unsubscribeUrlChecked: input.unsubscribeUrlChecked,
    date: input.date ?? new Date(),
  });
  for (const part of ['text', 'html'] as const) {
    const body = input.rendered[part];
    // A planned body (mail-plan.ts) was checked on its plan's first mail, rendered in full; the
    // others differ from it only by per-customer values of at most a few hundred characters.
    if (typeof body === 'string' && body.length > MAX_BODY_CHARS) {
      throw new MessageInputError(part, `is ${body.length} characters; at most ${MAX_BODY_CHARS}`);
    }
  }
  const raw = composeMime(headers, {
    text: input.rendered.text,
    html: input.rendered.html,
    // '=_' never occurs in quoted-printable output, so the boundary cannot collide with a body.
    boundary: `=_tailor_${hash}`,
  });
  return new ComposedEmail(input.campaignId, input.customerId, messageId, fromAddress, toAddress, raw);
}

/**
 * A built message. A class, not an object literal with a getter: a chunk's messages all share one
 * shape and one `headers` getter, instead of a getter function made for each mail.
 */
class ComposedEmail implements EmailMessage {
  readonly envelope: { from: string; to: string };

  constructor(
    readonly campaignId: string,
    readonly customerId: string,
    readonly messageId: string,
    from: string,
    to: string,
    readonly raw: Buffer,
  ) {
    this.envelope = { from, to };
  }

  get headers(): EmailHeaders {
    return headersOf(this.raw);
  }
}

/** The header block of a composed message, unfolded: each header's value as built. */
export function headersOf(raw: Buffer): EmailHeaders {
  const text = raw.toString('latin1');
  const head = text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n /g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(': ');
    headers[line.slice(0, colon)] = line.slice(colon + 2);
  }
  return headers as unknown as EmailHeaders;
}
