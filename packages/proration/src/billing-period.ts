import { DateTime } from 'luxon';
import {
  approximateDays,
  assertBillingInterval,
  type BillingInterval,
  intervalDuration,
} from './billing-interval.js';
import { ProrationError } from './errors.js';
import { assertTimeZone, type Instant, type TimeSlice, toIso, toMillis, zoneOf } from './instant.js';

/** One billing period `[start, end)`, as UTC ISO-8601 strings. */
export type BillingPeriod = TimeSlice;

const MAX_PERIODS = 10_000;
const DAY_MS = 86_400_000;

/**
 * The k-th period boundary after the anchor, computed from the anchor itself (never chained from the
 * previous boundary), in the anchor's wall-clock time in `timeZone`. Luxon clamps month ends, so a
 * Jan 31 anchor gives Feb 29, Mar 31, Apr 30: the day comes back to 31 whenever the month has one.
 */
export function boundary(anchorMs: number, interval: BillingInterval, k: number, timeZone: string): number {
  const n = (interval.intervalCount ?? 1) * k;
  const key = `${anchorMs}|${interval.interval}|${n}|${timeZone}`;
  const known = boundaries.get(key);
  if (known !== undefined) return known;
  const ms = DateTime.fromMillis(anchorMs, { zone: zoneOf(timeZone) })
    .plus(intervalDuration(interval, k))
    .toMillis();
  if (boundaries.size >= MAX_REMEMBERED_BOUNDARIES) boundaries.clear();
  boundaries.set(key, ms);
  return ms;
}

/**
 * Boundaries computed lately (a pure function of anchor, interval, k and zone; luxon's zone arithmetic is
 * most of a renewal's cost, and a billing run renews many subscriptions on the same anchors). Bounded.
 */
const boundaries = new Map<string, number>();
const MAX_REMEMBERED_BOUNDARIES = 4096;

/**
 * The index k of the period `[boundary(k), boundary(k + 1))` holding `atMs`, with both boundaries (each
 * computed once).
 */
function locate(
  anchorMs: number,
  interval: BillingInterval,
  atMs: number,
  timeZone: string,
): { k: number; startMs: number; endMs: number } {
  let k = Math.floor((atMs - anchorMs) / (approximateDays(interval) * DAY_MS));
  let startMs = boundary(anchorMs, interval, k, timeZone);
  let endMs: number | null = null;
  while (startMs > atMs) {
    k -= 1;
    endMs = startMs;
    startMs = boundary(anchorMs, interval, k, timeZone);
  }
  endMs ??= boundary(anchorMs, interval, k + 1, timeZone);
  while (endMs <= atMs) {
    k += 1;
    startMs = endMs;
    endMs = boundary(anchorMs, interval, k + 1, timeZone);
  }
  return { k, startMs, endMs };
}

function checkInputs(interval: BillingInterval, timeZone: string): void {
  assertBillingInterval(interval);
  assertTimeZone(timeZone);
}

/**
 * The billing period that contains `at`, for a subscription whose billing-cycle anchor is `anchor`
 * and whose price recurs every `interval`, with calendar arithmetic in the customer's `timeZone`
 * (so a monthly period keeps its local midnight across DST changes). Periods are half-open:
 * `at` equal to a boundary starts the next period. Instants before the anchor get the periods
 * that would have preceded it.
 *
 * @example
 * billingPeriodFor('2024-01-31T05:00:00Z', { interval: 'month' }, '2024-02-15T00:00:00Z', 'America/New_York')
 * // { start: '2024-01-31T05:00:00.000Z', end: '2024-02-29T05:00:00.000Z' }
 */
export function billingPeriodFor(
  anchor: Instant,
  interval: BillingInterval,
  at: Instant,
  timeZone: string,
): BillingPeriod {
  checkInputs(interval, timeZone);
  const anchorMs = toMillis(anchor, 'anchor');
  const { startMs, endMs } = locate(anchorMs, interval, toMillis(at, 'at'), timeZone);
  return { start: toIso(startMs), end: toIso(endMs) };
}

/**
 * The period that follows `period` (the one starting at its end).
 *
 * @example
 * nextPeriod('2024-01-31T00:00:00Z', { interval: 'month' },
 *   { start: '2024-01-31T00:00:00Z', end: '2024-02-29T00:00:00Z' }, 'UTC')
 * // { start: '2024-02-29T00:00:00.000Z', end: '2024-03-31T00:00:00.000Z' }
 */
export function nextPeriod(
  anchor: Instant,
  interval: BillingInterval,
  period: { readonly start: Instant; readonly end: Instant },
  timeZone: string,
): BillingPeriod {
  return billingPeriodFor(anchor, interval, period.end, timeZone);
}

/**
 * Every period that overlaps `[from, to)`, in order. Refuses (with `PRORATION_TOO_MANY_PERIODS`)
 * to list more than 10,000 periods.
 *
 * @example
 * periodsBetween('2024-01-31T00:00:00Z', { interval: 'month' }, '2024-01-31T00:00:00Z', '2024-05-01T00:00:00Z', 'UTC')
 * // Jan 31–Feb 29, Feb 29–Mar 31, Mar 31–Apr 30, Apr 30–May 31
 */
export function periodsBetween(
  anchor: Instant,
  interval: BillingInterval,
  from: Instant,
  to: Instant,
  timeZone: string,
): BillingPeriod[] {
  checkInputs(interval, timeZone);
  const anchorMs = toMillis(anchor, 'anchor');
  const fromMs = toMillis(from, 'from');
  const toMs = toMillis(to, 'to');
  const periods: BillingPeriod[] = [];
  if (toMs <= fromMs) return periods;
  const first = locate(anchorMs, interval, fromMs, timeZone);
  let k = first.k;
  let start = first.startMs;
  while (start < toMs) {
    if (periods.length >= MAX_PERIODS) {
      throw new ProrationError('PRORATION_TOO_MANY_PERIODS', `More than ${MAX_PERIODS} periods requested`, {
        from,
        to,
      });
    }
    const end = boundary(anchorMs, interval, k + 1, timeZone);
    periods.push({ start: toIso(start), end: toIso(end) });
    k += 1;
    start = end;
  }
  return periods;
}

/** The end of a period of one `interval` starting at `startMs` (a new billing-cycle anchor). */
export function periodEndFrom(startMs: number, interval: BillingInterval, timeZone: string): number {
  return boundary(startMs, interval, 1, timeZone);
}
