import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundBigToInteger, roundedProduct, toScaled } from '../src/exact.js';
import {
  allocate,
  currencies,
  money,
  multiply,
  ROUNDING_MODES,
  type RoundingMode,
  roundDecimal,
  roundToMinorUnits,
  timesFactor,
  toDecimal,
  toDecimalString,
} from '../src/index.js';

// The big.js reference: the arithmetic the public functions did before their integer fast paths.
const bigRound = (value: ReturnType<typeof toDecimal>, mode: RoundingMode) =>
  Number(roundDecimal(value, 0, mode).toFixed(0));

const mode = fc.constantFrom(...ROUNDING_MODES);
const amount = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
/** Decimal strings such as "0.0625", "15", "-3.5", "12.500". */
const decimalString = fc
  .tuple(fc.boolean(), fc.nat({ max: 10_000_000 }), fc.nat({ max: 8 }))
  .map(([negative, digits, places]) => {
    const text = String(digits).padStart(places + 1, '0');
    const point = text.length - places;
    return `${negative ? '-' : ''}${text.slice(0, point)}${places > 0 ? `.${text.slice(point)}` : ''}`;
  });
const denominator = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1, max: 40_000_000 }),
  fc.integer({ min: -1000, max: -1 }),
);

describe('integer fast paths equal the big.js results', () => {
  it('amount × decimal rate, every rounding mode', () => {
    fc.assert(
      fc.property(amount, decimalString, mode, (a, rate, m) => {
        const reference = bigRound(toDecimal(a).times(toDecimal(rate)), m);
        expect(Number(roundedProduct(a, rate, undefined, m))).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('amount × numerator / denominator (a ratio), every rounding mode', () => {
    fc.assert(
      fc.property(amount, fc.oneof(decimalString, fc.integer()), denominator, mode, (a, n, d, m) => {
        const reference = bigRound(toDecimal(a).times(toDecimal(n)).div(toDecimal(d)), m);
        expect(Number(roundedProduct(a, n, d, m))).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('exact ties and near-ties round like big.js', () => {
    // x.5 exactly, and values a hair either side of it, in both signs.
    fc.assert(
      fc.property(fc.integer({ min: -10_000, max: 10_000 }), mode, (a, m) => {
        for (const [n, d] of [
          [2 * a + 1, 2],
          [2_000_000 * a + 999_999, 2_000_000],
          [2_000_000 * a + 1_000_001, 2_000_000],
        ] as const) {
          const reference = bigRound(toDecimal(n).div(d), m);
          expect(Number(roundedProduct(1, n, d, m))).toBe(reference);
          expect(multiply(money(1, 'USD'), { numerator: n, denominator: d }, m).amount).toBe(reference);
        }
      }),
    );
  });

  it('multiply() with its fast path equals rounding timesFactor with big.js', () => {
    fc.assert(
      fc.property(amount, decimalString, denominator, mode, (a, n, d, m) => {
        const exact = timesFactor(a, { numerator: n, denominator: d });
        const reference = bigRound(exact, m);
        if (!Number.isSafeInteger(reference)) return;
        expect(multiply(money(a, 'USD'), { numerator: n, denominator: d }, m).amount).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it("timesFactor over a ratio gives big.js's 40-place quotient, digit for digit", () => {
    fc.assert(
      fc.property(amount, fc.oneof(decimalString, fc.integer()), denominator, (a, n, d) => {
        const reference = toDecimal(a).times(toDecimal(n)).div(toDecimal(d));
        const fast = timesFactor(a, { numerator: n, denominator: d });
        expect(fast.toFixed()).toBe(reference.toFixed());
        expect(fast.eq(reference)).toBe(true);
        expect(fast.s).toBe(reference.s);
      }),
      { numRuns: 3000 },
    );
  });

  it('rounding a decimal from its digits equals big.js round', () => {
    fc.assert(
      fc.property(decimalString, fc.integer({ min: -6, max: 12 }), mode, (text, shift, m) => {
        const value = shift >= 0 ? toDecimal(text).times(10 ** shift) : toDecimal(text).div(10 ** -shift);
        const reference = bigRound(value, m);
        const fast = roundBigToInteger(value, m);
        if (fast !== undefined) expect(fast).toBe(reference);
        if (!Number.isSafeInteger(reference)) {
          expect(() => roundToMinorUnits(value, m)).toThrowError(
            expect.objectContaining({ code: 'MONEY_NOT_SAFE_INTEGER' }),
          );
          return;
        }
        expect(roundToMinorUnits(value, m)).toBe(reference);
        expect(Object.is(roundToMinorUnits(value, m), -0)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it('toDecimalString equals the big.js division for every currency', () => {
    const codes = [...currencies.keys()];
    fc.assert(
      fc.property(amount, fc.constantFrom(...codes), (a, code) => {
        const { exponent } = currencies.get(code) as { exponent: number };
        const reference = toDecimal(a).div(`1e${exponent}`).toFixed(exponent);
        expect(toDecimalString(money(a, code))).toBe(reference);
      }),
      { numRuns: 2000 },
    );
  });

  it('allocate over integer weights equals allocate over the same weights as decimal strings', () => {
    fc.assert(
      fc.property(
        amount,
        fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
        (a, weights) => {
          fc.pre(weights.some((w) => w > 0) || a === 0);
          const fast = allocate(money(a, 'USD'), weights);
          const reference = allocate(
            money(a, 'USD'),
            weights.map((w) => `${w}.0`),
          );
          expect(fast).toEqual(reference);
        },
      ),
    );
  });

  it('declines inputs it cannot read exactly, leaving them to big.js and its typed errors', () => {
    expect(toScaled(0.1)).toBeUndefined();
    expect(toScaled('1e5')).toBeUndefined();
    expect(roundedProduct(1, '1', 0, 'half_up')).toBeUndefined();
    expect(() => multiply(money(100, 'USD'), 0.1, 'half_up')).toThrowError(
      expect.objectContaining({ code: 'MONEY_INVALID_DECIMAL' }),
    );
  });
});
