import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { EmailCampaign } from '../../src/dispatch/prepare-email.js';
import type { EmailCopy } from '../../src/generation/copywriter.js';

export const sender = {
  name: "Rosie's Homeware",
  address: 'news@rosies.example.com',
  postalAddress: '1 High Street, Bristol BS1 1AA, UK',
};

export const campaign: EmailCampaign = {
  campaignId: 'spring-2026',
  template: 'default',
  sender,
  brand: { name: "Rosie's Homeware", websiteUrl: 'https://rosies.example.com' },
  currency: 'GBP',
  publicUrl: 'https://rosies.example.com',
};

export const copy: EmailCopy = {
  subject: 'Picked for you: White Hanging Heart T-Light Holder',
  preheader: 'A few favourites, chosen for you.',
  body: 'Hi Ann,\n\nWe picked a few things we think you will like:\n\n- White Hanging Heart (£2.95)\n- Regency Cakestand (£12.75)\n\nTake a look while they are in stock.\n\nRosie',
};

export const products = [
  { title: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.95, url: 'https://rosies.example.com/p/85123A' },
  { title: 'REGENCY CAKESTAND 3 TIER', price: 12.75, url: 'https://rosies.example.com/p/22423' },
  { title: 'JUMBO BAG RED RETROSPOT', price: 2.08, url: 'https://rosies.example.com/p/85099B' },
];

export function customer(i: number) {
  return { id: `C${1000 + i}`, email: `customer${i}@example.com`, firstName: `Ann${i}` };
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `tailor-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface SmtpSink {
  url: string;
  /** Raw messages received, in arrival order. */
  received: { to: string[]; raw: Buffer }[];
  /** Addresses rejected at RCPT TO, with the code given. */
  rejected: { address: string; code: number }[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server in-process. `reply(address)` decides the RCPT TO answer: undefined
 * accepts, a number rejects with that code (451 transient, 550 permanent).
 */
export async function startSmtpSink(
  reply: (address: string) => number | undefined = () => undefined,
): Promise<SmtpSink> {
  const received: SmtpSink['received'] = [];
  const rejected: SmtpSink['rejected'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const code = reply(address.address);
      if (code === undefined) return callback();
      rejected.push({ address: address.address, code });
      const error = new Error(code >= 500 ? 'mailbox unavailable' : 'try again later') as Error & {
        responseCode: number;
      };
      error.responseCode = code;
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  server.on('error', () => {}); // a client's reset socket is not the sink's failure
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rejected,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
