import { describe, expect, it } from 'vitest';
import { earningsOf, lastTouch, type Touch } from '../../src/audience/attribution.js';
import { earningsLines } from '../../src/audience/earnings-text.js';
import { holdoutDraw, isHeldOut } from '../../src/audience/holdout.js';
import { isOneClickBody } from '../../src/audience/one-click-body.js';

describe('hold-out draw', () => {
  it('is deterministic by seed and campaign, and close to the share', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `c${i}`);
    const held = ids.filter((id) => isHeldOut(0.1, 42, 'spring', id));
    expect(held.length / ids.length).toBeGreaterThan(0.09);
    expect(held.length / ids.length).toBeLessThan(0.11);
    expect(ids.filter((id) => isHeldOut(0.1, 42, 'spring', id))).toEqual(held);
    // Another seed or campaign holds out other customers.
    const other = new Set(ids.filter((id) => isHeldOut(0.1, 7, 'spring', id)));
    expect(held.filter((id) => other.has(id)).length).toBeLessThan(held.length * 0.2);
    expect(ids.some((id) => isHeldOut(0, 42, 'spring', id))).toBe(false);
    expect(holdoutDraw(42, 'spring', 'c1')).toBeGreaterThanOrEqual(0);
    expect(holdoutDraw(42, 'spring', 'c1')).toBeLessThan(1);
  });
});

describe('attribution', () => {
  const day = 86_400_000;
  const windows = (days: Record<string, number>) => (c: string) => (days[c] ?? 5) * day;

  it('gives an order to the campaign that last reached the customer within its window', () => {
    const touches: Touch[] = [
      { campaignId: 'a', at: 0, group: 'mailed' },
      { campaignId: 'b', at: 3 * day, group: 'holdout' },
    ];
    expect(lastTouch(touches, 2 * day, windows({}))?.campaignId).toBe('a');
    expect(lastTouch(touches, 4 * day, windows({}))).toEqual(touches[1]);
    // b's window is one day: at day 4.5 only a's (five days) still holds.
    expect(lastTouch(touches, 4.5 * day, windows({ b: 1 }))?.campaignId).toBe('a');
    expect(lastTouch(touches, 5 * day, windows({ b: 1 }))).toBeUndefined();
    // Before any touch: nobody's.
    expect(lastTouch(touches, -1, windows({}))).toBeUndefined();
  });

  it('computes per-recipient figures and the uplift over the hold-out', () => {
    const earned = earningsOf(
      {
        recipients: 90,
        holdout: 10,
        clicks: 30,
        clickers: 20,
        opens: 0,
        openers: 0,
        unsubscribes: 1,
        mailed: { orders: 18, buyers: 15, revenueCents: 90_000 },
        held: { orders: 1, buyers: 1, revenueCents: 5_000 },
      },
      { windowDays: 5, holdoutShare: 0.1 },
    );
    expect(earned.mailed.perMember).toEqual({ orders: 0.2, revenue: 10, conversion: 0.1667 });
    expect(earned.holdout.perMember).toEqual({ orders: 0.1, revenue: 5, conversion: 0.1 });
    expect(earned.uplift).toEqual({
      revenuePerRecipient: 5,
      ordersPerRecipient: 0.1,
      conversion: 0.0667,
      relative: 1,
      incrementalRevenue: 450,
    });
    expect(earned.clicksPerRecipient).toBe(0.3333);
    const text = earningsLines(earned, 'GBP').join('\n');
    expect(text).toContain('revenue £10.00 per recipient');
    expect(text).toContain('uplift: revenue per recipient +£5.00 (+100.0%)');
    const noHoldout = earningsOf(
      {
        recipients: 5,
        holdout: 0,
        clicks: 0,
        clickers: 0,
        opens: 0,
        openers: 0,
        unsubscribes: 0,
        mailed: { orders: 0, buyers: 0, revenueCents: 0 },
        held: { orders: 0, buyers: 0, revenueCents: 0 },
      },
      { windowDays: 5, holdoutShare: 0 },
    );
    expect(noHoldout.uplift).toBeNull();
    expect(earningsLines(noHoldout, 'USD').join('\n')).toContain('not measured');
  });
});

describe('RFC 8058 one-click bodies', () => {
  it('accepts the form-encoded and multipart forms, and nothing else', () => {
    expect(isOneClickBody('List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded')).toBe(true);
    expect(isOneClickBody('List-Unsubscribe=One-Click', undefined)).toBe(true);
    const multipart = [
      '-----FormBoundaryjWmhtjORrn',
      'Content-Disposition: form-data; name="List-Unsubscribe"',
      '',
      'One-Click',
      '-----FormBoundaryjWmhtjORrn--',
      '',
    ].join('\r\n');
    expect(isOneClickBody(multipart, 'multipart/form-data; boundary=---FormBoundaryjWmhtjORrn')).toBe(true);
    expect(
      isOneClickBody(
        multipart.replace('One-Click', 'Two-Click'),
        'multipart/form-data; boundary=---FormBoundaryjWmhtjORrn',
      ),
    ).toBe(false);
    expect(isOneClickBody('', 'application/x-www-form-urlencoded')).toBe(false);
    expect(isOneClickBody('List-Unsubscribe=Yes', 'application/x-www-form-urlencoded')).toBe(false);
    expect(isOneClickBody('{"List-Unsubscribe":"One-Click"}', 'application/json')).toBe(false);
  });
});
