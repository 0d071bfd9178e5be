import { toDecimal } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toFixedHalfUp } from '../src/decimal-text.js';

describe('toFixedHalfUp prints what big.js toFixed prints', () => {
  it.each([
    ['1548.3870967741935483870967741935483870967742', 4],
    ['-1548.3870967741935483870967741935483870967742', 4],
    ['9.99995', 4],
    ['-9.99995', 4],
    ['0.00004', 4],
    ['-0.00004', 4],
    ['-0.00005', 4],
    ['0', 4],
    ['-0', 4],
    ['12', 4],
    ['12.5', 2],
    ['0.123449999', 4],
    ['007.5', 4],
  ])('%s to %i places', (text, places) => {
    expect(toFixedHalfUp(text, places)).toBe(toDecimal(text).toFixed(places));
  });

  it('rejects what toDecimal rejects', () => {
    expect(() => toFixedHalfUp('1e3', 4)).toThrow(/Not a decimal number/);
  });

  it.each(['5.', '.5', '-', '', '1.2.3', '+7', ' 12.5 ', '--1', '0x10'])(
    'treats %j as big.js does',
    (text) => {
      const outcome = (run: () => string) => {
        try {
          return run();
        } catch (error) {
          return `throws ${(error as Error).message}`;
        }
      };
      expect(outcome(() => toFixedHalfUp(text, 4))).toBe(outcome(() => toDecimal(text).toFixed(4)));
    },
  );

  it('agrees with big.js on random strings of digits, points and signs', () => {
    const text = fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '.', '-'), maxLength: 30 });
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 6 }), (t, places) => {
        let expected: string;
        try {
          expected = toDecimal(t).toFixed(places);
        } catch {
          expect(() => toFixedHalfUp(t, places)).toThrow();
          return;
        }
        expect(toFixedHalfUp(t, places)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with big.js on random plain decimals', () => {
    const digits = fc.string({ unit: fc.constantFrom('0', '1', '4', '5', '9'), minLength: 1, maxLength: 45 });
    fc.assert(
      fc.property(
        fc.boolean(),
        digits,
        fc.option(digits),
        fc.integer({ min: 1, max: 8 }),
        (neg, whole, fraction, places) => {
          const text = `${neg ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`;
          expect(toFixedHalfUp(text, places)).toBe(toDecimal(text).toFixed(places));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
