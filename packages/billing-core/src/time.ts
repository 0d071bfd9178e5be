import { BillingError } from './errors.js';

/** A recurring interval in Stripe's words: every `intervalCount` days, weeks, months or years. */
export interface RecurringInterval {
  readonly interval: 'day' | 'week' | 'month' | 'year';
  readonly intervalCount: number;
}

/** A half-open span of time `[start, end)` as ISO-8601 instants. */
export interface BillingPeriod {
  readonly start: string;
  readonly end: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new BillingError(
        'BILLING_INVALID_TIMEZONE',
        `Unknown IANA time zone: ${JSON.stringify(timeZone)}`,
        {
          timeZone,
        },
        { cause },
      );
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA name this runtime knows (e.g. `America/Chicago`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function wallClock(instant: number, timeZone: string): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    millisecond: ((instant % 1000) + 1000) % 1000,
  };
}

function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond) - instant;
}

/** The instant at which the clock in `timeZone` shows `w` (for a wall time skipped by DST, the later reading). */
function fromWallClock(w: WallClock, timeZone: string): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
  const first = asUtc - offsetAt(asUtc, timeZone);
  const second = asUtc - offsetAt(first, timeZone);
  const shows = (instant: number): boolean => instant + offsetAt(instant, timeZone) === asUtc;
  if (shows(first) && shows(second)) return Math.min(first, second);
  if (shows(first)) return first;
  if (shows(second)) return second;
  return Math.max(first, second);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// Subscriptions are read at the same few instants (period bounds, discount starts, the change date)
// again and again: parses are memoised per string (a pure function of it; failures are not cached).
const MAX_CACHED_INSTANTS = 1024;
const instantCache = new Map<string, number>();

/** `Date.parse(iso)` (NaN for nonsense), from the same memo as {@link toInstant}. */
export function parseInstantOrNaN(iso: string): number {
  const cached = instantCache.get(iso);
  if (cached !== undefined) return cached;
  const ms = Date.parse(iso);
  if (!Number.isNaN(ms)) {
    if (instantCache.size >= MAX_CACHED_INSTANTS) instantCache.clear();
    instantCache.set(iso, ms);
  }
  return ms;
}

/** Parse an ISO-8601 instant to epoch milliseconds, refusing nonsense with a typed error. */
export function toInstant(iso: string): number {
  const cached = instantCache.get(iso);
  if (cached !== undefined) return cached;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new BillingError('BILLING_INVALID_INPUT', `Not an ISO-8601 instant: ${JSON.stringify(iso)}`, {
      value: iso,
    });
  }
  if (instantCache.size >= MAX_CACHED_INSTANTS) instantCache.clear();
  instantCache.set(iso, ms);
  return ms;
}

// A change prints the same few instants (period bounds, proration date, charge starts) again and
// again: the last results are memoised (a pure function of the number; an invalid instant still
// throws RangeError, and is never cached).
const MAX_CACHED_ISO = 1024;
const isoCache = new Map<number, string>();

/** Epoch milliseconds as a canonical ISO-8601 UTC string. */
export function toIso(instant: number): string {
  let iso = isoCache.get(instant);
  if (iso === undefined) {
    iso = new Date(instant).toISOString();
    if (isoCache.size >= MAX_CACHED_ISO) isoCache.clear();
    isoCache.set(instant, iso);
  }
  return iso;
}

/**
 * The `index`-th boundary of a billing cycle anchored at `anchor`, computed in `timeZone` from the anchor
 * (never from the previous boundary), so month-end anchors behave: Jan 31 → Feb 28/29 → Mar 31 → Apr 30.
 *
 * @example cycleBoundary('2026-01-31T06:00:00Z', { interval: 'month', intervalCount: 1 }, 1, 'America/Chicago')
 * // '2026-02-28T06:00:00.000Z'
 */
export function cycleBoundary(
  anchor: string,
  recurring: RecurringInterval,
  index: number,
  timeZone: string,
): string {
  const a = wallClock(toInstant(anchor), timeZone);
  const steps = index * recurring.intervalCount;
  const target: WallClock = { ...a };
  if (recurring.interval === 'day' || recurring.interval === 'week') {
    const days = recurring.interval === 'day' ? steps : steps * 7;
    const d = new Date(Date.UTC(a.year, a.month - 1, a.day + days));
    target.year = d.getUTCFullYear();
    target.month = d.getUTCMonth() + 1;
    target.day = d.getUTCDate();
  } else {
    const months = recurring.interval === 'month' ? steps : steps * 12;
    const total = a.year * 12 + (a.month - 1) + months;
    target.year = Math.floor(total / 12);
    target.month = (total % 12) + 1;
    target.day = Math.min(a.day, daysInMonth(target.year, target.month));
  }
  return toIso(fromWallClock(target, timeZone));
}

/** Add whole calendar days in `timeZone`, keeping the wall-clock time (a due date 30 days out stays at 17:00). */
export function addCalendarDays(at: string, days: number, timeZone: string): string {
  return cycleBoundary(at, { interval: 'day', intervalCount: 1 }, days, timeZone);
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The calendar date (`YYYY-MM-DD`) that the clock in `timeZone` shows at `at`; a date given as a date
 * is returned as it is. Tax rates change at midnight local time: 2020-12-31T23:00:00Z is already
 * 1 January 2021 in Berlin.
 *
 * @example localDate('2020-12-31T23:00:00Z', 'Europe/Berlin') // '2021-01-01'
 */
export function localDate(at: string, timeZone: string): string {
  if (DATE_ONLY.test(at)) return at;
  const w = wallClock(toInstant(at), timeZone);
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(w.year, 4)}-${pad(w.month, 2)}-${pad(w.day, 2)}`;
}
