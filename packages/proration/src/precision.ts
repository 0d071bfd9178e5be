import { DateTime } from 'luxon';
import { z } from 'zod';
import { ProrationError } from './errors.js';
import { assertTimeZone, type Instant, toMillis, zoneOf } from './instant.js';

/**
 * How time is measured when prorating:
 * - `second` (default): elapsed seconds (instants are truncated to the whole second, as Unix
 *   timestamps are), so a 23-hour DST day is shorter than a 25-hour one.
 * - `day`: whole calendar days in the customer's time zone; an instant counts as its local date.
 * - `thirty_day_month`: every month counts as 30 days (30E/360: the 31st, and the last day of
 *   February, count as day 30), so a month is always 30 units and a year 360. It describes periods
 *   of a month or longer; a shorter period (daily or weekly plans) is measured in calendar days,
 *   since 30E/360 would make a day such as Jan 30 → Jan 31 last zero days.
 */
export const PRORATION_PRECISIONS = ['second', 'day', 'thirty_day_month'] as const;
export const prorationPrecisionSchema = z.enum(PRORATION_PRECISIONS);
export type ProrationPrecision = (typeof PRORATION_PRECISIONS)[number];

/**
 * For day-based precisions, who pays for the day of a change:
 * - `start_inclusive` (default): slices are start-inclusive, end-exclusive; the change day belongs
 *   to the new terms only, so an unchanged plan nets to zero.
 * - `both_inclusive`: the change day is billed under both the old and the new terms (the old
 *   configuration's unused time starts the day after the change).
 */
export const DAY_BOUNDARIES = ['start_inclusive', 'both_inclusive'] as const;
export const dayBoundarySchema = z.enum(DAY_BOUNDARIES);
export type DayBoundary = (typeof DAY_BOUNDARIES)[number];

/** An exact fraction of whole units (seconds or days). */
export interface Fraction {
  readonly numerator: number;
  readonly denominator: number;
}

/** What a fraction of time is measured with. */
export interface MeasureOptions {
  readonly precision?: ProrationPrecision | undefined;
  /** IANA zone whose calendar days count for `day` and `thirty_day_month`. Default `UTC`. */
  readonly timeZone?: string | undefined;
}

function dayNumber(date: DateTime): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 86_400_000;
}

/**
 * A monotonic position on the time line in the precision's whole units. Every measured length is a
 * difference of two positions, so lengths of adjacent slices always add up exactly.
 */
export function position(millis: number, precision: ProrationPrecision, timeZone: string): number {
  if (precision === 'second') return Math.floor(millis / 1000);
  const local = DateTime.fromMillis(millis, { zone: zoneOf(timeZone) });
  if (precision === 'day') return dayNumber(local);
  const isMonthEnd = local.day === local.daysInMonth;
  const day = isMonthEnd || local.day > 30 ? 30 : local.day;
  return local.year * 360 + (local.month - 1) * 30 + day;
}

/** Periods shorter than this many 30E/360 days are not month-based: they are counted in days. */
const SHORTEST_THIRTY_DAY_MONTH_PERIOD = 28;

/**
 * The precision actually used for a period: `thirty_day_month` becomes `day` for periods shorter
 * than a month (see {@link PRORATION_PRECISIONS}); the others are used as given.
 */
export function effectivePrecision(
  precision: ProrationPrecision,
  periodStartMs: number,
  periodEndMs: number,
  timeZone: string,
): ProrationPrecision {
  if (precision !== 'thirty_day_month') return precision;
  const units = position(periodEndMs, precision, timeZone) - position(periodStartMs, precision, timeZone);
  return units < SHORTEST_THIRTY_DAY_MONTH_PERIOD ? 'day' : precision;
}

/** The first instant of the local day after `millis` in `timeZone`. */
export function startOfNextDay(millis: number, timeZone: string): number {
  return DateTime.fromMillis(millis, { zone: zoneOf(timeZone) })
    .startOf('day')
    .plus({ days: 1 })
    .toMillis();
}

/**
 * The exact fraction of `period` that `slice` covers, in whole units of the chosen precision
 * (the part of the slice outside the period does not count).
 *
 * @example
 * periodFraction(
 *   { start: '2024-01-16T00:00:00Z', end: '2024-02-01T00:00:00Z' },
 *   { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' },
 *   { precision: 'day' },
 * ) // { numerator: 16, denominator: 31 }
 */
export function periodFraction(
  slice: { readonly start: Instant; readonly end: Instant },
  period: { readonly start: Instant; readonly end: Instant },
  options: MeasureOptions = {},
): Fraction {
  const timeZone = options.timeZone ?? 'UTC';
  assertTimeZone(timeZone);
  const precision = effectivePrecision(
    options.precision ?? 'second',
    toMillis(period.start, 'period.start'),
    toMillis(period.end, 'period.end'),
    timeZone,
  );
  const p0 = position(toMillis(period.start, 'period.start'), precision, timeZone);
  const p1 = position(toMillis(period.end, 'period.end'), precision, timeZone);
  if (p1 <= p0) {
    throw new ProrationError('PRORATION_INVALID_PERIOD', 'The period is empty at this precision', { period });
  }
  const s0 = Math.max(p0, position(toMillis(slice.start, 'slice.start'), precision, timeZone));
  const s1 = Math.min(p1, position(toMillis(slice.end, 'slice.end'), precision, timeZone));
  return { numerator: Math.max(0, s1 - s0), denominator: p1 - p0 };
}
