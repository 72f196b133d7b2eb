import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invoiceTime } from '../../src/data/online-retail.js';
import { offsetMs, parseTimestamp, wallClockToUtc, zonedToEpoch } from '../../src/data/timestamps.js';

const iso = (time: number | null) => (time === null ? null : new Date(time).toISOString());

describe('parseTimestamp', () => {
  it('reads ISO 8601 and YYYY-MM-DD HH:MM:SS, naive times in the given zone', () => {
    expect(iso(parseTimestamp('2024-01-05 10:00:00', 'UTC'))).toBe('2024-01-05T10:00:00.000Z');
    expect(iso(parseTimestamp('2024-01-05T10:00', 'UTC'))).toBe('2024-01-05T10:00:00.000Z');
    expect(iso(parseTimestamp('2024-03-15', 'UTC'))).toBe('2024-03-15T00:00:00.000Z');
    expect(iso(parseTimestamp('2024-03-20T18:45:00+01:00', 'UTC'))).toBe('2024-03-20T17:45:00.000Z');
    expect(iso(parseTimestamp('2024-03-20T18:45:00.25-0530', 'UTC'))).toBe('2024-03-21T00:15:00.250Z');
    expect(iso(parseTimestamp('2024-03-20 18:45:00Z', 'Asia/Tokyo'))).toBe('2024-03-20T18:45:00.000Z');
    expect(iso(parseTimestamp('2011-06-01 08:26:00', 'Europe/London'))).toBe('2011-06-01T07:26:00.000Z');
    expect(iso(parseTimestamp('2011-12-01 08:26:00', 'Europe/London'))).toBe('2011-12-01T08:26:00.000Z');
    expect(iso(parseTimestamp('2024-02-29 23:59:59', 'UTC'))).toBe('2024-02-29T23:59:59.000Z');
  });

  it('refuses impossible dates and other formats', () => {
    for (const text of [
      '2023-02-29',
      '2024-13-01',
      '2024-04-31 10:00:00',
      '2024-01-01 24:00:00',
      '2024-1-5',
      '05/01/2024',
      '',
      'now',
      '2024-01-01T10:00:00+25:00',
    ]) {
      expect(parseTimestamp(text, 'UTC'), text).toBeNull();
    }
  });

  it('reads every toISOString output back exactly, and its second-precision forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }), (epoch) => {
        const text = new Date(epoch).toISOString();
        expect(parseTimestamp(text, 'Asia/Tokyo')).toBe(epoch);
        const seconds = epoch - (((epoch % 1000) + 1000) % 1000);
        expect(parseTimestamp(`${text.slice(0, 19)}Z`, 'Asia/Tokyo')).toBe(seconds);
        expect(parseTimestamp(text.slice(0, 19).replace('T', ' '), 'UTC')).toBe(seconds);
        expect(parseTimestamp(`${text.slice(0, 23)}+00:00`, 'Asia/Tokyo')).toBe(epoch);
      }),
      { numRuns: 2000 },
    );
    expect(parseTimestamp('2024-01-05T10:00:00.123X', 'UTC')).toBeNull();
    expect(parseTimestamp('2024-02-30T10:00:00.123Z', 'UTC')).toBeNull();
  });

  it('agrees with Date.UTC for every valid wall-clock time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (year, month, day, hour, minute) => {
          const reference = new Date(Date.UTC(year, month - 1, day, hour, minute));
          const valid = reference.getUTCDate() === day;
          expect(wallClockToUtc(year, month, day, hour, minute, 0)).toBe(valid ? reference.getTime() : null);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('caches zone offsets without changing them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), (seconds) => {
        expect(offsetMs('America/New_York', seconds * 1000)).toBe(
          intlOffset('America/New_York', seconds * 1000),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('gets every quarter hour of transition days right', () => {
    const days: [string, string][] = [
      ['America/New_York', '2024-03-10'],
      ['America/New_York', '2024-11-03'],
      ['Europe/London', '2011-03-27'],
      ['Europe/London', '2011-10-30'],
      ['Australia/Lord_Howe', '2024-04-07'],
    ];
    for (const [zone, day] of days) {
      const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
      for (let at = start; at < start + 3 * 86_400_000; at += 15 * 60_000) {
        expect(offsetMs(zone, at), `${zone} ${new Date(at).toISOString()}`).toBe(intlOffset(zone, at));
      }
    }
  });
});

/** The zone's offset as Intl spells it (GMT+hh:mm), independently of the cache. */
function intlOffset(zone: string, epoch: number): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const name =
    format.formatToParts(new Date(epoch)).find((part) => part.type === 'timeZoneName')?.value ?? '';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 0;
}

describe('zonedToEpoch around transitions', () => {
  const naive = (text: string, zone: string) => iso(parseTimestamp(text, zone));

  it('takes the earlier instant of a time that occurs twice, and moves a missing time forward by the gap', () => {
    // West of Greenwich (the wall time read as UTC is before the instant) ...
    expect(naive('2024-03-10 02:30:00', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z'); // 03:30 EDT
    expect(naive('2024-11-03 01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z'); // EDT, not EST
    // ... at it ...
    expect(naive('2011-03-27 01:30:00', 'Europe/London')).toBe('2011-03-27T01:30:00.000Z'); // 02:30 BST
    expect(naive('2011-10-30 01:30:00', 'Europe/London')).toBe('2011-10-30T00:30:00.000Z'); // BST, not GMT
    // ... east of it, and a half-hour change.
    expect(naive('2024-10-06 02:30:00', 'Australia/Sydney')).toBe('2024-10-05T16:30:00.000Z'); // 03:30 AEDT
    expect(naive('2024-04-07 02:30:00', 'Australia/Sydney')).toBe('2024-04-06T15:30:00.000Z'); // AEDT
    expect(naive('2024-04-07 01:45:00', 'Australia/Lord_Howe')).toBe('2024-04-06T14:45:00.000Z'); // +11
  });

  it('gives back every instant from its wall-clock time, the earlier one where the time repeats', () => {
    const zones = [
      'America/New_York',
      'Europe/London',
      'Australia/Sydney',
      'Australia/Lord_Howe',
      'Asia/Tokyo',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2023-01-01T00:00:00Z'), max: Date.parse('2026-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        (instant, zone) => {
          const wall = instant + offsetMs(zone, instant);
          const back = zonedToEpoch(wall, zone);
          expect(back + offsetMs(zone, back)).toBe(wall);
          // Not the same instant only in an autumn overlap, and then the earlier one.
          if (back !== instant) {
            expect(back).toBeLessThan(instant);
            expect(instant - back).toBeLessThanOrEqual(3_600_000);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('UCI invoice dates', () => {
  it('are UK local time in both spellings, across summer time', () => {
    expect(iso(invoiceTime('2011-07-04 13:05:00'))).toBe('2011-07-04T12:05:00.000Z');
    expect(iso(invoiceTime('7/4/2011 13:05'))).toBe('2011-07-04T12:05:00.000Z');
    expect(iso(invoiceTime('12/1/2010 8:26'))).toBe('2010-12-01T08:26:00.000Z');
    expect(invoiceTime('13/1/2010 8:26')).toBeNull();
  });
});
