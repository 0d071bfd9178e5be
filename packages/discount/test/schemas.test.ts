import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import {
  applyDiscounts,
  DiscountError,
  type DiscountOptionsInput,
  type DiscountRequestInput,
  discountDefinitionSchema,
  isDiscountError,
} from '../src/index.js';
import { line, NOW } from './helpers.js';

describe('discount definition schema', () => {
  it.each([
    ['a zero percentage', { id: 'd', type: 'percentage', percentOff: '0' }],
    ['more than 100%', { id: 'd', type: 'percentage', percentOff: '100.01' }],
    ['a float instead of a decimal string', { id: 'd', type: 'percentage', percentOff: 15 }],
    ['a malformed decimal', { id: 'd', type: 'percentage', percentOff: '15.5.5' }],
    ['an empty percentage', { id: 'd', type: 'percentage', percentOff: '' }],
    [
      'repeating without a number of periods',
      { id: 'd', type: 'percentage', percentOff: '5', duration: { type: 'repeating' } },
    ],
    [
      'a fractional amount off',
      { id: 'd', type: 'fixed_amount', amountOff: { amount: 10.5, currency: 'USD' } },
    ],
    [
      'a bundle with both percent and amount',
      { id: 'd', type: 'bundle', productIds: ['a', 'b'], percentOff: '5', amountOff: money(1, 'USD') },
    ],
    ['a bundle of one product', { id: 'd', type: 'bundle', productIds: ['a'], percentOff: '5' }],
    [
      'volume tiers mixing percentages and amounts',
      {
        id: 'd',
        type: 'volume',
        tiersMode: 'volume',
        tiers: [
          { fromQuantity: 1, percentOff: '5' },
          { fromQuantity: 5, unitAmountOff: money(100, 'USD') },
        ],
      },
    ],
    ['an unknown type', { id: 'd', type: 'bogo', percentOff: '5' }],
  ])('rejects %s', (_label, definition) => {
    expect(discountDefinitionSchema.safeParse(definition).success).toBe(false);
  });

  it('fills in defaults: once, stackable, priority 0, not additive', () => {
    const parsed = discountDefinitionSchema.parse({ id: 'd', type: 'percentage', percentOff: '5' });
    expect(parsed).toMatchObject({
      duration: { type: 'once' },
      stacking: 'stackable',
      priority: 0,
      additive: false,
    });
  });
});

describe('applyDiscounts refuses malformed requests with a typed error', () => {
  const base: DiscountRequestInput = {
    currency: 'USD',
    lines: [line('l1', 100)],
    discounts: [],
    context: { now: NOW },
  };
  it.each([
    [
      'an invalid definition',
      { ...base, discounts: [{ id: 'd', type: 'percentage', percentOff: '0' }] },
      'DISCOUNT_INVALID_INPUT',
    ],
    [
      'a malformed maxTotalPercent is reported as input, not a money error',
      base,
      'DISCOUNT_INVALID_INPUT',
      { maxTotalPercent: 'half' },
    ],
    ['a date without a time', { ...base, context: { now: '2025-03-01' } }, 'DISCOUNT_DATE_WITHOUT_TIME'],
    ['duplicate line ids', { ...base, lines: [line('l1', 100), line('l1', 200)] }, 'DISCOUNT_DUPLICATE_ID'],
    [
      'duplicate discount ids',
      {
        ...base,
        discounts: [
          { id: 'd', type: 'percentage', percentOff: '5' },
          { id: 'd', type: 'percentage', percentOff: '6' },
        ],
      },
      'DISCOUNT_DUPLICATE_ID',
    ],
    [
      'a line in another currency',
      { ...base, lines: [{ id: 'l1', amount: money(100, 'EUR') }] },
      'DISCOUNT_CURRENCY_MISMATCH',
    ],
  ] as [string, DiscountRequestInput, string, DiscountOptionsInput?][])(
    '%s',
    (_label, request, code, options) => {
      let caught: unknown;
      try {
        applyDiscounts(request, options);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DiscountError);
      expect(isDiscountError(caught, code as DiscountError['code'])).toBe(true);
    },
  );

  it('names the offending field in the error', () => {
    expect(() =>
      applyDiscounts({ ...base, discounts: [{ id: 'd', type: 'percentage', percentOff: '0' }] }),
    ).toThrow(/discounts\[0\]\.percentOff/);
  });
});
