import { describe, expect, it } from 'vitest';
import { money, multiply, type RoundingMode, roundToMinorUnits } from '../src/index.js';

describe('roundToMinorUnits', () => {
  // value, half_up, half_even, down, up — worked out by hand from each mode's definition.
  const table: [string, number, number, number, number][] = [
    ['2.5', 3, 2, 2, 3],
    ['3.5', 4, 4, 3, 4],
    ['-2.5', -3, -2, -2, -3],
    ['-3.5', -4, -4, -3, -4],
    ['2.4999999', 2, 2, 2, 3],
    ['2.5000001', 3, 3, 2, 3],
    ['-2.0000001', -2, -2, -2, -3],
    ['7', 7, 7, 7, 7],
    ['0.5', 1, 0, 0, 1],
    ['-0.5', -1, 0, 0, -1],
    ['0.0001', 0, 0, 0, 1],
  ];
  const modes: RoundingMode[] = ['half_up', 'half_even', 'down', 'up'];

  it.each(
    table.flatMap(([value, ...expected]) => modes.map((mode, i) => [value, mode, expected[i]] as const)),
  )('rounds %s with %s to %i', (value, mode, expected) => {
    expect(roundToMinorUnits(value, mode)).toBe(expected);
  });

  it('never returns negative zero', () => {
    expect(Object.is(roundToMinorUnits('-0.4', 'half_up'), 0)).toBe(true);
  });

  it('refuses results beyond the safe-integer range', () => {
    expect(() => roundToMinorUnits('9007199254740993', 'half_up')).toThrowError(
      expect.objectContaining({ code: 'MONEY_NOT_SAFE_INTEGER' }),
    );
  });

  it('refuses an unknown rounding mode with a typed error', () => {
    expect(() => roundToMinorUnits('1.5', 'nearest' as RoundingMode)).toThrowError(
      expect.objectContaining({ code: 'MONEY_INVALID_ROUNDING_MODE' }),
    );
  });
});

describe('multiply', () => {
  it.each([
    // amount, currency, factor, mode, expected minor units
    [1000, 'USD', '0.0825', 'half_up', 83], // 82.5 → 83
    [1000, 'USD', '0.0825', 'half_even', 82], // 82.5 → 82 (2 is even)
    [1000, 'USD', '0.0825', 'down', 82],
    [1050, 'USD', '0.0825', 'up', 87], // 86.625 → 87
    [12345, 'KWD', '0.05', 'half_up', 617], // 617.25 fils
    [999, 'JPY', '0.1', 'half_up', 100], // 99.9 yen
    [-1000, 'USD', '0.0825', 'half_up', -83], // credits mirror charges
  ] as const)('%i %s × %s (%s) = %i', (amount, currency, factor, mode, expected) => {
    expect(multiply(money(amount, currency), factor, mode)).toEqual({ amount: expected, currency });
  });

  it('multiplies by an exact ratio with one rounding at the end', () => {
    // 3000 × 15/31 = 1451.6129… → 1452; 3000 × 1/3 = 1000 exactly
    expect(multiply(money(3000, 'USD'), { numerator: 15, denominator: 31 }, 'half_up').amount).toBe(1452);
    expect(multiply(money(3000, 'USD'), { numerator: 1, denominator: 3 }, 'down').amount).toBe(1000);
    // 100 × 1/3 = 33.333… rounds down even with `up`? no: up → 34
    expect(multiply(money(100, 'USD'), { numerator: 1, denominator: 3 }, 'up').amount).toBe(34);
  });

  it('rejects a float factor instead of guessing what it meant', () => {
    expect(() => multiply(money(100, 'USD'), 0.1, 'half_up')).toThrowError(
      expect.objectContaining({ code: 'MONEY_INVALID_DECIMAL' }),
    );
  });

  it('rejects a zero denominator', () => {
    expect(() => multiply(money(100, 'USD'), { numerator: 1, denominator: 0 }, 'half_up')).toThrowError(
      expect.objectContaining({ code: 'MONEY_DIVISION_BY_ZERO' }),
    );
  });
});
