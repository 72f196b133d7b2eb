import { SMTPServer } from 'smtp-server';
import type { Mulberry32 as SeededRandom } from '../../src/util/mulberry32.js';

/**
 * The relay of a chaos run: a real SMTP server (smtp-server) in the harness process. It answers
 * 550 at RCPT TO for a fixed list of addresses, 451 for a random share of the other messages,
 * and accepts the rest. A message counts as delivered once its DATA is complete and answered
 * 250; what the sink counts is what a receiving system would have seen.
 */
export interface ChaosSinkOptions {
  hardBounces: ReadonlySet<string>;
  /** Share of messages answered 451 (default 0.1). */
  transientRate?: number;
  random: SeededRandom;
  /** Wait this long before answering 250 to a message's data (a relay slow to queue it). */
  acceptDelayMs?: number;
  /** Wait this long before answering RCPT TO (a relay across the internet checking the recipient). */
  recipientDelayMs?: number;
}

export interface SinkDelivery {
  messageId: string;
  to: string[];
  /** performance.now() when the message was accepted. */
  at: number;
}

export class ChaosSink {
  /** Every accepted message, in arrival order (a re-delivery appears again). */
  readonly deliveries: SinkDelivery[] = [];
  /** 451 answers given. */
  transientFailures = 0;
  /** 550 answers given. */
  permanentRefusals = 0;
  private server?: SMTPServer;
  port = 0;

  constructor(private readonly options: ChaosSinkOptions) {}

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const { hardBounces, random } = this.options;
    const rate = this.options.transientRate ?? 0.1;
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const answer = () => {
          const to = address.address.toLowerCase();
          if (hardBounces.has(to)) {
            this.permanentRefusals++;
            return callback(smtpError(550, '5.1.1 mailbox unavailable'));
          }
          if (random.chance(rate)) {
            this.transientFailures++;
            return callback(smtpError(451, '4.3.0 try again later'));
          }
          callback();
        };
        if (this.options.recipientDelayMs) setTimeout(answer, this.options.recipientDelayMs);
        else answer();
      },
      onData: (stream, session, callback) => {
        // Only the header block is needed: the Message-ID.
        let head = '';
        stream.on('data', (chunk: Buffer) => {
          if (head.length < 16_384 && !head.includes('\r\n\r\n')) head += chunk.toString('latin1');
        });
        stream.on('end', async () => {
          if (this.options.acceptDelayMs) await new Promise((r) => setTimeout(r, this.options.acceptDelayMs));
          const end = head.indexOf('\r\n\r\n');
          const headers = end < 0 ? head : head.slice(0, end);
          const messageId = /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(headers)?.[1] ?? '';
          this.deliveries.push({
            messageId,
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            at: performance.now(),
          });
          callback();
        });
      },
    });
    const server = this.server;
    // A worker SIGKILLed mid-conversation resets its connection: expected, not an error here.
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}
