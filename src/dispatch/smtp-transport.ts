import nodemailer from 'nodemailer';
import { redactUrl } from '../queues/redis-connection.js';
import { classifyDeliveryError } from './delivery-errors.js';
import type { EmailMessage } from './email-message.js';
import type { DeliveryReceipt, MailTransport } from './transport.js';

export interface SmtpTransportOptions {
  /**
   * `smtp://user:pass@host:587` or `smtps://...:465`; defaults to the SMTP_URL environment
   * variable. Credentials come only from here and are never logged or put in errors.
   */
  url?: string;
  /** Pooled connections per process (default 5). */
  maxConnections?: number;
  /** Messages per connection before it is replaced (default 100). */
  maxMessages?: number;
  /** At most this many messages per second per process (default unlimited). */
  ratePerSecond?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export class SmtpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmtpConfigError';
  }
}

/** SMTP_URL, or a clear error saying how to set it. */
export function smtpUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.SMTP_URL?.trim();
  if (!url) {
    throw new SmtpConfigError(
      'SMTP_URL is not set: set it to smtp://user:password@host:587 (or smtps://...:465), or use the outbox transport',
    );
  }
  return url;
}

/**
 * Delivery through a relay with nodemailer's pooled SMTP transport (connection reuse, rate
 * limit, TLS). The message is passed pre-built as `raw` with its envelope.
 */
export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp';
  readonly exactlyOnce = false;
  readonly concurrency: number;
  /** The relay's address without credentials, for logs. */
  readonly description: string;
  private readonly mailer: ReturnType<typeof nodemailer.createTransport>;

  constructor(options: SmtpTransportOptions = {}) {
    const url = options.url ?? smtpUrlFromEnv();
    if (!/^smtps?:\/\//i.test(url))
      throw new SmtpConfigError(`SMTP URL must start with smtp:// or smtps:// (${redactUrl(url)})`);
    this.description = `smtp ${redactUrl(url)}`;
    this.concurrency = options.maxConnections ?? 5;
    this.mailer = nodemailer.createTransport({
      pool: true,
      url,
      maxConnections: this.concurrency,
      maxMessages: options.maxMessages ?? 100,
      ...(options.ratePerSecond ? { rateLimit: options.ratePerSecond, rateDelta: 1000 } : {}),
      connectionTimeout: options.connectionTimeoutMs ?? 30_000,
      greetingTimeout: options.greetingTimeoutMs ?? 30_000,
      socketTimeout: options.socketTimeoutMs ?? 60_000,
      logger: false,
      debug: false,
    });
  }

  async send(message: EmailMessage): Promise<DeliveryReceipt> {
    try {
      const info = await this.mailer.sendMail({
        envelope: message.envelope,
        raw: message.raw,
        messageId: message.messageId,
      });
      return {
        accepted: (info.accepted ?? []).map(String),
        response: String(info.response ?? ''),
        duplicate: false,
        bytes: message.raw.length,
      };
    } catch (error) {
      throw classifyDeliveryError(error);
    }
  }

  async close(): Promise<void> {
    this.mailer.close();
  }
}
