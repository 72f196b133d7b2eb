import { createHash, hash } from 'node:crypto';
import type { Channel } from '../generation/copywriter.js';
import { assertCampaignId } from './campaign-id.js';

/** What one delivery is about: the send ledger's key and the source of its Message-ID. */
export interface DeliveryKey {
  campaignId: string;
  customerId: string;
  channel: Channel;
}

/** 128 bits of SHA-256 over the delivery key, hex. */
export function deliveryHash(key: DeliveryKey): string {
  assertCampaignId(key.campaignId);
  // JSON keeps the three parts unambiguous whatever characters a customer id holds. The one-shot
  // hash makes no Hash object: this runs for every mail.
  return hash('sha256', JSON.stringify([key.campaignId, key.customerId, key.channel]), 'hex').slice(0, 32);
}

/**
 * The deterministic Message-ID of a delivery: `<hash@sender-domain>`. A re-send after an
 * ambiguous crash carries the same id, so receivers (and the file outbox) see one message.
 */
export function messageIdFor(key: DeliveryKey, senderDomain: string): string {
  return messageIdOfHash(deliveryHash(key), senderDomain);
}

/** messageIdFor from a delivery hash already worked out (the message builder also uses it). */
export function messageIdOfHash(hash: string, senderDomain: string): string {
  return `<${hash}@${senderDomain}>`;
}

const SAFE_LOCAL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A file name for a message in the outbox, derived from its Message-ID: the id's local part when
 * it is plain (Tailor's own ids are hex), else a hash of the whole id, so no id can name a path
 * outside the campaign's directory.
 */
export function outboxFileName(messageId: string): string {
  const inner = messageId.replace(/^<|>$/g, '');
  const local = inner.slice(0, inner.lastIndexOf('@'));
  if (SAFE_LOCAL.test(local)) return `${local}.eml`;
  return `${createHash('sha256').update(messageId).digest('hex').slice(0, 40)}.eml`;
}
