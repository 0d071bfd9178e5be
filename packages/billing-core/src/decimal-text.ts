import { toDecimal } from '@billkit/money';

/**
 * `toDecimal(text).toFixed(places)` (big.js, half-up) computed on the digits of a plain decimal
 * string: proration notes print every 40-place unrounded amount to 4 places, and parsing it into a
 * big.js value just to print it was a visible share of a change. Anything but a canonical plain
 * decimal (leading zeros, exponents, signs other than `-`) goes to big.js; test/decimal-text.test.ts
 * compares both on random inputs.
 */
export function toFixedHalfUp(text: string, places: number): string {
  // One pass over the characters instead of a capturing regex: `-?digits(.digits)?`, nothing else.
  const negative = text.charCodeAt(0) === 45; // '-'
  const start = negative ? 1 : 0;
  let point = -1;
  let nonZero = false;
  let plain = text.length > start && places >= 1;
  for (let i = start; plain && i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 46 && point < 0 && i > start && i < text.length - 1)
      point = i; // '.'
    else if (code < 48 || code > 57) plain = false;
    else if (code !== 48) nonZero = true;
  }
  const whole = point < 0 ? text.slice(start) : text.slice(start, point);
  if (!plain || (whole.length > 1 && whole.charCodeAt(0) === 48)) return toDecimal(text).toFixed(places);
  const fraction = point < 0 ? '' : text.slice(point + 1);
  const kept = fraction.length >= places ? fraction.slice(0, places) : fraction.padEnd(places, '0');
  const roundUp = fraction.length > places && fraction.charCodeAt(places) >= 53; // next digit ≥ 5
  let digits = `${whole}${kept}`;
  if (roundUp) {
    // Up to 15 digits the increment is exact in a number; longer ones take a bigint.
    const next = digits.length <= 15 ? String(Number(digits) + 1) : (BigInt(digits) + 1n).toString();
    digits = next.padStart(places + 1, '0');
  }
  const at = digits.length - places;
  // big.js keeps the sign of a nonzero value that rounds to zero ("-0.0000").
  return `${negative && nonZero ? '-' : ''}${digits.slice(0, at)}.${digits.slice(at)}`;
}
