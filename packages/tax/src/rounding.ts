import type { Decimal, RoundingMode } from '@billkit/money';
import {
  atScale,
  cmpInt,
  type Exact,
  type Int,
  negInt,
  parseExact,
  plus,
  pow10,
  subInt,
  toMinorUnits,
  ZERO,
} from './exact.js';

/**
 * Round each exact part to minor units so that the parts sum to `total` exactly (largest remainder).
 * Each part is first rounded with `mode`; the difference to `total` is then settled one unit per
 * part on the parts whose rounding moved them furthest the other way (earlier parts win ties).
 * Since every residual lies in (−1, 1) and `total` is the rounded sum, enough parts always lean the
 * right way: a part that is exactly zero stays zero, no part changes sign, and negating every input
 * negates every output.
 */
export function roundExactPartsToTotal(parts: readonly Exact[], total: number, mode: RoundingMode): number[] {
  const count = parts.length;
  const rounded: number[] = new Array(count);
  let sum = 0;
  for (let i = 0; i < count; i += 1) {
    const value = toMinorUnits(parts[i] as Exact, mode);
    rounded[i] = value;
    sum += value;
  }
  const difference = total - sum;
  if (difference === 0) return rounded;
  if (Math.abs(difference) > count) {
    throw new RangeError(`Cannot spread a difference of ${difference} over ${count} parts`);
  }
  const step = difference > 0 ? 1 : -1;
  const units = Math.abs(difference);
  // Residuals (part − rounded) × step, compared at one scale: exact integers.
  let scale = 0;
  let numbers = true;
  for (const part of parts) {
    if (part.scale > scale) scale = part.scale;
    if (typeof part.int !== 'number') numbers = false;
  }
  if (numbers && scale <= 15) {
    // Parts of one scale held as numbers (every exclusive line): residual × 10^scale is a safe integer
    // (|residual| < 1). The `units` largest residuals, earlier parts first on ties: the order the sort
    // below gives, picked by repeated scans (units is at most the number of parts, usually 1).
    const unit = pow10(scale) as number;
    const residuals: number[] = new Array(count);
    let sameScale = true;
    // |part| + 10^scale within the safe range keeps rounded × 10^scale (within 10^scale of it) exact.
    const limit = Number.MAX_SAFE_INTEGER - unit;
    for (let i = 0; i < count; i += 1) {
      const part = parts[i] as Exact;
      const int = part.int as number;
      if (part.scale !== scale || int > limit || int < -limit) sameScale = false;
      residuals[i] = (int - (rounded[i] as number) * unit) * step;
    }
    if (sameScale) {
      const taken: boolean[] = new Array(count).fill(false);
      for (let u = 0; u < units; u += 1) {
        let best = -1;
        for (let i = 0; i < count; i += 1) {
          if (!taken[i] && (best < 0 || (residuals[i] as number) > (residuals[best] as number))) best = i;
        }
        taken[best] = true;
        rounded[best] = (rounded[best] as number) + step;
      }
      return rounded;
    }
  }
  const order: { index: number; residual: Int }[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const residual = subInt(
      atScale(parts[i] as Exact, scale),
      atScale({ int: rounded[i] as number, scale: 0 }, scale),
    );
    order[i] = { index: i, residual: step > 0 ? residual : negInt(residual) };
  }
  order.sort((a, b) => cmpInt(b.residual, a.residual) || a.index - b.index);
  for (let i = 0; i < units; i += 1) {
    const index = (order[i] as { index: number }).index;
    rounded[index] = (rounded[index] as number) + step;
  }
  return rounded;
}

/** {@link roundExactPartsToTotal} for big.js decimals. */
export function roundPartsToTotal(parts: readonly Decimal[], total: number, mode: RoundingMode): number[] {
  return roundExactPartsToTotal(
    parts.map((part) => parseExact(part.toFixed())),
    total,
    mode,
  );
}

/** Sum of exact values (0 for none). */
export function sumExact(values: readonly Exact[]): Exact {
  const count = values.length;
  if (count === 0) return ZERO;
  let sum = values[0] as Exact;
  for (let i = 1; i < count; i += 1) sum = plus(sum, values[i] as Exact);
  return sum;
}
