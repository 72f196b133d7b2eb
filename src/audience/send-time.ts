import { timeZoneOfCountry } from '../data/country-timezones.js';
import { isTimeZone, offsetMs, zonedToEpoch } from '../data/timestamps.js';
import type { CampaignSpec } from '../queues/campaign-spec.js';

/**
 * When each customer's mail goes out: a pure function of the campaign's schedule, its quiet
 * hours, the customer's time zone and the instant the run was planned. No clock is read here,
 * so the dispatch plan and every send job compute the same instant for the same customer.
 */

const DAY_MS = 86_400_000;

export interface SendTiming {
  schedule: CampaignSpec['schedule'];
  quietHours?: { start: string; end: string };
  /** Zone of customers whose record and country give none (the brand's). */
  defaultTimeZone: string;
}

export function timingOf(spec: Pick<CampaignSpec, 'schedule' | 'quietHours' | 'brand'>): SendTiming {
  return {
    schedule: spec.schedule,
    quietHours: spec.quietHours,
    defaultTimeZone: spec.brand.timeZone ?? 'UTC',
  };
}

/** Whether customers of one chunk can get different instants (otherwise all go at once). */
export function hasPerCustomerTiming(timing: SendTiming): boolean {
  return timing.schedule.type === 'local' || timing.quietHours !== undefined;
}

/** The customer's own zone, else their country's, else the fallback. */
export function customerTimeZone(customer: { timezone: string; country: string }, fallback: string): string {
  if (customer.timezone && isTimeZone(customer.timezone)) return customer.timezone;
  const byCountry = customer.country ? timeZoneOfCountry(customer.country) : '';
  return byCountry || fallback;
}

/** Seconds after midnight of `HH:MM` or `HH:MM:SS`. */
export function secondsOfDay(time: string): number {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!match) throw new RangeError(`${JSON.stringify(time)} is not a time of day (HH:MM or HH:MM:SS)`);
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] ?? 0);
}

/** The instant the customer's mail may go: never before `plannedAt`. */
export function sendInstant(timing: SendTiming, zone: string, plannedAt: number): number {
  let at = scheduledInstant(timing.schedule, zone, plannedAt);
  if (timing.quietHours) at = afterQuietHours(timing.quietHours, zone, at);
  return Math.max(at, plannedAt);
}

function scheduledInstant(schedule: SendTiming['schedule'], zone: string, plannedAt: number): number {
  switch (schedule.type) {
    case 'now':
      return plannedAt;
    case 'at':
      return Math.max(Date.parse(schedule.at), plannedAt);
    case 'local': {
      const time = secondsOfDay(schedule.time) * 1000;
      if (schedule.date) {
        // On a fixed date; where it has already passed, as soon as possible.
        return Math.max(zonedToEpoch(Date.parse(`${schedule.date}T00:00:00Z`) + time, zone), plannedAt);
      }
      const today = localDayStart(plannedAt, zone);
      const candidate = zonedToEpoch(today + time, zone);
      return candidate >= plannedAt ? candidate : zonedToEpoch(today + DAY_MS + time, zone);
    }
  }
}

/**
 * The instant itself when it is outside the quiet hours, else the end of that quiet period in
 * the customer's zone. Quiet hours wrap past midnight when start > end (21:00–08:00).
 */
export function afterQuietHours(quiet: { start: string; end: string }, zone: string, at: number): number {
  // A spring-forward gap can swallow the whole allowed window (quiet 03:00–02:00 on the night
  // clocks jump from 02:00 to 03:00): the end found is still quiet, and the next day's is not.
  let next = at;
  for (let step = 0; step < 3; step++) {
    const end = endOfQuietPeriod(quiet, zone, next);
    if (end === next) return next;
    next = end;
  }
  return next;
}

function endOfQuietPeriod(quiet: { start: string; end: string }, zone: string, at: number): number {
  const start = secondsOfDay(quiet.start) * 1000;
  const end = secondsOfDay(quiet.end) * 1000;
  const wall = at + offsetMs(zone, at);
  const day = Math.floor(wall / DAY_MS) * DAY_MS;
  const time = wall - day;
  const wraps = start > end;
  const quietNow = wraps ? time >= start || time < end : time >= start && time < end;
  if (!quietNow) return at;
  // In a wrapping period that began this evening, it ends tomorrow morning.
  const endDay = wraps && time >= start ? day + DAY_MS : day;
  return Math.max(zonedToEpoch(endDay + end, zone), at);
}

/** Midnight of the instant's local date, as a wall-clock value (ms, read as if UTC). */
function localDayStart(at: number, zone: string): number {
  const wall = at + offsetMs(zone, at);
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/**
 * Instants for a run, cached per zone: zones are few (tens to hundreds), customers many. The
 * cache makes planning a million customers a map lookup each.
 */
export class SendTimePlanner {
  private readonly byZone = new Map<string, number>();

  constructor(
    readonly timing: SendTiming,
    readonly plannedAt: number,
  ) {}

  instantFor(customer: { timezone: string; country: string }): number {
    if (!hasPerCustomerTiming(this.timing)) return sendInstant(this.timing, 'UTC', this.plannedAt);
    const zone = customerTimeZone(customer, this.timing.defaultTimeZone);
    let at = this.byZone.get(zone);
    if (at === undefined) {
      at = sendInstant(this.timing, zone, this.plannedAt);
      this.byZone.set(zone, at);
    }
    return at;
  }
}
