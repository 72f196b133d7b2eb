import fc from 'fast-check';
import { type AddressObject, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildEmailMessage } from '../../src/dispatch/email-message.js';
import {
  InvalidAddressError,
  MessageInputError,
  validateEmailAddress,
} from '../../src/dispatch/header-safety.js';
import { messageIdFor, outboxFileName } from '../../src/dispatch/message-id.js';
import { encodeQuotedPrintable, foldHeader } from '../../src/dispatch/mime-encoding.js';
import { prepareEmails } from '../../src/dispatch/prepare-chunk.js';
import { prepareEmail } from '../../src/dispatch/prepare-email.js';
import { unsubscribeUrl } from '../../src/dispatch/unsubscribe-url.js';
import { campaign, copy, customer, products, sender } from './support.js';

const rendered = { subject: 'Hello there', html: '<p>Hello</p>', text: 'Hello\n' };
const link = 'https://rosies.example.com/u?c=spring-2026&u=C1';

function build(overrides: Partial<Parameters<typeof buildEmailMessage>[0]> = {}) {
  return buildEmailMessage({
    campaignId: 'spring-2026',
    customerId: 'C1',
    sender,
    recipient: { address: 'ann@example.com', name: 'Ann' },
    rendered,
    unsubscribeUrl: link,
    date: new Date('2026-03-01T09:30:00Z'),
    ...overrides,
  });
}

/** Header names of the top-level header block, as they appear on the wire. */
function headerNames(raw: Buffer): string[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0];
  return head
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')));
}

function addresses(field: AddressObject | AddressObject[] | undefined) {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((a) => a.value.map((v) => ({ name: v.name, address: v.address })));
}

describe('buildEmailMessage', () => {
  it('carries every marketing header, parses back, and is 7-bit with CRLF lines', async () => {
    const message = build();
    const text = message.raw.toString('latin1');
    expect(text).toMatch(/^[\t\r\n\x20-\x7e]*$/); // 7-bit, printable
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(text.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(headerNames(message.raw)).toEqual([
      'From',
      'To',
      'Subject',
      'Date',
      'Message-ID',
      'MIME-Version',
      'List-Unsubscribe',
      'List-Unsubscribe-Post',
      'List-ID',
      'X-Tailor-Campaign',
      'Content-Type',
    ]);
    const parsed = await simpleParser(message.raw);
    expect(addresses(parsed.from)).toEqual([
      { name: "Rosie's Homeware", address: 'news@rosies.example.com' },
    ]);
    expect(addresses(parsed.to)).toEqual([{ name: 'Ann', address: 'ann@example.com' }]);
    expect(parsed.subject).toBe('Hello there');
    expect(parsed.messageId).toBe(message.messageId);
    expect(parsed.date?.toISOString()).toBe('2026-03-01T09:30:00.000Z');
    expect(parsed.html).toBe('<p>Hello</p>');
    expect(parsed.text).toBe('Hello\n');
    const lines = new Map(parsed.headerLines.map((h) => [h.key, h.line]));
    expect(lines.get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines.get('x-tailor-campaign')).toBe('X-Tailor-Campaign: spring-2026');
    const raw = message.raw.toString('latin1');
    expect(raw).toContain(`List-Unsubscribe: <${link}>\r\n`);
    expect(raw).toContain('List-ID: "Rosie\'s Homeware" <marketing.rosies.example.com>\r\n');
    expect(message.envelope).toEqual({ from: 'news@rosies.example.com', to: 'ann@example.com' });
  });

  it('adds a mailto unsubscribe and Reply-To when the sender has them', async () => {
    const message = build({
      sender: {
        ...sender,
        unsubscribeMailto: 'unsubscribe@rosies.example.com',
        replyTo: 'help@rosies.example.com',
      },
    });
    expect(message.headers['List-Unsubscribe']).toBe(
      `<${link}>, <mailto:unsubscribe@rosies.example.com?subject=unsubscribe>`,
    );
    const parsed = await simpleParser(message.raw);
    expect(addresses(parsed.replyTo)).toEqual([{ name: '', address: 'help@rosies.example.com' }]);
  });

  it('derives a deterministic Message-ID from campaign, customer and channel', () => {
    const a = build();
    const b = build({ date: new Date('2027-01-01T00:00:00Z') });
    expect(a.messageId).toBe(b.messageId);
    expect(a.messageId).toMatch(/^<[0-9a-f]{32}@rosies\.example\.com>$/);
    expect(build({ customerId: 'C2' }).messageId).not.toBe(a.messageId);
    expect(build({ campaignId: 'summer-2026' }).messageId).not.toBe(a.messageId);
    const key = { campaignId: 'spring-2026', customerId: 'C1', channel: 'email' } as const;
    expect(messageIdFor(key, 'rosies.example.com')).toBe(a.messageId);
    expect(messageIdFor({ ...key, channel: 'ads' }, 'rosies.example.com')).not.toBe(a.messageId);
    // keys that look alike once joined stay apart
    expect(messageIdFor({ ...key, customerId: 'C1:ads' }, 'x.example')).not.toBe(
      messageIdFor({ ...key, customerId: 'C1', channel: 'ads' }, 'x.example'),
    );
  });

  it('refuses CR/LF and control characters as header injection in every data-built header', async () => {
    const evil = 'Ann\r\nBcc: victim@evil.example\r\n\r\n<script>x</script>';
    const message = build({
      sender: { ...sender, name: `Rosie\r\nX-Injected: 1` },
      recipient: { address: 'ann@example.com', name: evil },
      rendered: { ...rendered, subject: `Sale\nX-Injected: 2\u0000\u2028end` },
    });
    const names = headerNames(message.raw);
    expect(names).not.toContain('Bcc');
    expect(names).not.toContain('X-Injected');
    const parsed = await simpleParser(message.raw);
    expect(parsed.subject).toBe('Sale X-Injected: 2 end');
    expect(addresses(parsed.to)).toEqual([
      { name: 'Ann Bcc: victim@evil.example <script>x</script>', address: 'ann@example.com' },
    ]);
    expect(parsed.bcc).toBeUndefined();
    expect(addresses(parsed.from)[0].name).toBe('Rosie X-Injected: 1');
  });

  it('refuses addresses that are not plain deliverable addresses', () => {
    for (const bad of [
      'ann@example.com\r\nBcc: x@evil.example',
      'Ann <ann@example.com>',
      'ann@example.com, bob@example.com',
      '"ann"@example.com',
      'ann@[127.0.0.1]',
      'ann@localhost',
      'ann@@example.com',
      'ann.@example.com',
      'a@b_c.example',
      '',
    ]) {
      expect(() => build({ recipient: { address: bad } }), bad).toThrow(InvalidAddressError);
    }
    expect(() => build({ sender: { ...sender, address: 'news@' } })).toThrow(/sender\.address/);
    expect(validateEmailAddress(' Ann.Lee+tag@Bücher.Example ', 'email')).toBe(
      'Ann.Lee+tag@xn--bcher-kva.example',
    );
  });

  it('refuses an unsafe unsubscribe URL, an empty subject and over-long values with the field named', () => {
    expect(() => build({ unsubscribeUrl: 'javascript:alert(1)' })).toThrow(/unsubscribeUrl/);
    expect(() => build({ unsubscribeUrl: 'https://user:pw@rosies.example.com/u' })).toThrow(/credentials/);
    expect(() => build({ rendered: { ...rendered, subject: ' \r\n ' } })).toThrow(/subject: is empty/);
    expect(() => build({ rendered: { ...rendered, subject: 'x'.repeat(301) } })).toThrow(MessageInputError);
    expect(() => build({ campaignId: '../etc' })).toThrow(/campaign id/);
    expect(() => build({ rendered: { ...rendered, html: 'x'.repeat(1_000_001) } })).toThrow(/html/);
  });

  it('encodes non-ASCII and encoded-word look-alikes so they read back exactly', async () => {
    const message = build({
      sender: { ...sender, name: 'Rosie’s Café 🏡' },
      recipient: { address: 'ann@example.com', name: 'Ännchen "the" Ü' },
      rendered: {
        subject: `Für dich: ${'Ünïcødé '.repeat(20)}=?UTF-8?B?PHNjcmlwdD4=?=`,
        html: '<p>Grüße 🎉</p>',
        text: 'Grüße\n',
      },
    });
    const parsed = await simpleParser(message.raw);
    expect(parsed.subject).toBe(`Für dich: ${'Ünïcødé '.repeat(20)}=?UTF-8?B?PHNjcmlwdD4=?=`);
    expect(addresses(parsed.from)[0].name).toBe('Rosie’s Café 🏡');
    expect(addresses(parsed.to)[0].name).toBe('Ännchen "the" Ü');
    expect(parsed.html).toBe('<p>Grüße 🎉</p>');
    const lines = message.raw.toString('latin1').split('\r\n');
    expect(lines.every((line) => line.length <= 78)).toBe(true);
  });

  it('keeps any text intact through quoted-printable, with lines of at most 76 characters (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), async (body) => {
        const text = body.replace(/\r\n|\r/g, '\n');
        const encoded = encodeQuotedPrintable(text);
        expect(encoded.split('\r\n').every((line) => line.length <= 76)).toBe(true);
        expect(encoded).toMatch(/^[\x20-\x7e\t\r\n]*$/);
        const parsed = await simpleParser(build({ rendered: { subject: 'x', html: '<p>x</p>', text } }).raw);
        // mailparser reads line breaks as \n and drops one trailing line break; the rest is exact
        const expected = text.replace(/[\ud800-\udfff]/gu, '\ufffd');
        expect((parsed.text ?? '').replace(/\n$/, '')).toBe(expected.replace(/\n$/, ''));
      }),
      { numRuns: 300 },
    );
  });

  it('never lets any recipient name or subject add a header (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 120 }),
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 120 }),
        async (name, subject) => {
          let message: ReturnType<typeof build>;
          try {
            message = build({
              recipient: { address: 'ann@example.com', name },
              rendered: { ...rendered, subject },
            });
          } catch (error) {
            expect(error).toBeInstanceOf(MessageInputError); // only an empty subject
            return;
          }
          expect(headerNames(message.raw)).toHaveLength(11);
          const parsed = await simpleParser(message.raw);
          expect(addresses(parsed.to).map((a) => a.address)).toEqual(['ann@example.com']);
          expect(parsed.subject).not.toMatch(/[\r\n]/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('folds long headers at spaces and never splits a word', () => {
    const folded = foldHeader('Subject', 'word '.repeat(40).trim());
    expect(folded.split('\r\n').every((line) => line.length <= 78)).toBe(true);
    expect(folded.replace(/\r\n /g, ' ')).toBe(`Subject: ${'word '.repeat(40).trim()}`);
    const long = `https://rosies.example.com/${'a'.repeat(200)}`;
    expect(foldHeader('List-Unsubscribe', `<${long}>`)).toBe(`List-Unsubscribe: <${long}>`);
  });
});

describe('outboxFileName', () => {
  it('names files by the Message-ID and never leaves the directory', () => {
    expect(outboxFileName('<0123abcd@rosies.example.com>')).toBe('0123abcd.eml');
    for (const id of ['<../../etc/passwd@x>', '<a/b@x>', '<.hidden@x>', '<x>', '<\u0000@x>']) {
      expect(outboxFileName(id)).toMatch(/^[0-9a-f]{40}\.eml$/);
    }
  });
});

describe('prepareEmail', () => {
  it('renders and builds one customer mail with the ledger field and the unsubscribe link', async () => {
    const prepared = prepareEmail(campaign, customer(1), copy, products);
    expect(prepared.field).toBe('C1001:email');
    const parsed = await simpleParser(prepared.message.raw);
    const link = unsubscribeUrl(campaign.publicUrl, campaign.campaignId, 'C1001');
    expect(link).toBe('https://rosies.example.com/u?c=spring-2026&u=C1001');
    expect(prepared.message.headers['List-Unsubscribe']).toBe(`<${link}>`);
    expect(parsed.html).toContain(`href="${link.replace(/&/g, '&amp;').replace(/=/g, '&#x3D;')}"`);
    expect(parsed.text).toContain(`Unsubscribe: ${link}`);
    expect(parsed.subject).toBe(copy.subject);
    expect(parsed.html).toContain('£12.75');
    expect(parsed.html).toContain('Regency Cakestand 3 Tier');
  });

  it('uses a replacement unsubscribe URL builder in both the header and the body', async () => {
    const prepared = prepareEmail(
      { ...campaign, unsubscribeUrlFor: (base, c, u) => `${base}/u/signed-${c}-${u}` },
      customer(2),
      copy,
      products,
    );
    expect(prepared.message.headers['List-Unsubscribe']).toBe(
      '<https://rosies.example.com/u/signed-spring-2026-C1002>',
    );
    expect((await simpleParser(prepared.message.raw)).text).toContain(
      'https://rosies.example.com/u/signed-spring-2026-C1002',
    );
  });
});

describe('prepareEmails', () => {
  it('turns an unmailable address into an invalid-email skip and keeps the others', () => {
    const bad = { ...customer(3), email: 'not-an-address' };
    const { messages, skips } = prepareEmails(campaign, [
      { customer: customer(1), copy, products },
      { customer: bad, copy, products },
      { customer: customer(2), copy, products },
    ]);
    expect(messages.map((m) => m.field)).toEqual(['C1001:email', 'C1002:email']);
    expect(skips).toEqual([{ field: 'C1003:email', reason: 'invalid-email' }]);
    // a problem with the campaign itself is not a per-customer skip
    expect(() =>
      prepareEmails({ ...campaign, sender: { ...sender, address: 'broken' } }, [
        { customer: customer(1), copy, products },
      ]),
    ).toThrow(/sender\.address/);
  });
});
