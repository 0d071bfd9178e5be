import { describe, expect, it } from 'vitest';
import { type AppliesTo, applyDiscounts, type DiscountContextInput } from '../src/index.js';
import { discountById, line, NOW, reasons, usd } from './helpers.js';

const lines = [
  line('trash', 3000, { productId: 'trash', planId: 'weekly', category: 'collection' }),
  line('bins', 1000, { productId: 'bin_rental', category: 'equipment' }),
];

describe('which lines a discount applies to', () => {
  it.each([
    ['all lines when appliesTo is absent', undefined, { trash: 300, bins: 100 }],
    ['a listed product', { productIds: ['bin_rental'] }, { trash: 0, bins: 100 }],
    ['a listed plan', { planIds: ['weekly'] }, { trash: 300, bins: 0 }],
    ['a listed category', { categories: ['equipment'] }, { trash: 0, bins: 100 }],
    [
      'any of several criteria',
      { productIds: ['trash'], categories: ['equipment'] },
      { trash: 300, bins: 100 },
    ],
  ] as [string, AppliesTo | undefined, Record<string, number>][])('%s', (_label, appliesTo, expected) => {
    const result = applyDiscounts({
      currency: 'USD',
      lines,
      discounts: [{ id: 'd', type: 'percentage', percentOff: '10', ...(appliesTo ? { appliesTo } : {}) }],
      context: { now: NOW },
    });
    expect(discountById(result)).toEqual(expected);
  });

  it('rejects with not_eligible when no line is listed', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines,
      discounts: [{ id: 'd', type: 'percentage', percentOff: '10', appliesTo: { productIds: ['compost'] } }],
      context: { now: NOW },
    });
    expect(reasons(result)).toEqual({ d: 'not_eligible' });
  });
});

describe('invoice-level conditions', () => {
  it.each([
    // label, extra definition fields, context, reason (null = applies)
    ['subtotal below the minimum', { minimumSubtotal: usd(4001) }, {}, 'minimum_subtotal_not_met'],
    ['subtotal exactly the minimum', { minimumSubtotal: usd(4000) }, {}, null],
    [
      'first-invoice-only on a later invoice',
      { firstInvoiceOnly: true },
      { isFirstInvoice: false },
      'not_first_invoice',
    ],
    ['first-invoice-only on the first invoice', { firstInvoiceOnly: true }, { isFirstInvoice: true }, null],
    [
      'global redemptions used up',
      { maxRedemptions: 100 },
      { redemptions: { d: { total: 100 } } },
      'exhausted',
    ],
    ['global redemptions left', { maxRedemptions: 100 }, { redemptions: { d: { total: 99 } } }, null],
    [
      'customer redemptions used up',
      { maxRedemptionsPerCustomer: 1 },
      { redemptions: { d: { total: 5, customer: 1 } } },
      'customer_limit_reached',
    ],
    [
      'limits do not stop a discount already redeemed on this subscription',
      { maxRedemptions: 1, duration: { type: 'repeating', periods: 3 } },
      { redemptions: { d: { total: 1, customer: 1 } }, periodsBilled: { d: 1 } },
      null,
    ],
  ] as [string, Record<string, unknown>, Partial<DiscountContextInput>, string | null][])(
    '%s',
    (_label, extra, context, reason) => {
      const result = applyDiscounts({
        currency: 'USD',
        lines,
        discounts: [
          { id: 'd', type: 'percentage', percentOff: '10', duration: { type: 'forever' }, ...extra },
        ],
        context: { now: NOW, customerId: 'cus_1', ...context },
      });
      if (reason === null) {
        expect(result.totalDiscount.amount).toBe(400);
      } else {
        expect(reasons(result)).toEqual({ d: reason });
        expect(result.totalDiscount.amount).toBe(0);
      }
    },
  );

  it('flags a first use as a new redemption so the caller can count it', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines,
      discounts: [{ id: 'd', type: 'percentage', percentOff: '10' }],
      context: { now: NOW },
    });
    expect(result.applied[0]?.newRedemption).toBe(true);
  });
});
