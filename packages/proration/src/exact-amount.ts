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
  const fast = exactAmountOfNumbers(amount, numerator, denominator, negate, mode);
  if (fast !== undefined) return fast;
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

// Below this denominator ten times a remainder stays a safe integer, so the 40 digits of the quotient
// can be produced with number arithmetic; and far below 10^40, rounding the exact quotient once gives
// the same integer as rounding its 40-place value (big.js's two steps): a 40-place rounding can only
// reach an integer or a half from a quotient within 10^-40 of one, which needs a denominator above 10^40.
const NUMBER_DENOMINATOR_LIMIT = 900_000_000_000_000;
const POW10_NUMBERS: readonly number[] = Array.from({ length: 17 }, (_, i) => 10 ** i);

/**
 * {@link exactAmount} with number arithmetic only, for the usual sizes (amount × numerator a safe
 * integer, denominator below 9 × 10^14): `undefined` otherwise. The same text and rounded value.
 */
function exactAmountOfNumbers(
  amount: number,
  numerator: number,
  denominator: number,
  negate: boolean,
  mode: RoundingMode,
): ExactAmount | null | undefined {
  const product = amount * numerator;
  if (!Number.isSafeInteger(product)) return undefined;
  const q = denominator < 0 ? -denominator : denominator;
  if (q > NUMBER_DENOMINATOR_LIMIT) return undefined;
  const magnitude = product < 0 ? -product : product;
  if (magnitude === 0) return null;
  const negative = (product < 0 !== denominator < 0) !== negate;
  let remainder = magnitude % q;
  const whole = (magnitude - remainder) / q;
  let rounded = whole;
  let text: string;
  if (remainder === 0) {
    text = String(whole);
  } else {
    const twice = remainder * 2;
    if (
      mode === 'up' ||
      ((mode === 'half_up' || mode === 'half_even') &&
        (twice > q || (twice === q && (mode === 'half_up' || whole % 2 === 1))))
    ) {
      rounded += 1;
    }
    // The fraction's 40 digits by long division, as many digits per step as stay exact, then
    // half-up on what is left (a carry out of the last digit ripples through the digit string).
    let step = 1;
    while (step < 15 && q * (POW10_NUMBERS[step + 1] as number) <= Number.MAX_SAFE_INTEGER) step += 1;
    let fraction = '';
    for (let placed = 0; placed < PLACES; placed += step) {
      const size = Math.min(step, PLACES - placed);
      const scaled = remainder * (POW10_NUMBERS[size] as number);
      let chunk = Math.floor(scaled / q);
      // The float quotient may be one off next to an integer: settle it exactly.
      if (chunk * q > scaled) chunk -= 1;
      else if ((chunk + 1) * q <= scaled) chunk += 1;
      remainder = scaled - chunk * q;
      const digits = String(chunk);
      fraction += digits.length < size ? `${'0'.repeat(size - digits.length)}${digits}` : digits;
    }
    let intPart = whole;
    if (remainder * 2 >= q) {
      let i = PLACES - 1;
      while (i >= 0 && fraction.charCodeAt(i) === 57) i -= 1; // '9'
      if (i < 0) {
        intPart += 1;
        fraction = '0'.repeat(PLACES);
      } else {
        fraction = `${fraction.slice(0, i)}${String.fromCharCode(fraction.charCodeAt(i) + 1)}${'0'.repeat(PLACES - 1 - i)}`;
      }
    }
    let end = PLACES;
    while (end > 0 && fraction.charCodeAt(end - 1) === 48) end -= 1;
    text = end === 0 ? String(intPart) : `${intPart}.${fraction.slice(0, end)}`;
  }
  return {
    text: negative ? `-${text}` : text,
    rounded: rounded === 0 ? 0 : negative ? -rounded : rounded,
  };
}
