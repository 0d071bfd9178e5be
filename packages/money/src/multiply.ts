import type { Decimal, Factor } from './decimal.js';
import { timesFactor } from './decimal.js';
import { roundedProduct } from './exact.js';
import { assertMoney, type Money, money } from './money.js';
import { isRoundingMode, type RoundingMode, roundToMinorUnits } from './rounding.js';

const isRatio = (factor: Factor): factor is Exclude<Factor, string | number | bigint | Decimal> =>
  typeof factor === 'object' && factor !== null && 'numerator' in factor && 'denominator' in factor;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * m × factor, rounded once to whole minor units with an explicit mode. The factor is a decimal
 * string (a rate such as `'0.0825'`), an integer, or an exact ratio (`{ numerator, denominator }`,
 * e.g. seconds used over seconds in the period).
 *
 * @example multiply(money(1000, 'USD'), '0.0825', 'half_up') // 83 cents
 * @example multiply(money(3000, 'USD'), { numerator: 15, denominator: 31 }, 'half_even') // 1452
 */
export function multiply(m: Money, factor: Factor, mode: RoundingMode): Money {
  assertMoney(m, 'm');
  // Exact integer fast path (no big.js division to 40 places); it declines whatever it cannot prove
  // equal to the big.js result, which then runs below and raises the usual typed errors.
  if (isRoundingMode(mode)) {
    const fast = isRatio(factor)
      ? roundedProduct(m.amount, factor.numerator, factor.denominator, mode)
      : roundedProduct(m.amount, factor, undefined, mode);
    if (fast !== undefined && fast >= MIN_SAFE && fast <= MAX_SAFE) return money(Number(fast), m.currency);
  }
  return money(roundToMinorUnits(timesFactor(m.amount, factor), mode), m.currency);
}

/**
 * m × factor in minor units, not rounded: what an engine reports as the "unrounded amount" before
 * it rounds once at the end.
 *
 * @example multiplyExact(money(1000, 'USD'), { numerator: 1, denominator: 3 }).toFixed(4) // '333.3333'
 */
export function multiplyExact(m: Money, factor: Factor): Decimal {
  assertMoney(m, 'm');
  return timesFactor(m.amount, factor);
}
