import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afterQuietHours,
  customerTimeZone,
  SendTimePlanner,
  type SendTiming,
  secondsOfDay,
  sendInstant,
} from '../../src/audience/send-time.js';
import { offsetMs } from '../../src/data/timestamps.js';

const at = (iso: string) => Date.parse(iso);
const local = (time: string, extra: Partial<SendTiming> = {}): SendTiming => ({
  schedule: { type: 'local', time },
  defaultTimeZone: 'UTC',
  ...extra,
});

describe('send instants (deterministic clock)', () => {
  it('sends now, or at the scheduled time, when there is no local time or quiet hours', () => {
    const planned = at('2024-03-05T08:00:00Z');
    expect(sendInstant({ schedule: { type: 'now' }, defaultTimeZone: 'UTC' }, 'Asia/Tokyo', planned)).toBe(
      planned,
    );
    const timing: SendTiming = {
      schedule: { type: 'at', at: '2024-03-05T10:00:00+01:00' },
      defaultTimeZone: 'UTC',
    };
    expect(sendInstant(timing, 'UTC', planned)).toBe(at('2024-03-05T09:00:00Z'));
    expect(sendInstant(timing, 'UTC', at('2024-03-05T12:00:00Z'))).toBe(at('2024-03-05T12:00:00Z'));
  });

  it('sends at the next 09:00 in each customer zone', () => {
    const planned = at('2024-03-05T08:00:00Z');
    const timing = local('09:00');
    expect(new Date(sendInstant(timing, 'Europe/London', planned)).toISOString()).toBe(
      '2024-03-05T09:00:00.000Z',
    );
    expect(new Date(sendInstant(timing, 'America/New_York', planned)).toISOString()).toBe(
      '2024-03-05T14:00:00.000Z',
    );
    // 17:00 in Tokyo already: tomorrow morning there.
    expect(new Date(sendInstant(timing, 'Asia/Tokyo', planned)).toISOString()).toBe(
      '2024-03-06T00:00:00.000Z',
    );
    expect(new Date(sendInstant(timing, 'Asia/Kolkata', planned)).toISOString()).toBe(
      '2024-03-06T03:30:00.000Z',
    );
  });

  it('follows daylight saving time changes', () => {
    // London springs forward on 31 March 2024: 09:00 BST is 08:00Z.
    expect(
      new Date(sendInstant(local('09:00'), 'Europe/London', at('2024-03-30T12:00:00Z'))).toISOString(),
    ).toBe('2024-03-31T08:00:00.000Z');
    // New York on 10 March 2024: 09:00 EDT is 13:00Z (the day before it was 14:00Z).
    expect(
      new Date(sendInstant(local('09:00'), 'America/New_York', at('2024-03-09T20:00:00Z'))).toISOString(),
    ).toBe('2024-03-10T13:00:00.000Z');
    // Sydney falls back on 7 April 2024: 09:00 AEST is 23:00Z the day before.
    expect(
      new Date(sendInstant(local('09:00'), 'Australia/Sydney', at('2024-04-06T12:00:00Z'))).toISOString(),
    ).toBe('2024-04-06T23:00:00.000Z');
    // 02:30 does not exist in New York on 10 March 2024: it is sent at 03:30 EDT.
    expect(
      new Date(sendInstant(local('02:30'), 'America/New_York', at('2024-03-09T20:00:00Z'))).toISOString(),
    ).toBe('2024-03-10T07:30:00.000Z');
  });

  it('keeps out of quiet hours when a spring-forward gap swallows the only hour allowed that night', () => {
    // Quiet 03:00-02:00 leaves 02:00-03:00, which New York skips on 10 March 2024 (found by
    // the property test below): the next allowed hour is 02:00 EDT on the 11th.
    const timing = local('03:30', { quietHours: { start: '03:00', end: '02:00' } });
    const when = sendInstant(timing, 'America/New_York', at('2024-03-08T08:30:00.001Z'));
    expect(new Date(when).toISOString()).toBe('2024-03-11T06:00:00.000Z');
    expect(
      afterQuietHours({ start: '03:00', end: '02:00' }, 'America/New_York', at('2024-03-10T07:00:00Z')),
    ).toBe(at('2024-03-11T06:00:00Z'));
  });

  it('sends on a fixed local date, and at once where that time has passed', () => {
    const timing: SendTiming = {
      schedule: { type: 'local', time: '10:00', date: '2024-12-01' },
      defaultTimeZone: 'UTC',
    };
    const planned = at('2024-11-30T00:00:00Z');
    expect(new Date(sendInstant(timing, 'Europe/Berlin', planned)).toISOString()).toBe(
      '2024-12-01T09:00:00.000Z',
    );
    expect(new Date(sendInstant(timing, 'Pacific/Auckland', planned)).toISOString()).toBe(
      '2024-11-30T21:00:00.000Z',
    );
    const late = at('2024-12-01T12:00:00Z');
    expect(sendInstant(timing, 'Europe/Berlin', late)).toBe(late);
  });

  it('moves a send out of quiet hours, also across midnight', () => {
    const quiet = { start: '21:00', end: '08:00' };
    const timing: SendTiming = { schedule: { type: 'now' }, quietHours: quiet, defaultTimeZone: 'UTC' };
    const planned = at('2024-03-05T22:30:00Z');
    expect(new Date(sendInstant(timing, 'Europe/London', planned)).toISOString()).toBe(
      '2024-03-06T08:00:00.000Z',
    );
    // 07:30 next morning in Tokyo: 08:00 there.
    expect(new Date(sendInstant(timing, 'Asia/Tokyo', planned)).toISOString()).toBe(
      '2024-03-05T23:00:00.000Z',
    );
    // 17:30 in New York: not quiet.
    expect(sendInstant(timing, 'America/New_York', planned)).toBe(planned);
    // A local time inside the quiet hours waits for their end.
    expect(
      new Date(
        sendInstant(local('22:00', { quietHours: quiet }), 'UTC', at('2024-03-05T12:00:00Z')),
      ).toISOString(),
    ).toBe('2024-03-06T08:00:00.000Z');
    // Quiet hours that do not wrap.
    expect(
      new Date(
        afterQuietHours({ start: '12:00', end: '14:00' }, 'UTC', at('2024-03-05T13:00:00Z')),
      ).toISOString(),
    ).toBe('2024-03-05T14:00:00.000Z');
    expect(afterQuietHours({ start: '12:00', end: '14:00' }, 'UTC', at('2024-03-05T14:00:00Z'))).toBe(
      at('2024-03-05T14:00:00Z'),
    );
  });

  it("finds the zone: the customer's, else the country's, else the brand's", () => {
    expect(customerTimeZone({ timezone: 'Europe/Paris', country: 'Japan' }, 'UTC')).toBe('Europe/Paris');
    expect(customerTimeZone({ timezone: '', country: 'Japan' }, 'UTC')).toBe('Asia/Tokyo');
    expect(customerTimeZone({ timezone: 'Not/AZone', country: 'EIRE' }, 'UTC')).toBe('Europe/Dublin');
    expect(customerTimeZone({ timezone: '', country: 'Unspecified' }, 'Europe/London')).toBe('Europe/London');
    expect(customerTimeZone({ timezone: '', country: '' }, 'America/Chicago')).toBe('America/Chicago');
    expect(() => secondsOfDay('9:00')).toThrow(/time of day/);
  });

  it('never sends before the plan, never inside quiet hours, and the planner agrees (property)', () => {
    const zones = [
      'UTC',
      'Europe/London',
      'America/New_York',
      'Asia/Tokyo',
      'Asia/Kolkata',
      'Australia/Sydney',
      'America/St_Johns',
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2023-01-01T00:00:00Z'), max: at('2026-01-01T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 23 }),
        (planned, zone, hour, start, end) => {
          fc.pre(start !== end);
          const pad = (n: number) => String(n).padStart(2, '0');
          const quietHours = { start: `${pad(start)}:00`, end: `${pad(end)}:00` };
          const timing = local(`${pad(hour)}:30`, { quietHours });
          const when = sendInstant(timing, zone, planned);
          expect(when).toBeGreaterThanOrEqual(planned);
          // Two days at most, three when a spring-forward gap swallows the hours allowed that night.
          expect(when - planned).toBeLessThan(3 * 86_400_000);
          const wallHour = new Date(when + offsetMs(zone, when)).getUTCHours();
          const quiet =
            start < end ? wallHour >= start && wallHour < end : wallHour >= start || wallHour < end;
          expect(quiet).toBe(false);
          const planner = new SendTimePlanner({ ...timing, defaultTimeZone: zone }, planned);
          expect(planner.instantFor({ timezone: '', country: '' })).toBe(when);
          expect(planner.instantFor({ timezone: '', country: '' })).toBe(when);
        },
      ),
      { numRuns: 500 },
    );
  });
});
