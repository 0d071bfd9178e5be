import { DateTime } from 'luxon';
import { zoneOf } from './instant.js';
import type { ProrationPrecision } from './precision.js';

export interface DescribedSlice {
  readonly startMs: number;
  readonly endMs: number;
  readonly units: number;
  readonly periodUnits: number;
}

function localDate(millis: number, timeZone: string): DateTime {
  return DateTime.fromMillis(millis, { zone: zoneOf(timeZone) }).setLocale('en-GB');
}

/** The slice in plain words, in the customer's time zone. */
function describeRange(slice: DescribedSlice, precision: ProrationPrecision, timeZone: string): string {
  if (precision === 'second') {
    const format = 'd LLL yyyy HH:mm';
    return `from ${localDate(slice.startMs, timeZone).toFormat(format)} to ${localDate(slice.endMs, timeZone).toFormat(format)}`;
  }
  const format = 'd LLL yyyy';
  const lastDay = localDate(slice.endMs, timeZone).minus({ days: 1 });
  const unit = slice.periodUnits === 1 ? 'day' : 'days';
  return `from ${localDate(slice.startMs, timeZone).toFormat(format)} to ${lastDay.toFormat(format)} (${slice.units} of ${slice.periodUnits} ${unit})`;
}

/**
 * "Unused time on Pro × 2 from 16 Jan 2024 00:00 to 1 Feb 2024 00:00" — Stripe's wording, with the
 * slice spelled out so a customer can check it.
 */
export function describeItem(
  lead: 'Unused time on' | 'Remaining time on' | 'New billing period on',
  planName: string,
  quantity: number,
  slice: DescribedSlice,
  precision: ProrationPrecision,
  timeZone: string,
): string {
  return `${lead} ${planName} × ${quantity} ${describeRange(slice, precision, timeZone)}`;
}
