import { describe, expect, it } from 'vitest';
import { copyKey } from '../../src/generation/copy-key.js';
import {
  type AdCopy,
  COPY_LIMITS,
  type CopyRequest,
  type EmailCopy,
} from '../../src/generation/copywriter.js';
import { countWords, displayTitle, shortenTitle } from '../../src/generation/product-text.js';
import { TemplateCopywriter } from '../../src/generation/template-copywriter.js';

const brand = { name: 'Hearth & Home', voice: 'Warm, playful, never pushy.' };
const uciProducts = [
  { title: 'WHITE HANGING HEART T-LIGHT HOLDER', price: 2.55, url: 'https://shop.example.com/p/85123A' },
  { title: 'SET OF 3 CAKE TINS PANTRY DESIGN ', price: 4.95, url: 'https://shop.example.com/p/22720' },
  { title: 'PACK OF 72 RETROSPOT CAKE CASES', price: 0.55, url: 'https://shop.example.com/p/21212' },
];

function request(overrides: Partial<CopyRequest> = {}): CopyRequest {
  return {
    key: 'k1',
    channel: 'email',
    brand,
    segment: { name: 'Champions', description: 'Bought recently, buy often and spend the most.' },
    products: uciProducts,
    ...overrides,
  };
}

describe('product text', () => {
  it('title-cases all-capital catalogue titles and leaves mixed case alone', () => {
    expect(displayTitle('WHITE HANGING HEART T-LIGHT HOLDER')).toBe('White Hanging Heart T-Light Holder');
    expect(displayTitle('SET OF 3 CAKE TINS PANTRY DESIGN ')).toBe('Set of 3 Cake Tins Pantry Design');
    expect(displayTitle('iPhone case, Blue')).toBe('iPhone case, Blue');
  });

  it('shortens titles at word boundaries without a dangling small word', () => {
    expect(shortenTitle('Set of 3 Cake Tins Pantry Design', 16)).toBe('Set of 3 Cake');
    expect(shortenTitle('Set of 3 Cake Tins', 7)).toBe('Set');
    expect(shortenTitle('Short', 30)).toBe('Short');
  });
});

describe('TemplateCopywriter', () => {
  const writer = new TemplateCopywriter({ currency: 'GBP' });

  it('writes email copy within the limits, marked as fallback', async () => {
    const [result] = await writer.write([
      request({ customer: { firstName: 'Ada', country: 'United Kingdom' } }),
    ]);
    const copy = result.copy as EmailCopy;
    expect(result).toMatchObject({ key: 'k1', channel: 'email', source: 'fallback', reason: 'template' });
    expect(copy.subject.length).toBeLessThanOrEqual(COPY_LIMITS.subject);
    expect(copy.subject.startsWith('Ada, ')).toBe(true);
    expect(copy.preheader.length).toBeLessThanOrEqual(COPY_LIMITS.preheader);
    expect(countWords(copy.body)).toBeLessThanOrEqual(COPY_LIMITS.bodyWords);
    expect(copy.body).toContain('White Hanging Heart T-Light Holder (£2.55)');
    expect(copy.body).toContain('best customers');
    expect(copy.body).not.toMatch(/[A-Z]{4,}/);
  });

  it('writes ad copy within the limits', async () => {
    const [result] = await writer.write([request({ channel: 'ads' })]);
    const copy = result.copy as AdCopy;
    expect(copy.headline.length).toBeLessThanOrEqual(COPY_LIMITS.adHeadline);
    expect(copy.description.length).toBeLessThanOrEqual(COPY_LIMITS.adDescription);
    expect(copy.headline).toMatch(/^White Hanging Heart/);
    expect(copy.description).toContain('Hearth & Home');
  });

  it('fits very long titles and names, and copes with no products', async () => {
    const long = 'EXTRAORDINARILY LONG VINTAGE CHRISTMAS DECORATION WITH GLITTER AND LIGHTS IN A GIFT BOX';
    const results = await writer.write([
      request({
        products: [{ title: long, price: 9.99, url: 'u' }],
        customer: { firstName: 'Bartholomew-Maximilian', country: 'DE' },
      }),
      request({ channel: 'ads', products: [{ title: long, price: 9.99, url: 'u' }] }),
      request({ products: [] }),
      request({ channel: 'ads', products: [] }),
    ]);
    const [email, ad, emptyEmail, emptyAd] = results.map((r) => r.copy);
    expect((email as EmailCopy).subject.length).toBeLessThanOrEqual(COPY_LIMITS.subject);
    expect((ad as AdCopy).headline.length).toBeLessThanOrEqual(COPY_LIMITS.adHeadline);
    expect((ad as AdCopy).headline.length).toBeGreaterThan(5);
    expect((emptyEmail as EmailCopy).subject).toBe('New from Hearth & Home');
    expect((emptyAd as AdCopy).headline).toBe('New at Hearth & Home');
  });

  it('keeps the body within 120 words however many products come in', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      title: `A VERY LONG PRODUCT NAME WITH MANY WORDS NUMBER ${i} IN THE RANGE`,
      price: i,
      url: `u${i}`,
    }));
    const [result] = await writer.write([request({ products: many })]);
    expect(countWords((result.copy as EmailCopy).body)).toBeLessThanOrEqual(COPY_LIMITS.bodyWords);
  });

  it('takes its register from the segment', async () => {
    const [lapsed] = await writer.write([request({ segment: { name: 'Hibernating', description: '' } })]);
    expect((lapsed.copy as EmailCopy).body).toContain('missed you');
  });

  it('is deterministic and records the reason it was given', () => {
    const a = writer.writeOne(request(), 'guardrail: placeholder');
    const b = writer.writeOne(request(), 'guardrail: placeholder');
    expect(a).toEqual(b);
    expect(a.reason).toBe('guardrail: placeholder');
  });
});

describe('copyKey', () => {
  it('is stable, short and ignores product order', () => {
    const a = copyKey({ segmentId: 2, productIds: [30, 10, 20], channel: 'email' });
    expect(a).toBe(copyKey({ segmentId: 2, productIds: [10, 20, 30], channel: 'email' }));
    expect(a).toMatch(/^email:[0-9a-f]{20}$/);
  });

  it('separates segments, channels, product sets and customers', () => {
    const base = { segmentId: 2, productIds: ['a', 'b', 'c'], channel: 'email' as const };
    const keys = new Set([
      copyKey(base),
      copyKey({ ...base, segmentId: 3 }),
      copyKey({ ...base, channel: 'ads' }),
      copyKey({ ...base, productIds: ['a', 'b', 'd'] }),
      copyKey({ ...base, productIds: ['a,b', 'c'] }),
      copyKey({ ...base, customerId: 'c1' }),
      copyKey({ ...base, customerId: 'c2' }),
    ]);
    expect(keys.size).toBe(7);
  });
});
