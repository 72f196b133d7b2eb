import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileOnce } from './atomic-file.js';
import { assertCampaignId } from './campaign-id.js';
import { classifyDeliveryError } from './delivery-errors.js';
import type { EmailMessage } from './email-message.js';
import { outboxFileName } from './message-id.js';
import type { DeliveryReceipt, MailTransport } from './transport.js';

export interface OutboxTransportOptions {
  /** Root of the outbox; a campaign's mails go to `<dir>/<campaignId>/`. */
  dir: string;
  /**
   * fsync each file and its directory before the send counts as done (default true). A process
   * crash never loses a written file either way; fsync also covers a host crash, at a cost of
   * a few milliseconds per mail.
   */
  fsync?: boolean;
  /** Parallel writes (default 8). */
  concurrency?: number;
}

/** Where a campaign's outbox files go. */
export function campaignOutboxDir(outboxDir: string, campaignId: string): string {
  return join(resolve(outboxDir), assertCampaignId(campaignId));
}

/**
 * The demo's transport: each mail becomes `<dir>/<campaignId>/<message-id>.eml`. Strictly
 * exactly-once: the file is named by the deterministic Message-ID and created atomically only if
 * absent, so a re-send after a crash finds it and writes nothing.
 */
export class OutboxTransport implements MailTransport {
  readonly kind = 'outbox';
  readonly exactlyOnce = true;
  readonly concurrency: number;
  private readonly dir: string;
  private readonly fsync: boolean;
  private readonly madeDirs = new Set<string>();

  constructor(options: OutboxTransportOptions) {
    this.dir = resolve(options.dir);
    this.fsync = options.fsync ?? true;
    this.concurrency = options.concurrency ?? 8;
  }

  /** The file a message is (or will be) written to. */
  pathOf(message: Pick<EmailMessage, 'campaignId' | 'messageId'>): string {
    return join(campaignOutboxDir(this.dir, message.campaignId), outboxFileName(message.messageId));
  }

  async send(message: EmailMessage): Promise<DeliveryReceipt> {
    const path = this.pathOf(message);
    try {
      const dir = campaignOutboxDir(this.dir, message.campaignId);
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const outcome = await writeFileOnce(path, message.raw, { fsync: this.fsync });
      return {
        accepted: [message.envelope.to],
        response: outcome === 'created' ? `written ${path}` : `already in outbox ${path}`,
        duplicate: outcome === 'exists',
        bytes: message.raw.length,
      };
    } catch (error) {
      throw classifyDeliveryError(error);
    }
  }

  async close(): Promise<void> {}
}
