import type { Decimal, Factor } from './decimal.js';
import { timesFactor } from './decimal.js';
import { type Money, money } from './money.js';
import { type RoundingMode, roundToMinorUnits } from './rounding.js';

/**
 * m × factor, rounded once to whole minor units with an explicit mode. The factor is a decimal
 * string (a rate such as `'0.0825'`), an integer, or an exact ratio (`{ numerator, denominator }`,
 * e.g. seconds used over seconds in the period).
 *
 * @example multiply(money(1000, 'USD'), '0.0825', 'half_up') // 83 cents
 * @example multiply(money(3000, 'USD'), { numerator: 15, denominator: 31 }, 'half_even') // 1452
 */
export function multiply(m: Money, factor: Factor, mode: RoundingMode): Money {
  return money(roundToMinorUnits(timesFactor(m.amount, factor), mode), m.currency);
}

/**
 * m × factor in minor units, not rounded: what an engine reports as the "unrounded amount" before
 * it rounds once at the end.
 *
 * @example multiplyExact(money(1000, 'USD'), { numerator: 1, denominator: 3 }).toFixed(4) // '333.3333'
 */
export function multiplyExact(m: Money, factor: Factor): Decimal {
  return timesFactor(m.amount, factor);
}
