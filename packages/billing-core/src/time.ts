import { billingPeriodFor, localDate as prorationLocalDate, timeZoneSchema } from '@billkit/proration';
import { BillingError } from './errors.js';

// billing-core keeps no calendar of its own: periods, days and local dates come from
// `@billkit/proration` (luxon underneath), so an invoice's due date and a proration agree on DST.

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

/** True when `timeZone` is an IANA name this runtime knows (e.g. `America/Chicago`). */
export function isTimeZone(timeZone: string): boolean {
  if (knownTimeZones.has(timeZone)) return true;
  const known = timeZoneSchema.safeParse(timeZone).success;
  // A customer's zone is checked on every invoice: the names accepted are remembered (a few hundred
  // at most; unknown names are not, and are refused again).
  if (known) knownTimeZones.add(timeZone);
  return known;
}

const knownTimeZones = new Set<string>();

function assertTimeZone(timeZone: string): void {
  if (isTimeZone(timeZone)) return;
  throw new BillingError(
    'BILLING_INVALID_TIMEZONE',
    `timeZone ${JSON.stringify(timeZone)} is not an IANA time zone (e.g. America/Chicago)`,
    {
      field: 'timeZone',
      timeZone,
    },
  );
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
  const ms = parseInstantOrNaN(iso);
  if (Number.isNaN(ms)) {
    throw new BillingError('BILLING_INVALID_INPUT', `Not an ISO-8601 instant: ${JSON.stringify(iso)}`, {
      value: iso,
    });
  }
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
 * Add whole calendar days in `timeZone`, keeping the wall-clock time (a due date 30 days out stays at 17:00).
 *
 * @example addCalendarDays('2026-03-01T23:00:00Z', 30, 'America/Chicago') // '2026-03-31T22:00:00.000Z' (17:00 CDT)
 */
export function addCalendarDays(at: string, days: number, timeZone: string): string {
  assertTimeZone(timeZone);
  if (!Number.isSafeInteger(days)) {
    throw new BillingError('BILLING_INVALID_INPUT', `days must be a whole number (got ${String(days)})`, {
      field: 'days',
    });
  }
  let result = toIso(toInstant(at));
  // Proration's intervals go up to 1000 days: longer spans are walked in steps.
  for (let left = days; left !== 0; ) {
    const step = Math.max(-1000, Math.min(1000, left));
    const span = { interval: 'day' as const, intervalCount: Math.abs(step) };
    result =
      step > 0
        ? billingPeriodFor(result, span, result, timeZone).end
        : billingPeriodFor(result, span, toIso(toInstant(result) - 1), timeZone).start;
    left -= step;
  }
  return result;
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
  assertTimeZone(timeZone);
  return prorationLocalDate(toIso(toInstant(at)), timeZone);
}
