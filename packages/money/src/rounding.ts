import type { Decimal, DecimalInput } from './decimal.js';
import { isDecimal, toDecimal } from './decimal.js';
import { MoneyError } from './errors.js';
import { roundBigToInteger } from './exact.js';

/**
 * How a decimal becomes an integer number of minor units.
 * - `half_up`: nearest, ties away from zero (2.5 → 3, −2.5 → −3). The usual commercial rule.
 * - `half_even`: nearest, ties to the even neighbour (2.5 → 2, 3.5 → 4). Banker's rounding.
 * - `down`: towards zero (2.9 → 2, −2.9 → −2). Truncation.
 * - `up`: away from zero (2.1 → 3, −2.1 → −3).
 */
export type RoundingMode = 'half_up' | 'half_even' | 'down' | 'up';

export const ROUNDING_MODES: readonly RoundingMode[] = ['half_up', 'half_even', 'down', 'up'];

/** True for the four modes (not for inherited keys such as `toString`). */
export function isRoundingMode(mode: unknown): mode is RoundingMode {
  return mode === 'half_up' || mode === 'half_even' || mode === 'down' || mode === 'up';
}

const BIG_MODE = { down: 0, half_up: 1, half_even: 2, up: 3 } as const;

/** Round a decimal to `decimals` places with an explicit mode, returning a decimal. */
export function roundDecimal(value: DecimalInput, decimals: number, mode: RoundingMode): Decimal {
  const bigMode = BIG_MODE[mode];
  if (bigMode === undefined) {
    throw new MoneyError('MONEY_INVALID_ROUNDING_MODE', `Unknown rounding mode: ${String(mode)}`, { mode });
  }
  return toDecimal(value).round(decimals, bigMode);
}

/**
 * Round a decimal amount of minor units to a safe integer.
 *
 * @example roundToMinorUnits('1234.5', 'half_even') // 1234
 */
export function roundToMinorUnits(value: DecimalInput, mode: RoundingMode): number {
  // Fast paths (engines round thousands of values per invoice): an integer is already rounded, and
  // a decimal is rounded from its digits without allocating a new Big and a string.
  if (isRoundingMode(mode)) {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    if (isDecimal(value)) {
      const fast = roundBigToInteger(value, mode);
      if (fast !== undefined) return fast;
    }
  }
  const rounded = roundDecimal(value, 0, mode);
  // An integer string converts to the exact number whenever the result is a safe integer; a value
  // beyond 2^53 converts to 2^53 or more, which is not safe, so this one check is enough.
  const result = Number(rounded.toFixed(0));
  if (!Number.isSafeInteger(result)) {
    throw new MoneyError(
      'MONEY_NOT_SAFE_INTEGER',
      `Amount ${rounded.toFixed(0)} exceeds the safe integer range`,
      {
        amount: rounded.toFixed(0),
      },
    );
  }
  return result;
}
