import type { EmailMessage } from './email-message.js';
import { OutboxTransport, type OutboxTransportOptions } from './outbox-transport.js';
import { SmtpTransport, type SmtpTransportOptions } from './smtp-transport.js';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.js';

export interface DeliveryReceipt {
  /** Recipients the transport accepted. */
  accepted: string[];
  /** The relay's answer, or what the transport did (`250 ...`, `written <file>`). */
  response: string;
  /** The transport knows this Message-ID was already delivered and did nothing (file outbox). */
  duplicate: boolean;
  /** Size of the message on the wire. */
  bytes: number;
}

/**
 * What dispatch needs of a transport. `send` resolves with a receipt or rejects with a
 * TransientDeliveryError or PermanentDeliveryError (see delivery-errors.ts).
 */
export interface MailTransport {
  readonly kind: 'outbox' | 'smtp' | 'stream';
  /** How many sends at once keep it busy (the SMTP pool size). */
  readonly concurrency: number;
  /**
   * A re-send of a Message-ID cannot reach anyone twice (the outbox checks its file; the stream
   * transport delivers nowhere), so marks may be batched per chunk. False for SMTP: marks are
   * written as sends complete, to keep re-sends after a crash to what was in flight.
   */
  readonly exactlyOnce: boolean;
  send(message: EmailMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

export type TransportConfig =
  | ({ kind: 'outbox' } & OutboxTransportOptions)
  | ({ kind: 'smtp' } & SmtpTransportOptions)
  | ({ kind: 'stream' } & StreamTransportOptions);

export function createTransport(config: TransportConfig): MailTransport {
  switch (config.kind) {
    case 'outbox':
      return new OutboxTransport(config);
    case 'smtp':
      return new SmtpTransport(config);
    case 'stream':
      return new StreamTransport(config);
    default:
      throw new Error(
        `unknown transport ${JSON.stringify((config as { kind: unknown }).kind)}: use outbox, smtp or stream`,
      );
  }
}
