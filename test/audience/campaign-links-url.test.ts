import { describe, expect, it } from 'vitest';
import { campaignLinks } from '../../src/audience/campaign-links.js';
import { LinkSigner } from '../../src/audience/signed-token.js';

describe('campaign link URLs', () => {
  // linkUrl builds the common case as a string; it must be exactly what URL resolution gives.
  it.each([
    'https://shop.example.com',
    'https://shop.example.com/',
    'https://shop.example.com/app',
    'https://shop.example.com/app/',
    'https://shop.example.com/?ref=mail',
    'https://shop.example.com/app#top',
    'http://localhost:8080',
  ])('equal what URL resolution gives under %s', (publicUrl) => {
    const base = new URL(publicUrl);
    const links = campaignLinks(new LinkSigner([Buffer.alloc(32, 3)]), {
      campaignId: 'c1',
      base,
      tracking: { clicks: true, opens: true },
    });
    const url = links.unsubscribeUrlFor(publicUrl, 'c1', 'customer-1', 7);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
    expect(url).toBe(new URL(`u/${token}`, root).href);
    const pixel = links.openPixelUrlFor?.('customer-1') as string;
    expect(pixel).toBe(new URL(`o/${pixel.slice(pixel.lastIndexOf('/') + 1)}`, root).href);
  });
});
