import { createHmac, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from '../util/hmac-sha256.js';

/**
 * Compact signed tokens for the links in a mail (unsubscribe, click, open). A token is one
 * base64url string: a small binary payload (version, kind, length-prefixed UTF-8 fields)
 * followed by the first 16 bytes of an HMAC-SHA256 over it. 128 bits of MAC is what RFC 2104
 * allows for a truncated HMAC and keeps a link short (about 70 characters for an unsubscribe).
 *
 * `extra` is signed but not carried (the click target travels in the query string, readable by
 * the recipient, and cannot be changed without breaking the MAC). Verification is constant
 * time and tries every secret given, newest first, so a rotated secret keeps old mails working.
 */

const VERSION = 1;
const MAC_BYTES = 16;
/** Longest token accepted before any decoding: a bound on work per request. */
export const MAX_TOKEN_CHARS = 600;
const MAX_FIELDS = 8;
const MAX_FIELD_BYTES = 255;

/** What a token is for: part of the signed payload, so one kind never verifies as another. */
export const TOKEN_KIND = { unsubscribe: 0x75, click: 0x63, open: 0x6f } as const;
export type TokenKind = keyof typeof TOKEN_KIND;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A value (e.g. a customer id) too long to sign into a link: one recipient's problem. */
export class LinkFieldTooLongError extends Error {
  override readonly name = 'LinkFieldTooLongError';
  constructor(field: number, bytes: number) {
    super(`link token field ${field} is ${bytes} bytes; at most ${MAX_FIELD_BYTES}`);
  }
}

export class LinkSigner {
  private readonly keys: HmacSha256[];

  /** `secrets[0]` signs; all of them verify (the others are previous secrets being retired). */
  constructor(secrets: readonly Buffer[]) {
    if (secrets.length === 0) throw new Error('LinkSigner needs at least one secret');
    // One derived key per purpose: the raw secret is never used as an HMAC key directly.
    this.keys = secrets.map(
      (secret) => new HmacSha256(createHmac('sha256', secret).update('tailor-links-v1').digest()),
    );
  }

  sign(kind: TokenKind, fields: readonly string[], extra = ''): string {
    const payload = encodePayload(TOKEN_KIND[kind], fields);
    const token = Buffer.allocUnsafe(payload.length + MAC_BYTES);
    payload.copy(token, 0);
    this.keys[0].macInto(payload, macTail(extra), token, payload.length, MAC_BYTES);
    return token.toString('base64url');
  }

  /** The fields of a valid token of this kind, or null (malformed, tampered, other kind, other secret). */
  verify(token: string, kind: TokenKind, extra = ''): string[] | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) return null;
    const bytes = Buffer.from(token, 'base64url');
    // Re-encoding must give the same text: no second spelling of one token.
    if (bytes.length <= MAC_BYTES + 2 || bytes.toString('base64url') !== token) return null;
    const payload = bytes.subarray(0, bytes.length - MAC_BYTES);
    const given = bytes.subarray(bytes.length - MAC_BYTES);
    let valid = false;
    for (const key of this.keys) {
      // Every key is tried, so the time taken does not say which one matched.
      if (timingSafeEqual(key.mac(payload, macTail(extra), MAC_BYTES), given)) valid = true;
    }
    if (!valid) return null;
    return decodePayload(payload, TOKEN_KIND[kind]);
  }
}

/**
 * What the MAC covers after the payload: a zero byte, then `extra` in UTF-8. The separator keeps
 * (payload, extra) pairs unambiguous: the payload is self-delimiting.
 */
function macTail(extra: string): string {
  return `\u0000${extra}`;
}

function encodePayload(kind: number, fields: readonly string[]): Buffer {
  if (fields.length > MAX_FIELDS) throw new Error(`a link token holds at most ${MAX_FIELDS} fields`);
  const parts: Buffer[] = [Buffer.from([VERSION, kind, fields.length])];
  fields.forEach((field, i) => {
    const bytes = Buffer.from(String(field), 'utf8');
    if (bytes.length > MAX_FIELD_BYTES) {
      throw new LinkFieldTooLongError(i, bytes.length);
    }
    parts.push(Buffer.from([bytes.length]), bytes);
  });
  return Buffer.concat(parts);
}

function decodePayload(payload: Buffer, kind: number): string[] | null {
  if (payload[0] !== VERSION || payload[1] !== kind) return null;
  const count = payload[2];
  const fields: string[] = [];
  let at = 3;
  for (let i = 0; i < count; i++) {
    if (at >= payload.length) return null;
    const length = payload[at++];
    if (at + length > payload.length) return null;
    fields.push(payload.subarray(at, at + length).toString('utf8'));
    at += length;
  }
  return at === payload.length ? fields : null;
}
