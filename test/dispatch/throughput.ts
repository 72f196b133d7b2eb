/**
 * Dispatch throughput in one process, one JSON line:
 *   npx vite-node test/dispatch/throughput.ts [--messages 20000]
 * Render, render + build, build + stream transport, and the whole deliverBatch path (ledger claim
 * and mark, suppression check) against a real redis-server, in chunks of 1,000.
 * Reference measured in the same run: nodemailer composing the same mail itself (MailComposer
 * through its streamTransport), which is what dispatch would cost without its own composer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { deliverBatch } from '../../src/dispatch/deliver-batch.js';
import { renderEmail } from '../../src/dispatch/email-templates.js';
import { OutboxTransport } from '../../src/dispatch/outbox-transport.js';
import { prepareEmails } from '../../src/dispatch/prepare-chunk.js';
import { type EmailCampaign, prepareEmail } from '../../src/dispatch/prepare-email.js';
import { SendLedger } from '../../src/dispatch/send-ledger.js';
import { StreamTransport } from '../../src/dispatch/stream-transport.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import type { MailTransport } from '../../src/dispatch/transport.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { startRedisServer } from '../../src/queues/redis-server.js';

const argIndex = process.argv.indexOf('--messages');
const messages = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 20_000;

const campaign: EmailCampaign = {
  campaignId: 'bench-campaign',
  template: 'default',
  sender: {
    name: "Rosie's Homeware",
    address: 'news@rosies.example.com',
    postalAddress: '1 High Street, Bristol BS1 1AA, UK',
  },
  brand: { name: "Rosie's Homeware", websiteUrl: 'https://rosies.example.com' },
  currency: 'GBP',
  publicUrl: 'https://rosies.example.com',
};
const copy = {
  subject: 'Picked for you: White Hanging Heart T-Light Holder',
  preheader: 'White Hanging Heart T-Light Holder, Regency Cakestand and more, chosen for you.',
  body:
    'Hi Ann,\n\nThank you for being one of our best customers. Before anyone else, here is what we think you will love next:\n\n' +
    '- White Hanging Heart T-Light Holder (£2.95)\n- Regency Cakestand 3 Tier (£12.75)\n- Jumbo Bag Red Retrospot (£2.08)\n\n' +
    "Take a look while they are in stock.\n\nRosie's Homeware",
};
const products = [
  { title: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.95, url: 'https://rosies.example.com/p/85123A' },
  { title: 'REGENCY CAKESTAND 3 TIER', price: 12.75, url: 'https://rosies.example.com/p/22423' },
  { title: 'JUMBO BAG RED RETROSPOT', price: 2.08, url: 'https://rosies.example.com/p/85099B' },
];
const customer = (i: number) => ({
  id: `C${100000 + i}`,
  email: `customer${i}@example.com`,
  firstName: 'Ann',
});

async function rate(n: number, concurrency: number, one: (i: number) => unknown): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return Math.round(n / ((performance.now() - start) / 1000));
}

const sample = prepareEmail(campaign, customer(0), copy, products);
const renderContext = {
  brand: { name: campaign.brand.name, postalAddress: campaign.sender.postalAddress },
  customer: { firstName: 'Ann' },
  copy,
  products: products.map((p) => ({ title: p.title, price: `£${p.price}`, url: p.url })),
  unsubscribeUrl: 'https://rosies.example.com/u?c=bench-campaign&u=C100000',
};
const reference = nodemailer.createTransport({ streamTransport: true, buffer: true });
const viaNodemailer = new StreamTransport({ via: 'nodemailer' });
const counting = new StreamTransport({ via: 'count' });

// The same work with nodemailer composing the message (render, then MailComposer).
function nodemailerCompose(i: number) {
  const rendered = renderEmail('default', renderContext);
  return reference.sendMail({
    from: { name: campaign.sender.name, address: campaign.sender.address },
    to: { name: 'Ann', address: `customer${i}@example.com` },
    subject: rendered.subject,
    html: rendered.html,
    text: rendered.text,
    messageId: sample.message.messageId,
    headers: {
      'List-Unsubscribe': sample.message.headers['List-Unsubscribe'],
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-ID': sample.message.headers['List-ID'],
      'X-Tailor-Campaign': campaign.campaignId,
    },
  });
}

// Two cores shared with other work: best of three interleaved rounds for each figure.
const best: Record<string, number> = {};
const keep = (name: string, value: number) => {
  best[name] = Math.max(best[name] ?? 0, value);
};
for (let round = 0; round < 3; round++) {
  keep('renderPerSecond', await rate(messages, 1, () => renderEmail('default', renderContext)));
  keep(
    'renderBuildPerSecond',
    await rate(messages, 1, (i) => prepareEmail(campaign, customer(i), copy, products)),
  );
  keep(
    'withCountingStreamPerSecond',
    await rate(messages, 32, (i) =>
      counting.send(prepareEmail(campaign, customer(i), copy, products).message),
    ),
  );
  keep(
    'withNodemailerStreamPerSecond',
    await rate(messages, 32, (i) =>
      viaNodemailer.send(prepareEmail(campaign, customer(i), copy, products).message),
    ),
  );
  keep('referenceNodemailerComposePerSecond', await rate(Math.ceil(messages / 4), 16, nodemailerCompose));
}

// The whole chunk path against a real Redis: prepare 1,000 mails, claim, check suppression,
// send, mark. Each round uses a fresh campaign id so nothing is already done.
const scratch = mkdtempSync(join(tmpdir(), 'tailor-throughput-'));
const redisServer = await startRedisServer({ dataDir: join(scratch, 'redis') });
const redis = createRedisClient(redisServer.url);
const ledger = new SendLedger(redis);
const suppression = new SuppressionList(redis);
let run = 0;
async function deliverAll(transport: MailTransport, n: number): Promise<number> {
  const campaignId = `bench-${run++}`;
  const start = performance.now();
  for (let from = 0; from < n; from += 1000) {
    const recipients = Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({
      customer: customer(from + i),
      copy,
      products,
    }));
    const { messages: chunk, skips } = prepareEmails({ ...campaign, campaignId }, recipients);
    await deliverBatch({ campaignId, messages: chunk, skips, ledger, suppression, transport });
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}
for (let round = 0; round < 3; round++) {
  keep('deliverBatchCountingStreamPerSecond', await deliverAll(counting, messages));
  keep('deliverBatchNodemailerStreamPerSecond', await deliverAll(viaNodemailer, messages));
}
const outboxMessages = Math.min(messages, 2000);
keep(
  'deliverBatchOutboxPerSecond',
  await deliverAll(new OutboxTransport({ dir: join(scratch, 'outbox'), fsync: false }), outboxMessages),
);
keep(
  'deliverBatchOutboxFsyncPerSecond',
  await deliverAll(new OutboxTransport({ dir: join(scratch, 'outbox'), fsync: true }), outboxMessages),
);
redis.disconnect();
await redisServer.stop();
rmSync(scratch, { recursive: true, force: true });
await viaNodemailer.close();

console.log(
  JSON.stringify({
    messages,
    bytesPerMessage: sample.message.raw.length,
    ...best,
    speedupOverNodemailerCompose: Number(
      (best.renderBuildPerSecond / best.referenceNodemailerComposePerSecond).toFixed(2),
    ),
  }),
);
