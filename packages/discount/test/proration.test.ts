import { describe, expect, it } from 'vitest';
import { applyDiscounts } from '../src/index.js';
import { line, NOW } from './helpers.js';

describe('discounts on proration lines', () => {
  it.each([
    // percentOff, credit line, expected discounted credit (the credit shrinks by the same percent)
    ['20', -1000, -800],
    ['20', -5000, -4000],
    ['15', -333, -283], // −49.95 → −50 (half_up away from zero): −333 − (−50) = −283
    ['100', -2500, 0],
  ])('%s%% off turns a %i credit into %i', (percentOff, amount, expected) => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('unused', amount, { kind: 'proration_credit' })],
      discounts: [{ id: 'd', type: 'percentage', percentOff, duration: { type: 'forever' } }],
      context: { now: NOW },
    });
    expect(result.lines[0]?.discounted.amount).toBe(expected);
    // the discount amount carries the line's sign: discounted = original − amount
    expect(result.lines[0]?.discountTotal.amount).toBe(amount - expected);
  });

  it('credits the customer what they actually paid for the unused half of a discounted plan', () => {
    // Plan 100.00 with 20% off: the customer paid 80.00. Halfway through they upgrade to a 200.00 plan.
    const result = applyDiscounts({
      currency: 'USD',
      lines: [
        line('unused_old', -5000, { kind: 'proration_credit', planId: 'basic' }),
        line('remaining_new', 10000, { kind: 'proration_charge', planId: 'pro' }),
      ],
      discounts: [{ id: 'd', type: 'percentage', percentOff: '20', duration: { type: 'forever' } }],
      context: { now: NOW, periodsBilled: { d: 4 } },
    });
    const byId = Object.fromEntries(result.lines.map((l) => [l.id, l]));
    expect(byId.unused_old?.discounted.amount).toBe(-4000); // half of the 80.00 paid
    expect(byId.remaining_new?.discounted.amount).toBe(8000);
    expect(byId.unused_old?.applications[0]?.amount.amount).toBe(-1000);
    // net discount 20.00 − 10.00 = 10.00, and the total still adds up
    expect(result.totalDiscount.amount).toBe(1000);
    expect(result.total.amount).toBe(4000);
    expect(result.subtotal.amount - result.totalDiscount.amount).toBe(result.total.amount);
  });

  it('applies a volume tier rate to a credit line by its own quantity', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('unused', -6000, { quantity: 12, kind: 'proration_credit' })],
      discounts: [
        { id: 'v', type: 'volume', tiersMode: 'volume', tiers: [{ fromQuantity: 10, percentOff: '20' }] },
      ],
      context: { now: NOW },
    });
    expect(result.lines[0]?.discounted.amount).toBe(-4800);
  });

  it('caps a credit line by magnitude like a charge', () => {
    const result = applyDiscounts(
      {
        currency: 'USD',
        lines: [line('unused', -1000, { kind: 'proration_credit' })],
        discounts: [
          { id: 'a', type: 'percentage', percentOff: '40' },
          { id: 'b', type: 'percentage', percentOff: '40' },
        ],
        context: { now: NOW },
      },
      { maxTotalPercent: '50' },
    );
    // −400, then −240 capped to −100
    expect(result.lines[0]?.discounted.amount).toBe(-500);
  });
});
