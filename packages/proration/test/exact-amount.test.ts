import {
  type Money,
  multiplyExact,
  ROUNDING_MODES,
  type RoundingMode,
  roundToMinorUnits,
} from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactAmount } from '../src/exact-amount.js';

/** What an item computed with big.js: the 40-place product, negated for a credit, printed and rounded. */
function viaBig(amount: number, numerator: number, denominator: number, negate: boolean, mode: RoundingMode) {
  const basis: Money = { amount, currency: 'USD' };
  const magnitude = multiplyExact(basis, { numerator, denominator });
  if (magnitude.eq(0)) return null;
  const exact = negate ? magnitude.neg() : magnitude;
  return { text: exact.toFixed(), rounded: roundToMinorUnits(exact, mode) };
}

describe('exactAmount matches the big.js item arithmetic', () => {
  it.each([
    [3000, 16, 31, false],
    [3000, 16, 31, true],
    [2000, 1_339_200, 2_678_400, true],
    [1, 1, 2_678_400, true],
    [5, 1, 2, false],
    [-5, 1, 2, false],
    [7, 3, -9, true],
    [0, 5, 7, false],
    [Number.MAX_SAFE_INTEGER, 2_678_399, 2_678_400, false],
  ])('%i × %i / %i (negated: %s)', (amount, numerator, denominator, negate) => {
    for (const mode of ROUNDING_MODES) {
      expect(exactAmount(amount, numerator, denominator, negate, mode)).toEqual(
        viaBig(amount, numerator, denominator, negate, mode),
      );
    }
  });

  it('agrees on random amounts, fractions and modes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1_000_000, max: 10_000_000 }), fc.maxSafeInteger()),
        fc.integer({ min: -3_000_000, max: 40_000_000 }),
        fc.integer({ min: -40_000_000, max: 40_000_000 }).filter((d) => d !== 0),
        fc.boolean(),
        fc.constantFrom(...ROUNDING_MODES),
        (amount, numerator, denominator, negate, mode) => {
          let expected: ReturnType<typeof viaBig> | 'unsafe';
          try {
            expected = viaBig(amount, numerator, denominator, negate, mode);
          } catch {
            expected = 'unsafe'; // beyond the safe-integer range: the fast path must decline
          }
          const actual = exactAmount(amount, numerator, denominator, negate, mode);
          if (expected === 'unsafe') expect(actual).toBeUndefined();
          else expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('declines what it cannot prove (non-integers, zero denominators, unknown modes)', () => {
    expect(exactAmount(1.5, 1, 2, false, 'half_up')).toBeUndefined();
    expect(exactAmount(1, 1, 0, false, 'half_up')).toBeUndefined();
    expect(exactAmount(1, 1, 2, false, 'nearest' as RoundingMode)).toBeUndefined();
  });
});
