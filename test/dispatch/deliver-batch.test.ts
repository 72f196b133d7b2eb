import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryRetryError, deliverBatch, type PreparedEmail } from '../../src/dispatch/deliver-batch.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../src/dispatch/delivery-errors.js';
import { OutboxTransport } from '../../src/dispatch/outbox-transport.js';
import { prepareEmail } from '../../src/dispatch/prepare-email.js';
import { SendLedger } from '../../src/dispatch/send-ledger.js';
import { SmtpTransport, smtpUrlFromEnv } from '../../src/dispatch/smtp-transport.js';
import { StreamTransport } from '../../src/dispatch/stream-transport.js';
import { SuppressionList } from '../../src/dispatch/suppression.js';
import { createTransport, type MailTransport } from '../../src/dispatch/transport.js';
import { createRedisClient } from '../../src/queues/redis-connection.js';
import { type RedisServerHandle, startRedisServer } from '../../src/queues/redis-server.js';
import { campaign, copy, customer, products, type SmtpSink, startSmtpSink, tempDir } from './support.js';

const dir = tempDir('deliver');
let server: RedisServerHandle;
let redis: Redis;
let ledger: SendLedger;
let suppression: SuppressionList;

beforeAll(async () => {
  server = await startRedisServer({ dataDir: join(dir.path, 'redis') });
  redis = createRedisClient(server.url);
  ledger = new SendLedger(redis);
  suppression = new SuppressionList(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
  dir.remove();
});
beforeEach(async () => {
  await redis.flushall();
});

function prepare(from: number, to: number): PreparedEmail[] {
  return Array.from({ length: to - from }, (_, i) =>
    prepareEmail(campaign, customer(from + i), copy, products),
  );
}

async function messageIds(sink: SmtpSink): Promise<string[]> {
  return Promise.all(sink.received.map(async (m) => (await simpleParser(m.raw)).messageId ?? ''));
}

describe('deliverBatch over SMTP', () => {
  let sink: SmtpSink;
  let transport: MailTransport;
  const replies = new Map<string, number>();

  beforeAll(async () => {
    sink = await startSmtpSink((address) => replies.get(address));
    transport = createTransport({ kind: 'smtp', url: sink.url, maxConnections: 3 });
  });
  afterAll(async () => {
    await transport?.close();
    await sink?.stop();
  });
  beforeEach(() => {
    replies.clear();
    sink.received.length = 0;
    sink.rejected.length = 0;
  });

  it('sends each eligible customer once, skips suppressed and planned skips, and sends nothing on a re-run', async () => {
    const messages = prepare(0, 20);
    await suppression.add(messages[3].email, 'unsubscribed');
    await suppression.add(messages[7].email.toUpperCase(), 'complained');
    const skips = [{ field: 'C1999:email', reason: 'no-consent' }];

    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      skips,
      ledger,
      suppression,
      transport,
    });
    expect(result).toMatchObject({ sent: 18, resent: 0, alreadyDone: 0, retry: 0, failed: {} });
    expect(result.skipped).toEqual({ unsubscribed: 1, complained: 1, 'no-consent': 1 });
    expect(sink.received).toHaveLength(18);
    const ids = await messageIds(sink);
    expect(new Set(ids).size).toBe(18);
    expect(sink.received.flatMap((m) => m.to)).not.toContain(messages[3].email);
    const parsed = await simpleParser(sink.received[0].raw);
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(await ledger.counts(campaign.campaignId)).toEqual({
      total: 21,
      sending: 0,
      sent: 18,
      failed: {},
      skipped: { unsubscribed: 1, complained: 1, 'no-consent': 1 },
    });

    const again = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      skips,
      ledger,
      suppression,
      transport,
    });
    expect(again).toMatchObject({ sent: 0, alreadyDone: 20 });
    expect(sink.received).toHaveLength(18);
  });

  it('records 550 as failed and suppressed, leaves 451 claimable and throws, then the retry sends only those', async () => {
    const messages = prepare(0, 12);
    for (const i of [1, 5]) replies.set(messages[i].email, 550);
    for (const i of [2, 6, 9]) replies.set(messages[i].email, 451);

    const error = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeliveryRetryError);
    expect(error).toBeInstanceOf(TransientDeliveryError);
    const first = (error as DeliveryRetryError).result;
    expect(first).toMatchObject({ sent: 7, retry: 3, failed: { '550': 2 } });
    expect((error as DeliveryRetryError).code).toBe(451);
    expect(sink.received).toHaveLength(7);

    const states = await ledger.states(
      campaign.campaignId,
      messages.map((m) => m.field),
    );
    expect(states[1]).toBe('failed:550');
    expect(states[2]).toMatch(/^sending:/);
    expect(await suppression.checkMany([messages[1].email, messages[5].email, messages[2].email])).toEqual([
      'hard-bounced',
      'hard-bounced',
      null,
    ]);
    expect((await suppression.get(messages[1].email))?.campaignId).toBe(campaign.campaignId);

    // the relay recovers; BullMQ retries the job with the same chunk
    replies.clear();
    const retry = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    });
    expect(retry).toMatchObject({ sent: 3, resent: 3, alreadyDone: 9, retry: 0 });
    expect(sink.received).toHaveLength(10);
    expect(new Set(await messageIds(sink)).size).toBe(10);
    expect(sink.rejected.filter((r) => r.code === 550)).toHaveLength(2); // never retried
    expect(await ledger.counts(campaign.campaignId)).toMatchObject({
      sent: 10,
      failed: { '550': 2 },
      sending: 0,
    });
  });

  it('re-sends a message whose worker died after sending but before marking, with the same Message-ID', async () => {
    const messages = prepare(0, 4);
    // A worker claimed the chunk and sent two mails, then died before its mark reached Redis.
    await ledger.claim(
      campaign.campaignId,
      messages.map((m) => m.field),
    );
    await transport.send(messages[0].message);
    await transport.send(messages[1].message);

    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    });
    expect(result).toMatchObject({ sent: 4, resent: 4 });
    const ids = await messageIds(sink);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(4); // the two re-deliveries carry the ids receivers already saw
    expect(ids.filter((id) => id === messages[0].message.messageId)).toHaveLength(2);
  });

  it('checks suppression just before each chunk: an unsubscribe mid-campaign stops later mails', async () => {
    const messages = prepare(0, 10);
    await deliverBatch({
      campaignId: campaign.campaignId,
      messages: messages.slice(0, 5),
      ledger,
      suppression,
      transport,
    });
    await suppression.add(messages[7].email, 'unsubscribed', { campaignId: campaign.campaignId });
    const second = await deliverBatch({
      campaignId: campaign.campaignId,
      messages: messages.slice(5),
      ledger,
      suppression,
      transport,
    });
    expect(second).toMatchObject({ sent: 4, skipped: { unsubscribed: 1 } });
    expect(sink.received.flatMap((m) => m.to)).not.toContain(messages[7].email);
  });

  it('marks as sends complete over SMTP, in coalesced round trips', async () => {
    const messages = prepare(0, 30);
    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    });
    expect(result.sent).toBe(30);
    // one claim round trip, then marks while sending: more than one, never more than one per mail
    expect(result.roundTrips).toBeGreaterThan(2);
    expect(result.roundTrips).toBeLessThanOrEqual(31);
  });
});

describe('deliverBatch when the relay is unusable', () => {
  it('stops at the first connection failure, leaves every field claimable, and throws a transient error', async () => {
    const gone = await startSmtpSink();
    await gone.stop(); // nothing listens on that port now
    const transport = new SmtpTransport({ url: gone.url, maxConnections: 2, connectionTimeoutMs: 2000 });
    const messages = prepare(0, 8);
    const error = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    }).catch((e: unknown) => e);
    await transport.close();
    expect(error).toBeInstanceOf(DeliveryRetryError);
    expect((error as DeliveryRetryError).scope).toBe('connection');
    expect((error as DeliveryRetryError).result).toMatchObject({ sent: 0, retry: 8, failed: {} });
    expect(await ledger.counts(campaign.campaignId)).toMatchObject({ total: 8, sending: 8 });
    expect(await suppression.size()).toBe(0);
  });

  it('treats an authentication failure as our configuration, never the recipient, and keeps the password out', async () => {
    const smtp = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
    });
    smtp.on('error', () => {});
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    const transport = new SmtpTransport({ url: `smtp://mailer:s3cret-pw@127.0.0.1:${port}` });
    expect(transport.description).toBe(`smtp smtp://mailer:***@127.0.0.1:${port}`);
    const error = await transport.send(prepare(0, 1)[0].message).catch((e: unknown) => e);
    await transport.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    expect(error).toBeInstanceOf(TransientDeliveryError);
    expect(error).not.toBeInstanceOf(PermanentDeliveryError);
    expect((error as TransientDeliveryError).scope).toBe('connection');
    expect((error as Error).message).toMatch(/check the relay settings/);
    expect(
      JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack }),
    ).not.toContain('s3cret');
  });

  it('says how to set SMTP_URL when it is missing', () => {
    expect(() => smtpUrlFromEnv({})).toThrow(/SMTP_URL is not set/);
    expect(smtpUrlFromEnv({ SMTP_URL: ' smtp://relay:25 ' })).toBe('smtp://relay:25');
  });
});

describe('outbox transport', () => {
  it('writes a valid .eml once, never twice, and batches the ledger per chunk', async () => {
    const outbox = tempDir('outbox');
    const transport = new OutboxTransport({ dir: outbox.path });
    const messages = prepare(0, 10);
    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    });
    expect(result).toMatchObject({ sent: 10, duplicates: 0, roundTrips: 2 }); // one claim, one mark
    const campaignDir = join(outbox.path, campaign.campaignId);
    const files = readdirSync(campaignDir);
    expect(files).toHaveLength(10); // no temporary files left behind
    const path = transport.pathOf(messages[0].message);
    expect(path).toBe(join(campaignDir, `${messages[0].message.messageId.slice(1, 33)}.eml`));
    const before = statSync(path);
    const parsed = await simpleParser(readFileSync(path));
    expect(parsed.messageId).toBe(messages[0].message.messageId);
    expect(parsed.subject).toBe(copy.subject);
    expect(parsed.html).toContain('Regency Cakestand 3 Tier');

    // A crash after writing, before marking: the retry finds the files and rewrites nothing.
    await redis.flushall();
    const rebuilt = prepare(0, 10).map((m) => ({ ...m }));
    const retry = await deliverBatch({
      campaignId: campaign.campaignId,
      messages: rebuilt,
      ledger,
      suppression,
      transport,
    });
    expect(retry).toMatchObject({ sent: 10, duplicates: 10 });
    expect(readdirSync(campaignDir)).toHaveLength(10);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);

    // Two writers racing on one message: exactly one file, one of them told it already existed.
    const twin = prepare(20, 21)[0].message;
    const receipts = await Promise.all([transport.send(twin), transport.send(twin), transport.send(twin)]);
    expect(receipts.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(readdirSync(campaignDir)).toHaveLength(11);
    outbox.remove();
  });

  it('keeps a hostile campaign id from naming a path outside the outbox', async () => {
    const outbox = tempDir('outbox-hostile');
    const transport = new OutboxTransport({ dir: outbox.path, fsync: false });
    const message = { ...prepare(0, 1)[0].message, campaignId: '../../etc' };
    await expect(transport.send(message)).rejects.toThrow(/campaign id/);
    outbox.remove();
  });
});

describe('stream transport', () => {
  it('builds the full message through nodemailer, counts its bytes and delivers nowhere', async () => {
    const transport = new StreamTransport();
    const messages = prepare(0, 5);
    const result = await deliverBatch({
      campaignId: campaign.campaignId,
      messages,
      ledger,
      suppression,
      transport,
    });
    expect(result.sent).toBe(5);
    const stats = transport.stats();
    expect(stats.messages).toBe(5);
    expect(stats.bytes).toBe(messages.reduce((sum, m) => sum + m.message.raw.length, 0));
    await transport.close();
  });
});

describe('deliverBatch input checks', () => {
  it('refuses a field twice in one batch and a skip reason it cannot store', async () => {
    const transport = new StreamTransport({ via: 'count' });
    const [message] = prepare(0, 1);
    await expect(
      deliverBatch({
        campaignId: campaign.campaignId,
        messages: [message, message],
        ledger,
        suppression,
        transport,
      }),
    ).rejects.toThrow(/appears twice/);
    await expect(
      deliverBatch({
        campaignId: campaign.campaignId,
        messages: [],
        skips: [{ field: 'C1:email', reason: 'no consent!' }],
        ledger,
        suppression,
        transport,
      }),
    ).rejects.toThrow(/skip reason/);
    expect(await ledger.counts(campaign.campaignId)).toMatchObject({ total: 0 });
  });
});
