import { DateTime, type Zone } from 'luxon';
import { ProrationError } from './errors.js';
import { type Instant, toMillis, zoneOf } from './instant.js';

// Describing an item used to build a luxon DateTime (and format through Intl) per instant: most of
// a proration's run time. The wall-clock fields only need the zone's offset at the instant, which is
// memoised per zone (offsets are a pure function of zone and instant); month names come from luxon
// itself, once, so the words stay exactly what `toFormat('LLL')` printed.

const MAX_CACHED_OFFSETS = 4096;
const offsets = new WeakMap<Zone, Map<number, number>>();

function offsetMinutes(zone: Zone, millis: number): number {
  let cache = offsets.get(zone);
  if (cache === undefined) {
    cache = new Map();
    offsets.set(zone, cache);
  }
  let offset = cache.get(millis);
  if (offset === undefined) {
    offset = zone.offset(millis);
    if (cache.size >= MAX_CACHED_OFFSETS) cache.clear();
    cache.set(millis, offset);
  }
  return offset;
}

let monthNames: readonly string[] | undefined;

function shortMonth(month: number): string {
  monthNames ??= Array.from({ length: 12 }, (_, i) =>
    DateTime.utc(2024, i + 1, 15)
      .setLocale('en-GB')
      .toFormat('LLL'),
  );
  return monthNames[month] as string;
}

const two = (value: number) => (value < 10 ? `0${value}` : String(value));

/**
 * The local date (`d LLL yyyy`, en-GB) of `millis` in `timeZone`, optionally with `HH:mm`: what
 * luxon's `toFormat` printed, without a DateTime.
 */
export function formatLocal(millis: number, timeZone: string, withTime: boolean): string {
  const zone = zoneOf(timeZone);
  // Descriptions print the same few instants (period bounds, change dates) for every item: the text
  // is memoised per zone and instant, like the offsets above (a pure function of both).
  let texts = (withTime ? timedTexts : dateTexts).get(zone);
  if (texts === undefined) {
    texts = new Map();
    (withTime ? timedTexts : dateTexts).set(zone, texts);
  }
  let text = texts.get(millis);
  if (text === undefined) {
    text = formatAt(millis, zone, withTime);
    if (texts.size >= MAX_CACHED_OFFSETS) texts.clear();
    texts.set(millis, text);
  }
  return text;
}

const timedTexts = new WeakMap<Zone, Map<number, string>>();
const dateTexts = new WeakMap<Zone, Map<number, string>>();

/** The proleptic Gregorian date of the local day `days` after 1970-01-01 (Hinnant's civil_from_days). */
function civilDate(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153); // months from March
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 2 : shifted - 10; // 0 = January
  return { year: yearOfEra + era * 400 + (month <= 1 ? 1 : 0), month, day };
}

/** Milliseconds of the wall clock in `zone` at `millis`, truncated as a Date would (an offset of local mean time can have seconds). */
function wallClock(zone: Zone, millis: number): number {
  return Math.trunc(millis + offsetMinutes(zone, millis) * 60_000);
}

function formatAt(millis: number, zone: Zone, withTime: boolean): string {
  const local = wallClock(zone, millis);
  // Integer arithmetic rather than a Date object per instant.
  const days = Math.floor(local / DAY_MS);
  const { year, month, day } = civilDate(days);
  if (!(year >= 1 && year <= 9999)) return luxonFormat(millis, zone, withTime);
  const date = `${day} ${shortMonth(month)} ${year < 1000 ? String(year).padStart(4, '0') : year}`;
  if (!withTime) return date;
  const minutes = Math.floor((local - days * DAY_MS) / 60_000);
  return `${date} ${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
}

const DAY_MS = 86_400_000;

/** The luxon formatting `formatLocal` replaces; still used for years outside 1…9999 and for day steps. */
export function luxonFormat(millis: number, zone: Zone | string, withTime: boolean, daysBack = 0): string {
  const local = DateTime.fromMillis(millis, { zone: typeof zone === 'string' ? zoneOf(zone) : zone })
    .setLocale('en-GB')
    .minus({ days: daysBack });
  return local.toFormat(withTime ? 'd LLL yyyy HH:mm' : 'd LLL yyyy');
}

/**
 * The calendar date (`YYYY-MM-DD`) the clock in `timeZone` shows at `instant`: tax rates change at
 * local midnight, so 2020-12-31T23:00:00Z is already 1 January 2021 in Berlin.
 *
 * @example localDate('2020-12-31T23:00:00Z', 'Europe/Berlin') // '2021-01-01'
 */
export function localDate(instant: Instant, timeZone: string): string {
  const millis = toMillis(instant);
  const zone = zoneOf(timeZone);
  // The zone's memoised offset and integer arithmetic: a luxon DateTime per call (its offset read
  // through Intl) was a tenth of building an invoice. Years outside 1…9999 keep luxon's own text.
  const { year, month, day } = civilDate(Math.floor(wallClock(zone, millis) / DAY_MS));
  if (!(year >= 1 && year <= 9999)) return DateTime.fromMillis(millis, { zone }).toISODate() as string;
  return `${String(year).padStart(4, '0')}-${two(month + 1)}-${two(day)}`;
}

/**
 * The instant at which `date` (`YYYY-MM-DD`) begins in `timeZone`, with that zone's offset: what a
 * caller means by "1 April" for a customer in Chicago.
 *
 * @example localMidnight('2026-04-01', 'America/Chicago') // '2026-04-01T00:00:00.000-05:00'
 */
export function localMidnight(date: string, timeZone: string): string {
  const midnight = DateTime.fromISO(date, { zone: zoneOf(timeZone) }).startOf('day');
  if (!midnight.isValid) {
    throw new ProrationError('PRORATION_INVALID_REQUEST', `Not a calendar date: ${JSON.stringify(date)}`, {
      field: 'date',
      date,
    });
  }
  return midnight.toISO() as string;
}
