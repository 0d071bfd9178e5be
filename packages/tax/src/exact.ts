import { MoneyError, type RoundingMode } from '@billkit/money';

/*
 * Exact decimal arithmetic for the engine, without big.js. A value is an integer and a power-of-ten
 * scale (value = int / 10^scale). The integer is a number while it is a safe integer and a bigint
 * beyond (never a bigint that would fit: equal values have equal representations), so the common case
 * — cents times a rate with a few decimal places — is plain integer arithmetic on numbers, and nothing
 * is ever rounded by accident: sums and products are exact, the one division (extracting tax from an
 * inclusive amount) is rounded to 40 places half-up exactly as big.js did (`Big.DP = 40`), and every
 * rounding to minor units is explicit. test/exact.test.ts compares each operation with big.js.
 */

/** An integer: a safe-integer number, or a bigint outside the safe range. */
export type Int = number | bigint;

/** A decimal `int / 10^scale`, exactly. */
export interface Exact {
  readonly int: Int;
  readonly scale: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Places of a big.js quotient (money's private copy sets `Big.DP = 40`, `Big.RM = half up`). */
export const QUOTIENT_PLACES = 40;

const POW10: Int[] = [];
const POW10_BIG: bigint[] = [];
for (let i = 0, p = 1n; i <= 120; i += 1, p *= 10n) {
  POW10_BIG.push(p);
  POW10.push(i <= 15 ? Number(p) : p);
}

function pow10Big(k: number): bigint {
  return POW10_BIG[k] ?? 10n ** BigInt(k);
}

/** 10^k as an Int. */
export function pow10(k: number): Int {
  return POW10[k] ?? 10n ** BigInt(k);
}

function toBig(a: Int): bigint {
  return typeof a === 'bigint' ? a : BigInt(a);
}

/** The canonical Int of a bigint: a number when it is safe. */
function fromBig(a: bigint): Int {
  return a >= MIN_SAFE && a <= MAX_SAFE ? Number(a) : a;
}

/** a × b. A float product is exact while its magnitude is safe, and never looks safe when it is not. */
export function mulInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const p = a * b;
    if (Number.isSafeInteger(p)) return p === 0 ? 0 : p;
  }
  return fromBig(toBig(a) * toBig(b));
}

/** a + b (the same argument as {@link mulInt}). */
export function addInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a + b;
    if (Number.isSafeInteger(s)) return s === 0 ? 0 : s;
  }
  return fromBig(toBig(a) + toBig(b));
}

/** a − b. */
export function subInt(a: Int, b: Int): Int {
  if (typeof a === 'number' && typeof b === 'number') {
    const s = a - b;
    if (Number.isSafeInteger(s)) return s === 0 ? 0 : s;
  }
  return fromBig(toBig(a) - toBig(b));
}

/** −a. */
export function negInt(a: Int): Int {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return fromBig(-a);
}

/** −1, 0 or 1 (a number and a bigint compare by value). */
export function cmpInt(a: Int, b: Int): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `p / q` (q > 0) rounded to an integer with `mode`, sign-symmetric as big.js rounds. */
export function roundDiv(p: Int, q: Int, mode: RoundingMode): Int {
  if (typeof p === 'number' && typeof q === 'number') {
    const negative = p < 0;
    const magnitude = negative ? -p : p;
    const remainder = magnitude % q; // exact for integers
    let quotient = (magnitude - remainder) / q; // an exact division
    if (remainder !== 0) {
      if (mode === 'up') quotient += 1;
      else if (mode !== 'down') {
        const twice = remainder * 2; // exact: a power-of-two scaling
        if (twice > q || (twice === q && (mode === 'half_up' || quotient % 2 === 1))) quotient += 1;
      }
    }
    return quotient === 0 ? 0 : negative ? -quotient : quotient;
  }
  const bp = toBig(p);
  const bq = toBig(q);
  const negative = bp < 0n;
  const magnitude = negative ? -bp : bp;
  let quotient = magnitude / bq;
  const remainder = magnitude % bq;
  if (remainder !== 0n) {
    if (mode === 'up') quotient += 1n;
    else if (mode !== 'down') {
      const twice = remainder * 2n;
      if (twice > bq || (twice === bq && (mode === 'half_up' || quotient % 2n === 1n))) quotient += 1n;
    }
  }
  return fromBig(negative ? -quotient : quotient);
}

export const ZERO: Exact = { int: 0, scale: 0 };
export const ONE: Exact = { int: 1, scale: 0 };

/** An integer number of minor units as an exact value. */
export function exactInteger(value: number): Exact {
  return { int: value === 0 ? 0 : value, scale: 0 };
}

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** A plain decimal string (`'0.0625'`, `'-12.5'`, `'7'`) as an exact value; throws on anything else. */
export function parseExact(text: string): Exact {
  const match = PLAIN.exec(text);
  if (match === null) {
    throw new MoneyError('MONEY_INVALID_DECIMAL', `Not a decimal number: ${JSON.stringify(text)}`, {
      value: text,
    });
  }
  const fraction = match[3] ?? '';
  const digits = `${match[2]}${fraction}`;
  const magnitude = digits.length <= 15 ? Number(digits) : fromBig(BigInt(digits));
  return { int: match[1] === '-' ? negInt(magnitude) : magnitude, scale: fraction.length };
}

/** `a` at a scale of at least its own (the same value, more trailing zeros). */
export function atScale(a: Exact, scale: number): Int {
  return scale === a.scale ? a.int : mulInt(a.int, pow10(scale - a.scale));
}

/** The same value with `scale` (≥ its own). */
export function rescale(a: Exact, scale: number): Exact {
  return scale === a.scale ? a : { int: atScale(a, scale), scale };
}

/** a + b, exactly. */
export function plus(a: Exact, b: Exact): Exact {
  if (a.scale === b.scale) return { int: addInt(a.int, b.int), scale: a.scale };
  const scale = Math.max(a.scale, b.scale);
  return { int: addInt(atScale(a, scale), atScale(b, scale)), scale };
}

/** a × b, exactly. */
export function times(a: Exact, b: Exact): Exact {
  return { int: mulInt(a.int, b.int), scale: a.scale + b.scale };
}

/** −a. */
export function negate(a: Exact): Exact {
  return { int: negInt(a.int), scale: a.scale };
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. */
export function compare(a: Exact, b: Exact): number {
  if (a.scale === b.scale) return cmpInt(a.int, b.int);
  const scale = Math.max(a.scale, b.scale);
  return cmpInt(atScale(a, scale), atScale(b, scale));
}

/**
 * a ÷ b as big.js computes it with `Big.DP = 40` and `Big.RM = half up`: the exact quotient rounded
 * once to 40 decimal places, ties away from zero. Throws a RangeError for a zero divisor.
 */
export function divide(a: Exact, b: Exact): Exact {
  let numerator = toBig(a.int) * pow10Big(b.scale + QUOTIENT_PLACES);
  let denominator = toBig(b.int) * pow10Big(a.scale);
  if (denominator === 0n) throw new RangeError('Division by zero');
  if (denominator < 0n) {
    denominator = -denominator;
    numerator = -numerator;
  }
  return { int: roundDiv(fromBig(numerator), fromBig(denominator), 'half_up'), scale: QUOTIENT_PLACES };
}

/** The value as a plain decimal string without trailing zeros (big.js `toFixed()`); zero is `'0'`. */
export function toText(a: Exact): string {
  const { int, scale } = a;
  if (int === 0 || int === 0n) return '0';
  const negative = int < 0;
  let digits = String(negative ? negInt(int) : int);
  if (scale === 0) return negative ? `-${digits}` : digits;
  if (digits.length <= scale) digits = `${'0'.repeat(scale - digits.length + 1)}${digits}`;
  const point = digits.length - scale;
  let end = digits.length;
  while (end > point && digits.charCodeAt(end - 1) === 48) end -= 1;
  const whole = digits.slice(0, point);
  const text = end === point ? whole : `${whole}.${digits.slice(point, end)}`;
  return negative ? `-${text}` : text;
}

/** Places after the point once trailing zeros are dropped. */
function significantPlaces(a: Exact): number {
  const { int, scale } = a;
  if (scale === 0 || int === 0 || int === 0n) return 0;
  const digits = String(int);
  let places = scale;
  let i = digits.length - 1;
  while (places > 0 && digits.charCodeAt(i) === 48) {
    places -= 1;
    i -= 1;
  }
  return places;
}

/** Rounded to `places` (≤ its scale) with `mode`. */
export function roundTo(a: Exact, places: number, mode: RoundingMode): Exact {
  if (places >= a.scale) return a;
  return { int: roundDiv(a.int, pow10(a.scale - places), mode), scale: places };
}

/**
 * A decimal of minor units as the 12-place string results carry: the value itself when it has at most
 * 12 places (every exclusive tax), else rounded half-even to 12 places; `'0'` for zero.
 */
export function unroundedText(a: Exact): string {
  // At most 12 places are at most 12 significant places: printed as they are (one String() call).
  if (a.scale <= 12) return toText(a);
  return toText(significantPlaces(a) <= 12 ? a : roundTo(a, 12, 'half_even'));
}

/**
 * Rounded to whole minor units with `mode`, as a safe integer. Beyond the safe range it throws
 * `MONEY_NOT_SAFE_INTEGER`, as `roundToMinorUnits` does.
 */
export function toMinorUnits(a: Exact, mode: RoundingMode): number {
  const rounded = a.scale === 0 ? a.int : roundDiv(a.int, pow10(a.scale), mode);
  if (typeof rounded === 'number') return rounded;
  throw new MoneyError('MONEY_NOT_SAFE_INTEGER', `Amount ${rounded} exceeds the safe integer range`, {
    amount: rounded.toString(),
  });
}
