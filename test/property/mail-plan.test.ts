import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { campaignLinks } from '../../src/audience/campaign-links.js';
import { LinkSigner } from '../../src/audience/signed-token.js';
import { MailPlanner } from '../../src/dispatch/mail-plan.js';
import { prepareEmails } from '../../src/dispatch/prepare-chunk.js';
import { type EmailCampaign, prepareEmail } from '../../src/dispatch/prepare-email.js';
import type { EmailCopy } from '../../src/generation/copywriter.js';
import { hostileText, hostileUrl } from './hostile-text.js';

/**
 * Mail plans (src/dispatch/mail-plan.ts) must give every customer the very bytes a full render
 * gives, whatever the names, titles, prices, links and copy are: compared message by message.
 */

const DATE = new Date('2026-11-23T10:00:00Z');

function campaignWith(tracking: { clicks: boolean; opens: boolean }, extra: Partial<EmailCampaign> = {}) {
  const links = campaignLinks(new LinkSigner([Buffer.alloc(32, 9)]), {
    campaignId: 'plan-1',
    base: new URL('https://shop.example.com/'),
    tracking,
  });
  const campaign: EmailCampaign = {
    campaignId: 'plan-1',
    template: 'default',
    sender: { name: 'Rosie’s Homeware', address: 'news@shop.example.com', postalAddress: '1 Example Street' },
    brand: { name: 'Rosie’s Homeware', websiteUrl: 'https://shop.example.com' },
    currency: 'GBP',
    ...links,
    ...extra,
  };
  return campaign;
}

const plainName = fc.constantFrom(
  'Ann',
  'Zoë',
  'Mary Ann',
  '',
  'O’Brien',
  "O'Neil",
  'Jo & Al',
  '<b>Bo</b>',
  'Łukasz',
  '陳',
);
const nameArb = fc.oneof({ arbitrary: plainName, weight: 3 }, { arbitrary: hostileText(3), weight: 1 });
const productArb = fc.record({
  title: fc.oneof(
    fc.constantFrom('WHITE HANGING HEART T-LIGHT HOLDER', 'Jumbo bag red retrospot', '', 'Mug & saucer'),
    hostileText(2),
  ),
  price: fc.oneof(fc.double({ min: 0, max: 500, noNaN: true }), fc.constant(Number.NaN)),
  url: fc.oneof(fc.constantFrom('https://shop.example.com/p/85123A', ''), hostileUrl),
});
const copyArb = fc.record({
  subject: fc.oneof(fc.constant('Winter favourites for you'), hostileText(3)),
  preheader: fc.oneof(fc.constant('New in: candles'), hostileText(2)),
  body: fc.oneof(fc.constant('Hi Ann,\n\nOur winter range is in.\n\n- Candles\n- Mugs'), hostileText(5)),
});
const recipientArb = fc.record({
  id: fc.oneof(fc.constantFrom('C1', 'C2', '12345'), fc.string({ minLength: 1, maxLength: 20 })),
  email: fc.oneof(fc.constantFrom('ann@example.com', 'bob@shop.example.co.uk', 'broken'), hostileText(1)),
  firstName: nameArb,
  copy: fc.nat(2),
  products: fc.oneof(fc.constant([0, 1, 2]), fc.array(fc.nat(4), { maxLength: 4 })),
});

/** Full render, one by one: the reference. Skips and refusals must come out the same too. */
function oneByOne(campaign: EmailCampaign, recipients: Parameters<typeof prepareEmails>[1]) {
  return recipients.map(({ customer, copy, products }) => {
    try {
      return prepareEmail(campaign, customer, copy, products, DATE).message.raw.toString('latin1');
    } catch (error) {
      return `error ${(error as Error).name}: ${(error as Error).message}`;
    }
  });
}

function planned(campaign: EmailCampaign, recipients: Parameters<typeof prepareEmails>[1]) {
  const planner = new MailPlanner(campaign, DATE);
  const out = recipients.map(({ customer, copy, products }) => {
    try {
      return planner.prepare(customer, copy, products).message.raw.toString('latin1');
    } catch (error) {
      return `error ${(error as Error).name}: ${(error as Error).message}`;
    }
  });
  return { out, planner };
}

describe('mail plans', () => {
  it('give every customer the same bytes as a full render (hostile names, titles, links, copy)', () => {
    fc.assert(
      fc.property(
        fc.array(copyArb, { minLength: 3, maxLength: 3 }),
        fc.array(productArb, { minLength: 5, maxLength: 5 }),
        fc.array(recipientArb, { minLength: 1, maxLength: 30 }),
        fc.record({ clicks: fc.boolean(), opens: fc.boolean() }),
        (copies: EmailCopy[], catalogue, people, tracking) => {
          const campaign = campaignWith(tracking);
          const recipients = people.map((p) => ({
            customer: { id: p.id, email: p.email, firstName: p.firstName },
            copy: copies[p.copy],
            products: p.products.map((i) => catalogue[i]),
          }));
          expect(planned(campaign, recipients).out).toEqual(oneByOne(campaign, recipients));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fill most mails in from a plan rather than rendering each in full', () => {
    const campaign = campaignWith({ clicks: true, opens: true });
    const copy = { subject: 'Winter favourites', preheader: 'New in', body: 'Our winter range is in.' };
    const product = {
      title: 'JUMBO BAG RED RETROSPOT',
      price: 2.08,
      url: 'https://shop.example.com/p/85099B',
    };
    const recipients = Array.from({ length: 200 }, (_, i) => ({
      customer: { id: `C${i}`, email: `c${i}@example.com`, firstName: i % 10 === 0 ? '' : `Name${i}` },
      copy,
      products: [product, product, product].slice(0, i % 4),
    }));
    const { out, planner } = planned(campaign, recipients);
    expect(out).toEqual(oneByOne(campaign, recipients));
    // 6 shapes (a name with 0 to 3 products; no name, every tenth customer, with 0 or 2): one
    // full render each, the other 194 mails filled in.
    expect(planner.stats).toEqual({ planned: 194, full: 6, plans: 6, unplannable: 0 });
    expect(
      prepareEmails(campaign, recipients, DATE).messages.map((m) => m.message.raw.toString('latin1')),
    ).toEqual(out);
  });

  describe('a template that uses a value beyond showing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tailor-plan-templates-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('gets no plan: its mails are rendered in full, still right', () => {
      mkdirSync(join(dir, 'lookup'));
      writeFileSync(join(dir, 'lookup', 'subject.hbs'), '{{subject}}');
      // `lookup` by the customer's first name: a plan's marker would look up something else.
      writeFileSync(join(dir, 'lookup', 'html.hbs'), '<p>{{lookup brand firstName}}{{firstName}}</p>');
      writeFileSync(join(dir, 'lookup', 'text.hbs'), '{{firstName}} {{unsubscribeUrl}}');
      const campaign = campaignWith(
        { clicks: false, opens: false },
        { template: 'lookup', templatesDir: dir },
      );
      const copy = { subject: 'Hi', preheader: '', body: 'x' };
      const recipients = ['Ann', 'name', 'Bob', 'name'].map((firstName, i) => ({
        customer: { id: `C${i}`, email: `c${i}@example.com`, firstName },
        copy,
        products: [],
      }));
      const { out, planner } = planned(campaign, recipients);
      expect(out).toEqual(oneByOne(campaign, recipients));
      expect(out[0]).not.toContain('Rosie');
      expect(out[1]).toContain('Rosie');
      expect(planner.stats).toEqual({ planned: 0, full: 4, plans: 0, unplannable: 0 });
    });
  });
});
