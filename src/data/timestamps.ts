/**
 * Order timestamps to epoch ms. Accepted: ISO 8601 `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]`
 * with `T` or a space, and an optional `Z` or `±HH[:MM]` offset. A time without an offset is
 * wall-clock time in a given IANA zone (UTC for the generic schema, Europe/London for UCI
 * Online Retail). Zone offsets come from Intl and are cached per zone and UTC day, and per
 * quarter hour on the days of a transition (every zone's transitions fall on quarter hours),
 * so a year of orders costs about 800 Intl calls whatever the number of lines.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?$/i;

/** Epoch ms, or null when the text is not a valid timestamp (bad format or impossible date). */
export function parseTimestamp(text: string, naiveZone: string): number | null {
  const fast = parseFixedDateTime(text, naiveZone);
  if (fast !== undefined) return fast;
  const match = ISO.exec(text.trim());
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const ms = fraction === '' ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const local = wallClockToUtc(+y, +mo, +d, +h, +mi, +s, ms);
  if (local === null) return null;
  if (offset !== undefined) {
    if (offset === 'Z' || offset === 'z') return local;
    const sign = offset[0] === '-' ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    if (minutes > 18 * 60) return null;
    return local - sign * minutes * 60_000;
  }
  return zonedToEpoch(local, naiveZone);
}

/**
 * Fast path for the forms bulk exports use: `YYYY-MM-DD HH:MM:SS` (or with `T`), the same
 * with `Z`, and `YYYY-MM-DDTHH:MM:SS.sssZ` (JavaScript's toISOString). Epoch ms, null when the
 * date is impossible, undefined when the text has another form (the regex decides then).
 */
function parseFixedDateTime(text: string, naiveZone: string): number | null | undefined {
  const length = text.length;
  if (length !== 19 && length !== 20 && length !== 24) return undefined;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84)) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if ((year | month | day | hour | minute | second) < 0) return undefined;
  let ms = 0;
  if (length === 20 && text.charCodeAt(19) !== 90) return undefined;
  if (length === 24) {
    ms = digits(text, 20, 3);
    if (text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90 || ms < 0) return undefined;
  }
  const wallClock = wallClockToUtc(year, month, day, hour, minute, second, ms);
  if (wallClock === null || length > 19) return wallClock;
  return zonedToEpoch(wallClock, naiveZone);
}

/** The decimal number in text[from, from + count), or -1 if any character is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Date.UTC of the fields, or null when they name no real moment (Feb 30, 25:00, ...). */
export function wallClockToUtc(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms = 0,
): number | null {
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return null;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return null;
  return daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; Date.UTC is 6× slower). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * Epoch ms of a wall-clock time (given as if it were UTC) in `zone`. Around a transition it
 * chooses as JavaScript's Date and Temporal's default ("compatible") do: a time that occurs
 * twice (autumn overlap) is the earlier instant, a time that never occurs (spring-forward gap)
 * moves forward by the gap, so 02:30 on the night clocks go 02:00 -> 03:00 is 03:30.
 */
export function zonedToEpoch(wallClockAsUtc: number, zone: string): number {
  if (zone === 'UTC') return wallClockAsUtc;
  // The offsets a day either side bracket the instant (offsets are within +-14 h), and a zone
  // changes at most once in that span.
  const before = offsetMs(zone, wallClockAsUtc - DAY);
  const after = offsetMs(zone, wallClockAsUtc + DAY);
  if (before === after) return wallClockAsUtc - before;
  const underBefore = wallClockAsUtc - before;
  if (offsetMs(zone, underBefore) === before) return underBefore; // in an overlap, the earlier
  const underAfter = wallClockAsUtc - after;
  if (offsetMs(zone, underAfter) === after) return underAfter;
  return underBefore; // in the gap: the old offset carries the time forward past the jump
}

/** Throws a RangeError naming the zone when Intl does not know it. */
export function assertTimeZone(zone: string): void {
  if (!isTimeZone(zone)) throw new RangeError(`unknown IANA time zone ${JSON.stringify(zone)}`);
}

const knownZones = new Map<string, boolean>();

export function isTimeZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      known = zone.length > 0;
    } catch {
      known = false;
    }
    if (knownZones.size < 10_000) knownZones.set(zone, known);
  }
  return known;
}

const QUARTER_HOUR = 15 * 60_000;
const DAY = 86_400_000;
const MAX_CACHED = 200_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** Per zone: offset of each UTC day (NaN on a day with a transition) and of quarter hours of those days. */
interface ZoneOffsets {
  days: Map<number, number>;
  quarters: Map<number, number>;
}
const zoneOffsets = new Map<string, ZoneOffsets>();

/** Offset of `zone` from UTC (ms, positive east) at the instant `epoch`. */
export function offsetMs(zone: string, epoch: number): number {
  let cache = zoneOffsets.get(zone);
  if (!cache) {
    cache = { days: new Map(), quarters: new Map() };
    zoneOffsets.set(zone, cache);
  }
  const day = Math.floor(epoch / DAY);
  let offset = cache.days.get(day);
  if (offset === undefined) {
    // Same offset at both ends of the day: no transition in between (zones change at most once a day).
    const start = computeOffset(zone, day * DAY);
    offset = start === computeOffset(zone, (day + 1) * DAY - QUARTER_HOUR) ? start : Number.NaN;
    if (cache.days.size >= MAX_CACHED) cache.days.clear();
    cache.days.set(day, offset);
  }
  if (!Number.isNaN(offset)) return offset;
  const bucket = Math.floor(epoch / QUARTER_HOUR);
  offset = cache.quarters.get(bucket);
  if (offset === undefined) {
    offset = computeOffset(zone, bucket * QUARTER_HOUR);
    if (cache.quarters.size >= MAX_CACHED) cache.quarters.clear();
    cache.quarters.set(bucket, offset);
  }
  return offset;
}

function computeOffset(zone: string, epoch: number): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(epoch))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - epoch; // epoch is a whole quarter hour, so seconds agree
}
