import type { Redis } from 'ioredis';
import { SendLedger } from '../dispatch/send-ledger.js';
import { SuppressionList } from '../dispatch/suppression.js';
import { createTransport, type MailTransport } from '../dispatch/transport.js';
import type { DeliveryConfig } from './stage-context.js';

/** The send ledger, suppression list and one mail transport per worker process (SMTP pool). */
export class DeliveryServices {
  readonly ledger: SendLedger;
  readonly suppression: SuppressionList;
  private transportInstance?: MailTransport;

  constructor(
    redis: Redis,
    readonly config: DeliveryConfig,
  ) {
    this.ledger = new SendLedger(redis);
    this.suppression = new SuppressionList(redis);
  }

  transport(): MailTransport {
    if (!this.transportInstance) {
      const { transport, outboxDir, smtpUrl } = this.config;
      this.transportInstance =
        transport === 'smtp'
          ? createTransport({ kind: 'smtp', url: smtpUrl })
          : transport === 'stream'
            ? createTransport({ kind: 'stream' })
            : createTransport({ kind: 'outbox', dir: outboxDir });
    }
    return this.transportInstance;
  }

  async close(): Promise<void> {
    await this.transportInstance?.close();
    this.transportInstance = undefined;
  }
}
