import { describe, expect, it } from 'vitest';
import { formatMoney, money, parseMoney, toDecimalString } from '../src/index.js';

describe('parseMoney', () => {
  it.each([
    ['12.345', 'KWD', 12345],
    ['12.3', 'KWD', 12300],
    ['19.99', 'USD', 1999],
    ['-0.01', 'USD', -1],
    ['1500', 'JPY', 1500],
    ['0.1', 'USD', 10],
    ['  7.5 ', 'EUR', 750],
  ])('parses %j %s as %i minor units', (text, currency, expected) => {
    expect(parseMoney(text, currency)).toEqual({ amount: expected, currency });
  });

  it('refuses extra places unless told how to round', () => {
    expect(() => parseMoney('1.005', 'USD')).toThrowError(
      expect.objectContaining({ code: 'MONEY_PRECISION_LOSS' }),
    );
    expect(() => parseMoney('1.5', 'JPY')).toThrowError(
      expect.objectContaining({ code: 'MONEY_PRECISION_LOSS' }),
    );
    expect(parseMoney('1.005', 'USD', 'half_up').amount).toBe(101);
    expect(parseMoney('1.005', 'USD', 'half_even').amount).toBe(100);
  });

  it.each(['abc', '1,000.00', '1e3', '', '--1'])('rejects %j as not a decimal', (text) => {
    expect(() => parseMoney(text, 'USD')).toThrowError(
      expect.objectContaining({ code: 'MONEY_INVALID_DECIMAL' }),
    );
  });
});

describe('toDecimalString and formatMoney', () => {
  it.each([
    [12345, 'KWD', '12.345'],
    [5, 'USD', '0.05'],
    [-5, 'USD', '-0.05'],
    [1500, 'JPY', '1500'],
  ])('%i %s is %s', (amount, currency, expected) => {
    expect(toDecimalString(money(amount, currency))).toBe(expected);
  });

  it('formats with Intl using the currency exponent', () => {
    expect(formatMoney(money(123456, 'USD'), 'en-US')).toBe('$1,234.56');
    expect(formatMoney(money(1500, 'JPY'), 'en-US')).toBe('¥1,500');
    // Intl separates a currency code or a trailing symbol with a no-break space (U+00A0).
    expect(formatMoney(money(12345, 'KWD'), 'en-US')).toBe('KWD\u00a012.345');
    expect(formatMoney(money(-250, 'EUR'), 'de-DE')).toBe('-2,50\u00a0€');
  });

  it('formats amounts beyond float precision exactly', () => {
    // 2^53 − 1 cents: a float would print …991.00 or similar; the decimal string keeps every digit.
    expect(formatMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), 'en-US')).toBe('$90,071,992,547,409.91');
  });
});
