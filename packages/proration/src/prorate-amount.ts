import {
  type Money,
  money,
  moneySchema,
  multiplyExact,
  type RoundingMode,
  roundingModeSchema,
  roundToMinorUnits,
} from '@billkit/money';
import type { Instant } from './instant.js';
import { type Fraction, type MeasureOptions, periodFraction } from './precision.js';
import { parseWith } from './validate.js';

/** One prorated amount: the exact fraction, the unrounded minor units and the amount rounded once. */
export interface ProratedAmount {
  readonly fraction: Fraction;
  /** Minor units before rounding, as a decimal string (e.g. `"1548.3870967741935483870967741935483870967742"`). */
  readonly unroundedAmount: string;
  readonly amount: Money;
}

/**
 * `amount × (time in slice / time in period)`, rounded once with `roundingMode` (default `half_up`).
 * The building block of {@link prorate}, exported for callers that prorate a single line.
 *
 * @example
 * prorateAmount(money(3000, 'USD'),
 *   { start: '2024-01-16T00:00:00Z', end: '2024-02-01T00:00:00Z' },
 *   { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' })
 * // amount: 1548 cents (16 of 31 days of $30.00)
 */
export function prorateAmount(
  amount: Money,
  slice: { readonly start: Instant; readonly end: Instant },
  period: { readonly start: Instant; readonly end: Instant },
  options: MeasureOptions & { readonly roundingMode?: RoundingMode | undefined } = {},
): ProratedAmount {
  parseWith(moneySchema, amount, 'amount', ['amount']);
  if (options.roundingMode !== undefined)
    parseWith(roundingModeSchema, options.roundingMode, 'rounding mode', ['roundingMode']);
  const fraction = periodFraction(slice, period, options);
  const exact = multiplyExact(amount, fraction);
  return {
    fraction,
    unroundedAmount: exact.toFixed(),
    amount: money(roundToMinorUnits(exact, options.roundingMode ?? 'half_up'), amount.currency),
  };
}
