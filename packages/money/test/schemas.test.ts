import { describe, expect, it } from 'vitest';
import { currencyCodeSchema, decimalStringSchema, moneySchema } from '../src/index.js';

describe('zod schemas', () => {
  it('accepts a money value and rejects floats, unknown currencies and extra keys', () => {
    expect(moneySchema.parse({ amount: 1999, currency: 'USD' })).toEqual({ amount: 1999, currency: 'USD' });
    expect(moneySchema.safeParse({ amount: 19.99, currency: 'USD' }).success).toBe(false);
    expect(moneySchema.safeParse({ amount: 1, currency: 'usd' }).success).toBe(false);
    expect(moneySchema.safeParse({ amount: 1, currency: 'USD', extra: 1 }).success).toBe(false);
    expect(moneySchema.safeParse({ amount: 2 ** 53, currency: 'USD' }).success).toBe(false);
  });

  it('validates currency codes and decimal strings', () => {
    expect(currencyCodeSchema.safeParse('KWD').success).toBe(true);
    expect(currencyCodeSchema.safeParse('ZZZ').success).toBe(false);
    expect(decimalStringSchema.safeParse('0.0825').success).toBe(true);
    expect(decimalStringSchema.safeParse('8.25%').success).toBe(false);
  });
});
