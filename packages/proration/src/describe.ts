import { formatLocal, luxonFormat } from './local-time.js';
import type { ProrationPrecision } from './precision.js';

export interface DescribedSlice {
  readonly startMs: number;
  readonly endMs: number;
  readonly units: number;
  readonly periodUnits: number;
}

/** The slice in plain words, in the customer's time zone. */
function describeRange(slice: DescribedSlice, precision: ProrationPrecision, timeZone: string): string {
  if (precision === 'second') {
    return `from ${formatLocal(slice.startMs, timeZone, true)} to ${formatLocal(slice.endMs, timeZone, true)}`;
  }
  const unit = slice.periodUnits === 1 ? 'day' : 'days';
  // The last day stays with luxon: stepping back a day lands in a DST gap differently per zone.
  return `from ${formatLocal(slice.startMs, timeZone, false)} to ${luxonFormat(slice.endMs, timeZone, false, 1)} (${slice.units} of ${slice.periodUnits} ${unit})`;
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
