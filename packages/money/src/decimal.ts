import type { BigConstructor, Big as BigInstance } from 'big.js';
import BigImport from 'big.js';
import { MoneyError } from './errors.js';
import { quotientString } from './exact.js';

/**
 * An arbitrary-precision decimal (big.js) used for intermediate math: rates, fractions of a
 * period, unrounded amounts. It is a private copy of the big.js constructor, so billkit never
 * touches (or depends on) the global `Big.DP` / `Big.RM` settings of the host application.
 */
export type Decimal = BigInstance;

/** Anything a decimal can be made from. Numbers must be integers: a float is never money input. */
export type DecimalInput = string | number | bigint | Decimal;

const Big: BigConstructor = BigImport();
// Quotients (rates, time fractions) are kept to 40 places; every value that reaches an amount is
// rounded once, explicitly, with a caller-chosen mode.
Big.DP = 40;
Big.RM = Big.roundHalfUp;
Big.strict = false;

const DECIMAL_PATTERN = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Make a decimal. Strings are parsed exactly (`'0.0625'`); numbers must be safe integers, because a
 * binary float such as `0.1` is not the decimal its author meant.
 *
 * @example toDecimal('19.99').times(3).toString() // '59.97'
 */
export function toDecimal(value: DecimalInput): Decimal {
  if (value instanceof Big) return value;
  if (typeof value === 'bigint') return new Big(value.toString());
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new MoneyError(
        'MONEY_INVALID_DECIMAL',
        `Numbers must be safe integers; pass decimals as strings (got ${value})`,
        { value },
      );
    }
    return new Big(value);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (!DECIMAL_PATTERN.test(text)) {
      throw new MoneyError('MONEY_INVALID_DECIMAL', `Not a decimal number: ${JSON.stringify(value)}`, {
        value,
      });
    }
    return new Big(text);
  }
  // A Big made by another copy of big.js (e.g. a host's own): accept it by value.
  if (value !== null && typeof value === 'object' && 'c' in value && 'e' in value && 's' in value) {
    return new Big((value as BigInstance).toFixed());
  }
  throw new MoneyError('MONEY_INVALID_DECIMAL', 'Not a decimal number', { value });
}

/** True when `value` is a billkit decimal. */
export function isDecimal(value: unknown): value is Decimal {
  return value instanceof Big;
}

/** An exact rational number, e.g. the fraction of a billing period (seconds used / seconds in period). */
export interface Ratio {
  readonly numerator: DecimalInput;
  readonly denominator: DecimalInput;
}

/** A multiplication factor: a decimal (`'0.0825'`), an integer, or an exact ratio. */
export type Factor = DecimalInput | Ratio;

function isRatio(value: unknown): value is Ratio {
  return value !== null && typeof value === 'object' && 'numerator' in value && 'denominator' in value;
}

/**
 * `value × factor` as a decimal. A ratio is applied as `(value × numerator) / denominator` so that the
 * only inexact step is one division carried to 40 places, far below any currency's minor unit.
 */
export function timesFactor(value: DecimalInput, factor: Factor): Decimal {
  const base = toDecimal(value);
  if (isRatio(factor)) {
    const denominator = toDecimal(factor.denominator);
    if (denominator.eq(0)) {
      throw new MoneyError('MONEY_DIVISION_BY_ZERO', 'Ratio denominator is zero', { factor });
    }
    // The same 40-place quotient computed with integers: big.js long division was the hot spot of
    // every proration and percentage discount. Declines (→ big.js) whatever it cannot read exactly.
    if (typeof value === 'number') {
      const fast = quotientString(value, factor.numerator, factor.denominator);
      if (fast !== undefined) return new Big(fast);
    }
    return base.times(toDecimal(factor.numerator)).div(denominator);
  }
  return base.times(toDecimal(factor));
}

export { Big as DecimalConstructor };
