import { describe, expect, it } from 'vitest';
import {
  absolute,
  add,
  compare,
  currencies,
  getCurrency,
  isCurrencyCode,
  isMoneyError,
  MoneyError,
  maximum,
  minimum,
  money,
  negate,
  subtract,
  sum,
  zero,
} from '../src/index.js';

describe('currencies', () => {
  it.each([
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['KWD', 3],
    ['BHD', 3],
    ['OMR', 3],
    ['JOD', 3],
    ['TND', 3],
    ['CLF', 4],
  ])('%s has exponent %i', (code, exponent) => {
    expect(getCurrency(code)).toEqual({ code, exponent });
  });

  it('knows the whole ISO-4217 list of currencies with a minor unit', () => {
    expect(currencies.size).toBeGreaterThanOrEqual(150);
    for (const [code, currency] of currencies) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(currency.exponent);
    }
  });

  it.each(['usd', 'XXX', 'XAU', 'ABC', '', 'US'])('rejects %j as a currency code', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
    expect(() => getCurrency(code)).toThrowError(expect.objectContaining({ code: 'MONEY_UNKNOWN_CURRENCY' }));
  });
});

describe('money()', () => {
  it('holds integer minor units and a currency as frozen plain data', () => {
    const m = money(1999, 'USD');
    expect(m).toEqual({ amount: 1999, currency: 'USD' });
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('accepts bigints within the safe range', () => {
    expect(money(12345n, 'KWD').amount).toBe(12345);
  });

  it.each([
    [19.99, 'a float'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'infinity'],
    [2 ** 53, 'an unsafe integer'],
    ['100' as unknown as number, 'a string'],
  ])('rejects %s (%s) with MONEY_NOT_SAFE_INTEGER', (amount) => {
    expect(() => money(amount, 'USD')).toThrowError(
      expect.objectContaining({ code: 'MONEY_NOT_SAFE_INTEGER' }),
    );
  });

  it('rejects bigints beyond the safe range', () => {
    expect(() => money(2n ** 60n, 'USD')).toThrowError(MoneyError);
  });

  it('normalises negative zero', () => {
    expect(Object.is(money(-0, 'USD').amount, 0)).toBe(true);
  });
});

describe('arithmetic', () => {
  const usd = (n: number) => money(n, 'USD');

  it('adds and subtracts in minor units', () => {
    expect(add(usd(1999), usd(1), usd(100))).toEqual(usd(2100));
    expect(subtract(usd(500), usd(750))).toEqual(usd(-250));
    expect(sum([usd(1), usd(2), usd(3)], 'USD')).toEqual(usd(6));
    expect(sum([], 'JPY')).toEqual(zero('JPY'));
  });

  it('refuses to mix currencies, naming both', () => {
    try {
      add(usd(1), money(1, 'EUR'));
      expect.unreachable();
    } catch (error) {
      expect(isMoneyError(error, 'MONEY_CURRENCY_MISMATCH')).toBe(true);
      expect((error as MoneyError).message).toContain('USD');
      expect((error as MoneyError).message).toContain('EUR');
    }
    expect(() => compare(usd(1), money(1, 'JPY'))).toThrowError(MoneyError);
  });

  it('refuses sums that leave the safe-integer range', () => {
    expect(() => add(usd(Number.MAX_SAFE_INTEGER), usd(1))).toThrowError(
      expect.objectContaining({ code: 'MONEY_NOT_SAFE_INTEGER' }),
    );
  });

  it('compares, negates and picks extremes', () => {
    expect(compare(usd(1), usd(2))).toBe(-1);
    expect(compare(usd(2), usd(2))).toBe(0);
    expect(compare(usd(3), usd(2))).toBe(1);
    expect(negate(usd(5))).toEqual(usd(-5));
    expect(absolute(usd(-5))).toEqual(usd(5));
    expect(minimum(usd(1), usd(2))).toEqual(usd(1));
    expect(maximum(usd(1), usd(2))).toEqual(usd(2));
  });
});
