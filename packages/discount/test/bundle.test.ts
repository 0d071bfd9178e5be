import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import { applyDiscounts } from '../src/index.js';
import { discountById, line, NOW, reasons } from './helpers.js';

const trashAndRecycling = {
  id: 'bundle',
  type: 'bundle' as const,
  productIds: ['trash', 'recycling'],
  percentOff: '10',
  duration: { type: 'forever' as const },
};

describe('bundle discounts', () => {
  it('takes 10% off both products when the customer has trash and recycling', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [
        line('t', 3000, { productId: 'trash' }),
        line('r', 2000, { productId: 'recycling' }),
        line('y', 1500, { productId: 'yard_waste' }),
      ],
      discounts: [trashAndRecycling],
      context: { now: NOW },
    });
    expect(discountById(result)).toEqual({ t: 300, r: 200, y: 0 });
  });

  it('is rejected as bundle_incomplete when one product is missing', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('t', 3000, { productId: 'trash' })],
      discounts: [trashAndRecycling],
      context: { now: NOW },
    });
    expect(reasons(result)).toEqual({ bundle: 'bundle_incomplete' });
    expect(result.totalDiscount.amount).toBe(0);
  });

  it('does not count a product that only appears as a proration credit', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [
        line('t', 3000, { productId: 'trash' }),
        line('r', -500, { productId: 'recycling', kind: 'proration_credit' }),
      ],
      discounts: [trashAndRecycling],
      context: { now: NOW },
    });
    expect(reasons(result)).toEqual({ bundle: 'bundle_incomplete' });
  });

  it('spreads a bundle amount off over the bundle lines in proportion', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('t', 3000, { productId: 'trash' }), line('r', 1000, { productId: 'recycling' })],
      discounts: [{ ...trashAndRecycling, percentOff: undefined, amountOff: money(400, 'USD') }],
      context: { now: NOW },
    });
    expect(discountById(result)).toEqual({ t: 300, r: 100 });
  });
});
