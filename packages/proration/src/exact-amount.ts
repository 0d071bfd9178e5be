import type { RoundingMode } from '@billkit/money';

/*
 * A proration item's unrounded and rounded amounts without big.js. `multiplyExact` (money) computes
 * basis × numerator / denominator as a 40-place decimal (half-up at the 40th place), which the item
 * then printed (`toFixed`) and rounded once: parsing that 40-place string into a big.js value and
 * printing it back was the largest remaining cost of an item. Here the same 40-place value is held
 * as an integer (value × 10^40), printed from its digits and rounded with big.js's rounding rules;
 * test/exact-amount.test.ts compares both on random inputs in every mode.
 */

const PLACES = 40;
const SCALE = 10n ** BigInt(PLACES);

/** Round p / q (q > 0) to an integer: big.js semantics (sign-symmetric; `down` toward zero, `up` away). */
function roundQuotient(p: bigint, q: bigint, mode: RoundingMode): bigint {
  const negative = p < 0n;
  const magnitude = negative ? -p : p;
  let quotient = magnitude / q;
  const remainder = magnitude % q;
  if (remainder !== 0n) {
    if (mode === 'up') quotient += 1n;
    else if (mode !== 'down') {
      const twice = remainder * 2n;
      if (twice > q || (twice === q && (mode === 'half_up' || quotient % 2n === 1n))) quotient += 1n;
    }
  }
  return negative ? -quotient : quotient;
}

export interface ExactAmount {
  /** `multiplyExact(basis, fraction)` (negated when `negate`) as `toFixed()` prints it. */
  readonly text: string;
  /** That value rounded to minor units with the mode, as `roundToMinorUnits` does. */
  readonly rounded: number;
}

/**
 * `amount × numerator / denominator` at 40 places, negated when asked: `null` when it is zero (the
 * item is dropped), `undefined` when the inputs are not safe integers or the mode is unknown (the
 * caller then uses big.js, which raises the usual errors).
 */
export function exactAmount(
  amount: number,
  numerator: number,
  denominator: number,
  negate: boolean,
  mode: RoundingMode,
): ExactAmount | null | undefined {
  if (
    !Number.isSafeInteger(amount) ||
    !Number.isSafeInteger(numerator) ||
    !Number.isSafeInteger(denominator) ||
    denominator === 0 ||
    (mode !== 'half_up' && mode !== 'half_even' && mode !== 'down' && mode !== 'up')
  ) {
    return undefined;
  }
  let p = BigInt(amount) * BigInt(numerator) * SCALE;
  let q = BigInt(denominator);
  if (q < 0n) {
    q = -q;
    p = -p;
  }
  // big.js divides to 40 places, rounding half-up (Big.RM of money's private copy).
  let scaled = roundQuotient(p, q, 'half_up');
  if (scaled === 0n) return null;
  if (negate) scaled = -scaled;
  const rounded = Number(roundQuotient(scaled, SCALE, mode));
  if (!Number.isSafeInteger(rounded)) return undefined;
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(PLACES + 1, '0');
  const point = digits.length - PLACES;
  const fraction = digits.slice(point).replace(/0+$/, '');
  return {
    text: `${negative ? '-' : ''}${digits.slice(0, point)}${fraction === '' ? '' : `.${fraction}`}`,
    rounded: rounded === 0 ? 0 : rounded,
  };
}
