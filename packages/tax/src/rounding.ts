import { type Decimal, type RoundingMode, roundDecimal, roundToMinorUnits, toDecimal } from '@billkit/money';

/**
 * Round each exact part to minor units so that the parts sum to `total` exactly (largest remainder).
 * Each part is first rounded with `mode`; the difference to `total` is then settled one unit per
 * part on the parts whose rounding moved them furthest the other way (earlier parts win ties).
 * Since every residual lies in (−1, 1) and `total` is the rounded sum, enough parts always lean the
 * right way: a part that is exactly zero stays zero, no part changes sign, and negating every input
 * negates every output.
 */
export function roundPartsToTotal(parts: readonly Decimal[], total: number, mode: RoundingMode): number[] {
  const rounded = parts.map((part) => roundToMinorUnits(part, mode));
  const difference = total - rounded.reduce((a, b) => a + b, 0);
  if (difference === 0) return rounded;
  if (Math.abs(difference) > parts.length) {
    throw new RangeError(`Cannot spread a difference of ${difference} over ${parts.length} parts`);
  }
  const step = difference > 0 ? 1 : -1;
  // residual × step with step = ±1: the value itself, or `neg()` (the same digits, sign flipped)
  // rather than a big.js long multiplication by ±1 per part.
  const order = parts
    .map((part, index) => {
      const residual = part.minus(rounded[index] as number);
      return { index, residual: step > 0 ? residual : residual.neg() };
    })
    .sort((a, b) => b.residual.cmp(a.residual) || a.index - b.index);
  for (const { index } of order.slice(0, Math.abs(difference))) {
    rounded[index] = (rounded[index] as number) + step;
  }
  return rounded;
}

/** Sum of decimals (0 for none). */
export function sumDecimals(values: readonly Decimal[]): Decimal {
  // Start from the first value rather than a fresh zero: one big.js addition fewer per sum.
  const [first, ...rest] = values;
  if (first === undefined) return toDecimal(0);
  return rest.reduce((a, b) => a.plus(b), first);
}

/** A decimal of minor units as the 12-place string results carry. */
export function unroundedString(value: Decimal): string {
  // Rounded far below any minor unit only to keep recurring quotients readable; -0 prints as 0.
  // A value with at most 12 fraction digits (every exclusive tax: amount × rate) is already at
  // 12 places; skipping the no-op round saves a Big allocation per printed amount.
  const places = value.c.length - value.e - 1;
  const text = (places <= 12 ? value : roundDecimal(value, 12, 'half_even')).toFixed();
  return text === '-0' ? '0' : text;
}
