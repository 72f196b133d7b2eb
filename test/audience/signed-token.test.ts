import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  campaignLinks,
  linkBaseUrl,
  MARKETING_LIST,
  readClickToken,
  readOpenToken,
  readUnsubscribeToken,
  unsubscribeToken,
} from '../../src/audience/campaign-links.js';
import { LinkSigner } from '../../src/audience/signed-token.js';

const secret = Buffer.from('a-test-secret-that-is-long-enough-1234');
const signer = new LinkSigner([secret]);
const claim = { campaignId: 'winter-favourites', customerId: '12353', list: MARKETING_LIST, index: 41 };

describe('signed link tokens', () => {
  it('round-trips an unsubscribe claim in a compact base64url token', () => {
    const token = unsubscribeToken(signer, claim);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token.length).toBeLessThan(80);
    expect(readUnsubscribeToken(signer, token)).toEqual(claim);
  });

  it('refuses every single-character change, another secret and another kind', () => {
    const token = unsubscribeToken(signer, claim);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i++) {
      for (const c of alphabet) {
        if (c === token[i]) continue;
        const tampered = token.slice(0, i) + c + token.slice(i + 1);
        expect(readUnsubscribeToken(signer, tampered), `${i}:${c}`).toBeNull();
      }
    }
    expect(
      readUnsubscribeToken(new LinkSigner([Buffer.from('another-secret-also-long-enough-xxxxx')]), token),
    ).toBeNull();
    expect(readOpenToken(signer, token)).toBeNull();
    expect(readUnsubscribeToken(signer, `${token}A`)).toBeNull();
    expect(readUnsubscribeToken(signer, token.slice(0, -1))).toBeNull();
    expect(readUnsubscribeToken(signer, '')).toBeNull();
    expect(readUnsubscribeToken(signer, 'x'.repeat(5000))).toBeNull();
  });

  it('keeps links signed with a previous secret valid while it is listed', () => {
    const old = new LinkSigner([Buffer.from('the-old-secret-that-is-long-enough-123')]);
    const token = unsubscribeToken(old, claim);
    const rotated = new LinkSigner([secret, Buffer.from('the-old-secret-that-is-long-enough-123')]);
    expect(readUnsubscribeToken(rotated, token)).toEqual(claim);
    expect(readUnsubscribeToken(signer, token)).toBeNull();
  });

  it('a click token verifies only with the exact target it was signed for', () => {
    const links = campaignLinks(signer, {
      campaignId: 'winter-favourites',
      base: new URL('https://mail.example.com/tailor'),
      tracking: { clicks: true, opens: true },
    });
    const target = 'https://shop.example.com/p/85123A?colour=red';
    const url = new URL(links.clickUrlFor?.(target, '12353') ?? '');
    expect(url.origin + url.pathname).toMatch(/^https:\/\/mail\.example\.com\/tailor\/c\/[A-Za-z0-9_-]+$/);
    expect(url.searchParams.get('to')).toBe(target);
    const token = url.pathname.split('/').at(-1) as string;
    expect(readClickToken(signer, token, target)).toEqual({
      campaignId: 'winter-favourites',
      customerId: '12353',
    });
    expect(readClickToken(signer, token, 'https://evil.example.net/')).toBeNull();
    expect(readClickToken(signer, token, `${target}&x=1`)).toBeNull();
    // Not an http(s) link: left as it is, never wrapped in a redirect.
    expect(links.clickUrlFor?.('javascript:alert(1)', '12353')).toBe('javascript:alert(1)');
    const pixel = new URL(links.openPixelUrlFor?.('12353') ?? '');
    expect(readOpenToken(signer, pixel.pathname.split('/').at(-1) as string)).toEqual({
      campaignId: 'winter-favourites',
      customerId: '12353',
    });
  });

  it('builds links without tracking only for unsubscribing', () => {
    const links = campaignLinks(signer, { campaignId: 'c1', base: new URL('http://127.0.0.1:8080') });
    expect(links.clickUrlFor).toBeUndefined();
    expect(links.openPixelUrlFor).toBeUndefined();
    expect(links.unsubscribeUrlFor('ignored', 'c1', 'u1', 3)).toMatch(
      /^http:\/\/127\.0\.0\.1:8080\/u\/[A-Za-z0-9_-]+$/,
    );
  });

  it('takes TAILOR_PUBLIC_URL over the spec and refuses a bad one by name', () => {
    expect(linkBaseUrl({ publicUrl: 'http://localhost:8080' }, {}).href).toBe('http://localhost:8080/');
    expect(
      linkBaseUrl({ publicUrl: 'http://localhost:8080' }, { TAILOR_PUBLIC_URL: 'https://t.example.com/x' })
        .href,
    ).toBe('https://t.example.com/x');
    expect(() => linkBaseUrl({ publicUrl: 'http://x' }, { TAILOR_PUBLIC_URL: 'ftp://x' })).toThrow(
      /TAILOR_PUBLIC_URL/,
    );
    expect(() => linkBaseUrl({ publicUrl: 'http://x' }, { TAILOR_PUBLIC_URL: 'https://x/?a=1' })).toThrow(
      /query/,
    );
  });

  it('keeps the token layout of mails already sent: payload, then the truncated HMAC (property)', () => {
    // Written independently of the signer: a change of layout would break every link in the
    // mails already out there.
    const key = createHmac('sha256', secret).update('tailor-links-v1').digest();
    const expected = (kind: number, fields: string[], extra: string) => {
      const payload = Buffer.concat([
        Buffer.from([1, kind, fields.length]),
        ...fields.flatMap((field) => {
          const bytes = Buffer.from(field, 'utf8');
          return [Buffer.from([bytes.length]), bytes];
        }),
      ]);
      const mac = createHmac('sha256', key)
        .update(Buffer.concat([payload, Buffer.from([0]), Buffer.from(extra, 'utf8')]))
        .digest()
        .subarray(0, 16);
      return Buffer.concat([payload, mac]).toString('base64url');
    };
    const field = fc.string({ maxLength: 40, unit: 'binary' });
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), field, (fields, extra) => {
        expect(signer.sign('click', fields, extra)).toBe(expected(0x63, fields, extra));
        expect(signer.sign('unsubscribe', fields)).toBe(expected(0x75, fields, ''));
      }),
    );
  });

  it('round-trips any ids, and no random string verifies (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.option(fc.nat(), { nil: undefined }),
        (campaignId, customerId, index) => {
          const c = {
            campaignId,
            customerId,
            list: MARKETING_LIST,
            ...(index === undefined ? {} : { index }),
          };
          expect(readUnsubscribeToken(signer, unsubscribeToken(signer, c))).toEqual(c);
        },
      ),
    );
    fc.assert(
      fc.property(fc.base64String({ minLength: 20, maxLength: 120 }), (text) => {
        expect(
          readUnsubscribeToken(signer, text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
        ).toBeNull();
      }),
    );
  });
});
