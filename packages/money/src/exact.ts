import type { Decimal, DecimalInput } from './decimal.js';
import type { RoundingMode } from './rounding.js';

/*
 * Exact integer fast paths behind the public functions. big.js stays the reference (and the
 * fallback): every helper here answers `undefined` when it cannot prove its answer equals what the
 * big.js path gives, and test/fast-paths.test.ts checks the equality on random inputs in every mode.
 */

/** A decimal as an integer and a power-of-ten scale: value = int / 10^scale. */
export interface Scaled {
  readonly int: bigint;
  readonly scale: number;
}

const PLAIN_DECIMAL = /^([-+]?)(\d*)(?:\.(\d*))?$/;
const POW10: bigint[] = [];
for (let i = 0, p = 1n; i <= 80; i += 1, p *= 10n) POW10.push(p);

/**
 * A decimal input as `int / 10^scale`, exactly, or `undefined` for anything the fast paths leave to
 * big.js (foreign Big copies, exotic strings, floats: those still get their typed errors there).
 */
export function toScaled(value: DecimalInput): Scaled | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) ? { int: BigInt(value), scale: 0 } : undefined;
  if (typeof value === 'bigint') return { int: value, scale: 0 };
  if (typeof value === 'string') {
    const match = PLAIN_DECIMAL.exec(value.trim());
    if (match === null) return undefined;
    const whole = match[2] ?? '';
    const fraction = match[3] ?? '';
    if (whole === '' && fraction === '') return undefined;
    if (fraction.length > 80) return undefined;
    const int = BigInt(`${whole}${fraction}` || '0');
    return { int: match[1] === '-' ? -int : int, scale: fraction.length };
  }
  return undefined;
}

/** Round `p / q` (q > 0) to an integer with `mode`; big.js's sign-symmetric semantics. */
export function roundQuotient(p: bigint, q: bigint, mode: RoundingMode): bigint {
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

// big.js carries a quotient to 40 places (half-up) before the final rounding. That first rounding
// can only move a value across an integer or a half when the denominator reaches ~1e40, so below
// this bound rounding the exact quotient once gives the same integer.
const EXACT_DENOMINATOR_LIMIT = 10n ** 39n;

/**
 * `amount × numerator / denominator` rounded once with `mode`, exactly as big.js would
 * (`times`, `div` to 40 places, `round`), or `undefined` when the fast path does not apply.
 */
export function roundedProduct(
  amount: number,
  numerator: DecimalInput,
  denominator: DecimalInput | undefined,
  mode: RoundingMode,
): bigint | undefined {
  if (!Number.isSafeInteger(amount)) return undefined;
  const n = toScaled(numerator);
  if (n === undefined) return undefined;
  let p = BigInt(amount) * n.int;
  let q = POW10[n.scale] as bigint;
  if (denominator !== undefined) {
    const d = toScaled(denominator);
    if (d === undefined || d.int === 0n) return undefined;
    p *= POW10[d.scale] as bigint;
    q *= d.int < 0n ? -d.int : d.int;
    if (d.int < 0n) p = -p;
    if (q >= EXACT_DENOMINATOR_LIMIT) return undefined;
  }
  return roundQuotient(p, q, mode);
}

/**
 * A big.js value rounded to an integer with `mode`, read straight from its digits (no new Big, no
 * string), or `undefined` when the integer part is too long to be certainly safe.
 */
export function roundBigToInteger(value: Decimal, mode: RoundingMode): number | undefined {
  const { c: digits, e: exponent, s: sign } = value;
  // Integer part: digits[0..exponent]; more than 15 digits could leave the safe range.
  if (exponent > 14) return undefined;
  let integer = 0;
  for (let i = 0; i <= exponent; i += 1) integer = integer * 10 + (digits[i] ?? 0);
  const first = exponent + 1; // index of the first fraction digit (exponent < 0: leading zeros)
  let increment = false;
  if (mode !== 'down') {
    let nonZero = false;
    let leading = -1; // first fraction digit, -1 when there is no fraction
    let restNonZero = false;
    for (let i = Math.max(0, first); i < digits.length; i += 1) {
      const digit = digits[i] as number;
      if (i === first) leading = digit;
      else if (digit !== 0) restNonZero = true;
      if (digit !== 0) nonZero = true;
    }
    // With leading zeros (exponent < −1) the first fraction digit is 0.
    if (first < 0 && nonZero) {
      restNonZero = true;
      leading = 0;
    }
    if (mode === 'up') increment = nonZero;
    else if (leading > 5 || (leading === 5 && restNonZero)) increment = true;
    else if (leading === 5) increment = mode === 'half_up' || integer % 2 === 1;
  }
  if (increment) integer += 1;
  return integer === 0 ? 0 : sign < 0 ? -integer : integer;
}

/**
 * `amount × numerator / denominator` as the decimal string big.js gives for `times(n).div(d)` with
 * 40 places (half-up, trailing zeros dropped), or `undefined` when the fast path does not apply
 * (including a zero result, whose sign big.js tracks).
 */
export function quotientString(
  amount: number,
  numerator: DecimalInput,
  denominator: DecimalInput,
): string | undefined {
  if (!Number.isSafeInteger(amount)) return undefined;
  const n = toScaled(numerator);
  const d = toScaled(denominator);
  if (n === undefined || d === undefined || d.int === 0n) return undefined;
  let p = BigInt(amount) * n.int * (POW10[d.scale + QUOTIENT_PLACES] as bigint);
  let q = (POW10[n.scale] as bigint) * d.int;
  if (q < 0n) {
    q = -q;
    p = -p;
  }
  const scaled = roundQuotient(p, q, 'half_up');
  if (scaled === 0n) return undefined;
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(QUOTIENT_PLACES + 1, '0');
  const point = digits.length - QUOTIENT_PLACES;
  const fraction = digits.slice(point).replace(/0+$/, '');
  return `${negative ? '-' : ''}${digits.slice(0, point)}${fraction === '' ? '' : `.${fraction}`}`;
}

/** Places big.js keeps in a quotient (`Big.DP` in decimal.ts). */
const QUOTIENT_PLACES = 40;
