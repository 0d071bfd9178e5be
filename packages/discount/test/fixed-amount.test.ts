import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import { applyDiscounts } from '../src/index.js';
import { discountById, line, NOW, reasons } from './helpers.js';

describe('fixed_amount discounts spread over lines', () => {
  it.each([
    // amount off, line amounts, expected per-line discount (largest remainder, ties to the lower id)
    ['equal lines', 1000, [5000, 5000], [500, 500]],
    ['unequal lines 1:3', 1000, [2500, 7500], [250, 750]],
    ['a cent that does not divide: 100 over 3 equal lines', 100, [1000, 1000, 1000], [34, 33, 33]],
    ['uneven weights 1000 over 3333/3333/3334', 1000, [3333, 3333, 3334], [333, 333, 334]],
    ['more than the lines: capped at the eligible amount', 5000, [1000, 2000], [1000, 2000]],
  ])('%s', (_label, amountOff, amounts, expected) => {
    const lines = amounts.map((amount, index) => line(`l${index + 1}`, amount));
    const result = applyDiscounts({
      currency: 'USD',
      lines,
      discounts: [{ id: 'd', type: 'fixed_amount', amountOff: money(amountOff, 'USD') }],
      context: { now: NOW },
    });
    expect(result.lines.map((l) => l.discountTotal.amount)).toEqual(expected);
    expect(result.totalDiscount.amount).toBe(expected.reduce((a, b) => a + b, 0));
  });

  it('records a partial application when the amount off exceeds what the lines carry', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', 1000)],
      discounts: [{ id: 'd', type: 'fixed_amount', amountOff: money(2500, 'USD') }],
      context: { now: NOW },
    });
    expect(result.applied).toEqual([
      {
        discountId: 'd',
        type: 'fixed_amount',
        amount: money(1000, 'USD'),
        requested: money(2500, 'USD'),
        partial: true,
        newRedemption: true,
      },
    ]);
    expect(result.lines[0]?.applications[0]?.limitedBy).toBe('line_floor');
    expect(result.lines[0]?.discounted.amount).toBe(0);
  });

  it('only touches eligible lines and never a proration credit line', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [
        line('plan', 3000, { productId: 'bins' }),
        line('credit', -1000, { productId: 'bins', kind: 'proration_credit' }),
        line('other', 3000, { productId: 'other' }),
      ],
      discounts: [
        { id: 'd', type: 'fixed_amount', amountOff: money(500, 'USD'), appliesTo: { productIds: ['bins'] } },
      ],
      context: { now: NOW },
    });
    expect(discountById(result)).toEqual({ plan: 500, credit: 0, other: 0 });
  });

  it.each([
    // zero- and three-decimal currencies: amounts are minor units, allocation stays exact
    ['JPY', 1000, [3000, 4000], [429, 571]], // 1000 × 3/7 = 428.57 → 428 + remainder goes to the larger remainder (0.57)
    ['KWD', 1001, [1500, 1500, 1500], [334, 334, 333]], // 333.667 each: two of them get the extra fils
  ])('spreads %s exactly', (currency, amountOff, amounts, expected) => {
    const result = applyDiscounts({
      currency,
      lines: amounts.map((amount, index) => ({ id: `l${index + 1}`, amount: money(amount, currency) })),
      discounts: [{ id: 'd', type: 'fixed_amount', amountOff: money(amountOff, currency) }],
      context: { now: NOW },
    });
    expect(result.lines.map((l) => l.discountTotal.amount)).toEqual(expected);
    expect(result.totalDiscount).toEqual(money(amountOff, currency));
  });

  it('rejects an amount in another currency with currency_mismatch', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', 1000)],
      discounts: [{ id: 'd', type: 'fixed_amount', amountOff: money(100, 'EUR') }],
      context: { now: NOW },
    });
    expect(reasons(result)).toEqual({ d: 'currency_mismatch' });
  });
});
