import { describe, expect, it } from 'vitest';
import {
  assertInstantInRange,
  buildInvoice,
  catalogSchema,
  createSubscription,
  customerSchema,
  INSTANT_RANGE,
  inputInstantSchema,
  isCountryCode,
  isInstantInRange,
} from '../src/index.js';
import { catalog, customer, rateTable } from './fixtures.js';

// What a host app can pass to billing-core that is out of any sane range: instants outside
// INSTANT_RANGE, countries that do not exist, amounts past 2^53−1 minor units. Each is the caller's
// typed error naming the input, never a crash deep inside billing.

describe('instant range', () => {
  it.each([
    ['1970-01-01T00:00:00Z', true],
    ['2026-03-01T06:00:00+02:00', true],
    ['2199-12-31T23:59:59.999Z', true],
    ['2200-01-01T00:00:00Z', false],
    ['9999-12-31T00:00:00Z', false],
    ['1969-12-31T23:59:59Z', false],
    ['1000-01-01T00:00:00Z', false],
    ['2026-06-01', true],
    ['9999-06-01', false],
    ['not a date', false],
  ])('isInstantInRange(%s) is %s', (iso, expected) => {
    expect(isInstantInRange(iso)).toBe(expected);
  });

  it('names the range in its bounds and in the schema message', () => {
    expect(INSTANT_RANGE).toEqual({ min: '1970-01-01T00:00:00.000Z', max: '2200-01-01T00:00:00.000Z' });
    const result = inputInstantSchema.safeParse('9999-12-31T00:00:00Z');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'must be from 1970-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z',
    ]);
    expect(inputInstantSchema.safeParse('junk').error?.issues).toHaveLength(1);
  });

  it('refuses with BILLING_INVALID_INPUT naming the field', () => {
    expect(() => assertInstantInRange('1000-01-01T00:00:00Z', 'startAt')).toThrow(
      expect.objectContaining({
        code: 'BILLING_INVALID_INPUT',
        details: expect.objectContaining({ issues: [expect.objectContaining({ path: ['startAt'] })] }),
      }),
    );
  });

  it.each([
    ['startAt', { startAt: '9999-12-31T00:00:00Z' }],
    ['startAt', { startAt: '1000-01-01T00:00:00Z' }],
    ['trialEnd', { startAt: '2026-01-01T00:00:00Z', trialEnd: '9999-01-01T00:00:00Z' }],
  ])('createSubscription refuses %s out of range before computing any period', (field, dates) => {
    expect(() =>
      createSubscription(
        {
          id: 'sub_1',
          customer: customer(),
          items: [{ id: 'si_1', priceId: 'basic_usd' }],
          invoiceId: 'in_1',
          ...dates,
        },
        { catalog, tax: rateTable },
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'BILLING_INVALID_INPUT',
        details: expect.objectContaining({ issues: [expect.objectContaining({ path: [field] })] }),
      }),
    );
  });
});

describe('countries', () => {
  it.each([
    ['US', true],
    ['DE', true],
    ['AQ', true],
    ['ZZ', false],
    ['AA', false],
    ['UK', false],
    ['EU', false],
    ['SU', false],
    ['us', false],
    ['USA', false],
  ])('isCountryCode(%s) is %s', (code, expected) => {
    expect(isCountryCode(code)).toBe(expected);
  });

  it('refuses a customer in country ZZ', () => {
    const result = customerSchema.safeParse({
      id: 'cus_1',
      currency: 'USD',
      timezone: 'UTC',
      address: { country: 'ZZ' },
    });
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['address.country']);
  });
});

describe('amount overflow', () => {
  const huge = catalogSchema.parse({
    products: [{ id: 'prod_big', name: 'Big', taxCategory: 'general' }],
    prices: [
      {
        id: 'big',
        productId: 'prod_big',
        currency: 'USD',
        billingScheme: 'per_unit',
        unitAmount: 2 ** 53 - 1,
      },
    ],
  });
  const env = { catalog: huge, tax: rateTable };
  const invoice = (items: { priceId: string; quantity: number }[]) =>
    buildInvoice(
      {
        invoiceId: 'in_big',
        customer: customer(),
        billingReason: 'manual',
        createdAt: '2026-01-01T00:00:00Z',
        items,
      },
      env,
    );

  it.each([
    [
      'price × quantity of the second item',
      [
        { priceId: 'big', quantity: 0 },
        { priceId: 'big', quantity: 2 },
      ],
      ['items', 1, 'quantity'],
    ],
    [
      'the sum of two lines',
      [
        { priceId: 'big', quantity: 1 },
        { priceId: 'big', quantity: 1 },
      ],
      ['items'],
    ],
    ['the tax on one line', [{ priceId: 'big', quantity: 1 }], ['items']],
  ])('refuses %s with BILLING_AMOUNT_OVERFLOW naming the input', (_label, items, path) => {
    expect(() => invoice(items)).toThrow(
      expect.objectContaining({
        code: 'BILLING_AMOUNT_OVERFLOW',
        details: expect.objectContaining({ issues: [expect.objectContaining({ path })] }),
      }),
    );
  });
});
