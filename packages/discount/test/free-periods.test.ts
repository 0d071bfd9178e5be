import { describe, expect, it } from 'vitest';
import { applyDiscounts } from '../src/index.js';
import { line, NOW, reasons } from './helpers.js';

describe('free_periods discounts', () => {
  it.each([
    // periods free, percentOff, periods already billed, expected discount on a 20.00 line
    [1, undefined, 0, 2000], // first month free
    [1, undefined, 1, 0],
    [3, undefined, 2, 2000],
    [3, undefined, 3, 0],
    [2, '50', 1, 1000], // two periods at half price
  ])(
    '%i free period(s) at %s%% off after %i billed: %i cents off',
    (periods, percentOff, billed, expected) => {
      const result = applyDiscounts({
        currency: 'USD',
        lines: [line('plan', 2000, { subscriptionId: 'sub_1' })],
        discounts: [{ id: 'trial', type: 'free_periods', periods, ...(percentOff ? { percentOff } : {}) }],
        context: { now: NOW, periodsBilled: { trial: { sub_1: billed } } },
      });
      expect(result.totalDiscount.amount).toBe(expected);
      if (expected === 0) expect(reasons(result)).toEqual({ trial: 'duration_ended' });
    },
  );

  it('counts free periods per subscription', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [
        line('old', 2000, { subscriptionId: 'sub_old' }),
        line('new', 2000, { subscriptionId: 'sub_new' }),
      ],
      discounts: [{ id: 'trial', type: 'free_periods', periods: 1 }],
      context: { now: NOW, periodsBilled: { trial: { sub_old: 1 } } },
    });
    expect(result.lines.map((l) => l.discounted.amount)).toEqual([2000, 0]);
  });
});
