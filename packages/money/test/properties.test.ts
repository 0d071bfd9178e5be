import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { add, currencies, money, multiply, parseMoney, subtract, toDecimalString } from '../src/index.js';

const codes = [...currencies.keys()];
const amount = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });

describe('invariants', () => {
  it('add then subtract returns the original amount', () => {
    fc.assert(
      fc.property(amount, amount, fc.constantFrom(...codes), (a, b, currency) => {
        const x = money(a, currency);
        const y = money(b, currency);
        expect(subtract(add(x, y), y)).toEqual(x);
      }),
    );
  });

  it('a decimal string round-trips through parseMoney for every currency', () => {
    fc.assert(
      fc.property(amount, fc.constantFrom(...codes), (a, currency) => {
        const m = money(a, currency);
        expect(parseMoney(toDecimalString(m), currency)).toEqual(m);
      }),
    );
  });

  it('no float ever appears: every result is a safe integer', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(10 ** 12), max: 10 ** 12 }),
        // a fraction of at most 1, like a share of a billing period, keeps the product in the safe range
        fc
          .integer({ min: 1, max: 10_000 })
          .chain((denominator) =>
            fc.tuple(fc.integer({ min: 0, max: denominator }), fc.constant(denominator)),
          ),
        fc.constantFrom('half_up', 'half_even', 'down', 'up' as const),
        (a, [numerator, denominator], mode) => {
          const r = multiply(money(a, 'USD'), { numerator, denominator }, mode);
          expect(Number.isSafeInteger(r.amount)).toBe(true);
          // and it is within one unit of the exact product
          expect(Math.abs(r.amount * denominator - a * numerator)).toBeLessThanOrEqual(denominator);
        },
      ),
    );
  });
});
