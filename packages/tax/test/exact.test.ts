import { type RoundingMode, roundToMinorUnits, toDecimal } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  divide,
  type Exact,
  exactInteger,
  parseExact,
  plus,
  roundDiv,
  times,
  toMinorUnits,
  toText,
  unroundedText,
} from '../src/exact.js';

const MODES: RoundingMode[] = ['half_up', 'half_even', 'down', 'up'];
const big = (value: Exact) => toDecimal(toText(value));

describe('exact decimal arithmetic', () => {
  it('reads and prints plain decimals', () => {
    expect(parseExact('0.0625')).toEqual({ int: 625, scale: 4 });
    expect(toText(parseExact('1.000'))).toBe('1');
    expect(toText(parseExact('-12.50'))).toBe('-12.5');
    expect(toText(parseExact('0'))).toBe('0');
    expect(toText({ int: 5, scale: 3 })).toBe('0.005');
    expect(toText(parseExact('123456789012345678901234567890.5'))).toBe('123456789012345678901234567890.5');
    expect(() => parseExact('1e3')).toThrow(/Not a decimal number/);
  });

  it('multiplies and adds exactly, past the safe-integer range too', () => {
    expect(toText(times(exactInteger(10_000), parseExact('0.0625')))).toBe('625');
    expect(toText(plus(parseExact('0.1'), parseExact('0.2')))).toBe('0.3');
    const huge = times(exactInteger(Number.MAX_SAFE_INTEGER), exactInteger(Number.MAX_SAFE_INTEGER));
    expect(typeof huge.int).toBe('bigint');
    expect(toText(huge)).toBe('81129638414606663681390495662081');
  });

  it('divides to 40 places, half up, as big.js does', () => {
    // 11025 / 1.1025 = 10000 exactly; 100 / 3 carries 40 threes, 200 / 3 ends in a rounded-up 7.
    expect(toText(divide(exactInteger(11_025), parseExact('1.1025')))).toBe('10000');
    expect(toText(divide(exactInteger(100), exactInteger(3)))).toBe(`33.${'3'.repeat(40)}`);
    expect(toText(divide(exactInteger(-200), exactInteger(3)))).toBe(`-66.${'6'.repeat(39)}7`);
  });

  it('rounds quotients in each mode, symmetrically around zero', () => {
    expect([5, -5, 7, -7].map((p) => roundDiv(p, 2, 'half_up'))).toEqual([3, -3, 4, -4]);
    expect([5, -5, 7, -7].map((p) => roundDiv(p, 2, 'half_even'))).toEqual([2, -2, 4, -4]);
    expect([5, -5].map((p) => roundDiv(p, 2, 'down'))).toEqual([2, -2]);
    expect([5, -5].map((p) => roundDiv(p, 2, 'up'))).toEqual([3, -3]);
    expect(roundDiv(10n ** 30n + 5n, 10n, 'half_even')).toBe(10n ** 29n);
  });

  it('prints unrounded amounts to at most 12 places, half even', () => {
    expect(unroundedText(parseExact('102.5'))).toBe('102.5');
    expect(unroundedText(divide(exactInteger(1), exactInteger(3)))).toBe('0.333333333333');
    expect(unroundedText(parseExact('-0.0000000000001'))).toBe('0');
  });

  it('refuses minor units beyond the safe range as roundToMinorUnits does', () => {
    expect(toMinorUnits(parseExact('2.5'), 'half_even')).toBe(2);
    const beyond = times(exactInteger(Number.MAX_SAFE_INTEGER), parseExact('4.5'));
    expect(() => toMinorUnits(beyond, 'half_up')).toThrow(/exceeds the safe integer range/);
    expect(() => roundToMinorUnits(toDecimal(toText(beyond)), 'half_up')).toThrow(
      /exceeds the safe integer range/,
    );
  });

  it('agrees with big.js on random amounts, rates and modes', () => {
    const rate = fc
      .tuple(fc.integer({ min: 0, max: 9_999_999 }), fc.integer({ min: 0, max: 7 }))
      .map(([digits, places]) => parseExact((digits / 10 ** places).toFixed(places)));
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.maxSafeInteger()),
        rate,
        rate,
        fc.constantFrom(...MODES),
        (amount, a, b, mode) => {
          const part = times(exactInteger(amount), a);
          expect(big(part).eq(toDecimal(amount).times(big(a)))).toBe(true);
          const divisor = times(plus(a, exactInteger(1)), plus(b, exactInteger(1)));
          const net = divide(exactInteger(amount), divisor);
          expect(toText(net)).toBe(toDecimal(amount).div(big(divisor)).toFixed());
          expect(unroundedText(net)).toBe(
            ((t) => (t === '-0' ? '0' : t))(toDecimal(amount).div(big(divisor)).round(12, 2).toFixed()),
          );
          const outcome = (round: () => number) => {
            try {
              return round();
            } catch (error) {
              return (error as { code?: string }).code;
            }
          };
          expect(outcome(() => toMinorUnits(part, mode))).toBe(
            outcome(() => roundToMinorUnits(toDecimal(toText(part)), mode)),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});
