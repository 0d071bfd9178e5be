import { describe, expect, it } from 'vitest';
import { computePriceAmount, isBillingError, type PriceInput, priceSchema } from '../src/index.js';
import { forItem } from '../src/pricing.js';

const base = { id: 'p', productId: 'prod', currency: 'USD' } as const;
const graduated = priceSchema.parse({
  ...base,
  billingScheme: 'tiered',
  tiersMode: 'graduated',
  tiers: [
    { upTo: 5, unitAmount: 1000 },
    { upTo: 10, unitAmount: 800 },
    { upTo: null, unitAmount: 500, flatAmount: 200 },
  ],
});
const volume = priceSchema.parse({
  ...base,
  billingScheme: 'tiered',
  tiersMode: 'volume',
  tiers: [
    { upTo: 5, unitAmount: 1000 },
    { upTo: 10, unitAmount: 800, flatAmount: 500 },
    { upTo: null, unitAmount: 500 },
  ],
});

describe('computePriceAmount', () => {
  it.each([
    // quantity, expected graduated amount (worked by hand from the tiers above)
    [0, 0],
    [1, 1000],
    [5, 5000], // 5 × 10.00
    [6, 5800], // 5 × 10.00 + 1 × 8.00
    [10, 9000], // 5 × 10.00 + 5 × 8.00
    [11, 9700], // … + 1 × 5.00 + flat 2.00 on reaching the open tier
    [20, 14200], // 5000 + 4000 + 10 × 500 + 200
  ])('graduated tiers price %i units at %i cents', (quantity, expected) => {
    expect(computePriceAmount(graduated, quantity).amount).toEqual({ amount: expected, currency: 'USD' });
  });

  it.each([
    [1, 1000, 1000],
    [5, 5000, 1000], // top of tier 1: every unit at 10.00
    [6, 5300, null], // tier 2 reached: all 6 at 8.00 + flat 5.00, so no single unit amount
    [10, 8500, null],
    [11, 5500, 500], // tier 3: all 11 at 5.00
  ])('volume tiers price %i units at %i cents (unit amount %s)', (quantity, expected, unit) => {
    const result = computePriceAmount(volume, quantity);
    expect(result.amount.amount).toBe(expected);
    expect(result.unitAmount?.amount ?? null).toBe(unit);
  });

  it('names each graduated tier it used, with the units charged there', () => {
    const { tiers } = computePriceAmount(graduated, 12);
    expect(tiers.map((t) => [t.tierIndex, t.quantity, t.amount.amount])).toEqual([
      [0, 5, 5000],
      [1, 5, 4000],
      [2, 2, 1200],
    ]);
  });

  it('multiplies per-unit prices exactly, even beyond 2^32 minor units', () => {
    const price = priceSchema.parse({ ...base, billingScheme: 'per_unit', unitAmount: 99_999_999 });
    expect(computePriceAmount(price, 1_000_000).amount.amount).toBe(99_999_999_000_000);
  });

  it('charges a flat price once whatever the quantity, and nothing for zero', () => {
    const price = priceSchema.parse({ ...base, billingScheme: 'flat', flatAmount: 2500 });
    expect(computePriceAmount(price, 7).amount.amount).toBe(2500);
    expect(computePriceAmount(price, 0).amount.amount).toBe(0);
  });

  it('prices a zero-decimal currency in whole yen', () => {
    const price = priceSchema.parse({
      ...base,
      currency: 'JPY',
      billingScheme: 'per_unit',
      unitAmount: 4980,
    });
    expect(computePriceAmount(price, 3).amount).toEqual({ amount: 14940, currency: 'JPY' });
  });

  it.each([-1, 1.5, Number.NaN])('refuses quantity %s with BILLING_INVALID_QUANTITY', (quantity) => {
    const price = priceSchema.parse({ ...base, billingScheme: 'per_unit', unitAmount: 100 });
    expect(() => computePriceAmount(price, quantity)).toThrow(
      expect.objectContaining({ code: 'BILLING_INVALID_QUANTITY' }),
    );
    try {
      computePriceAmount(price, quantity);
    } catch (error) {
      expect(isBillingError(error, 'BILLING_INVALID_QUANTITY')).toBe(true);
    }
  });

  it('refuses a product that would overflow safe integers with BILLING_AMOUNT_OVERFLOW naming the quantity', () => {
    const price = priceSchema.parse({
      ...base,
      billingScheme: 'per_unit',
      unitAmount: Number.MAX_SAFE_INTEGER,
    });
    expect(() => computePriceAmount(price, 2)).toThrow(
      expect.objectContaining({
        code: 'BILLING_AMOUNT_OVERFLOW',
        details: expect.objectContaining({ issues: [expect.objectContaining({ path: ['quantity'] })] }),
      }),
    );
  });

  it('names the item of the caller in an overflow (forItem)', () => {
    const price = priceSchema.parse({
      ...base,
      billingScheme: 'per_unit',
      unitAmount: Number.MAX_SAFE_INTEGER,
    });
    expect(() => forItem(3, () => computePriceAmount(price, 2))).toThrow(
      expect.objectContaining({
        code: 'BILLING_AMOUNT_OVERFLOW',
        details: expect.objectContaining({
          issues: [expect.objectContaining({ path: ['items', 3, 'quantity'] })],
        }),
      }),
    );
  });
});

describe('priceSchema', () => {
  const tiered = (tiers: unknown): PriceInput =>
    ({ ...base, billingScheme: 'tiered', tiersMode: 'graduated', tiers }) as PriceInput;

  it.each([
    [
      'an open tier before the last',
      [
        { upTo: null, unitAmount: 1 },
        { upTo: null, unitAmount: 1 },
      ],
    ],
    ['a closed last tier', [{ upTo: 5, unitAmount: 1 }]],
    [
      'bounds that do not increase',
      [
        { upTo: 5, unitAmount: 1 },
        { upTo: 5, unitAmount: 1 },
        { upTo: null, unitAmount: 1 },
      ],
    ],
  ])('rejects tiers with %s', (_, tiers) => {
    expect(priceSchema.safeParse(tiered(tiers)).success).toBe(false);
  });

  it('rejects fractional amounts and unknown currencies', () => {
    expect(priceSchema.safeParse({ ...base, billingScheme: 'per_unit', unitAmount: 9.99 }).success).toBe(
      false,
    );
    expect(
      priceSchema.safeParse({ ...base, currency: 'usd', billingScheme: 'per_unit', unitAmount: 999 }).success,
    ).toBe(false);
  });

  it('defaults to exclusive tax and a one-off price', () => {
    const price = priceSchema.parse({ ...base, billingScheme: 'per_unit', unitAmount: 999 });
    expect(price.taxBehavior).toBe('exclusive');
    expect(price.recurring).toBeNull();
  });
});
