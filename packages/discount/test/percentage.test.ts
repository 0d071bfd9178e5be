import { describe, expect, it } from 'vitest';
import { applyDiscounts } from '../src/index.js';
import { line, NOW, reasons } from './helpers.js';

describe('percentage discounts', () => {
  it.each([
    // percentOff, line amount (cents), expected discount — worked by hand, half_up at the cent
    ['15', 10000, 1500],
    ['12.5', 999, 125], // 124.875 → 125
    ['33.3333', 300, 100], // 99.99990 → 100
    ['100', 4321, 4321],
    ['10', 5, 1], // 0.5 → 1 (ties away from zero)
    ['10', 4, 0], // 0.4 → 0
  ])('%s%% off a %i-cent line takes %i cents off', (percentOff, amount, expected) => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', amount)],
      discounts: [{ id: 'd', type: 'percentage', percentOff, duration: { type: 'forever' } }],
      context: { now: NOW },
    });
    expect(result.lines[0]?.discountTotal.amount).toBe(expected);
    expect(result.lines[0]?.discounted.amount).toBe(amount - expected);
  });

  it('records the base and a readable explanation for each application', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', 10000)],
      discounts: [{ id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } }],
      context: { now: NOW },
    });
    const application = result.lines[0]?.applications[0];
    expect(application).toMatchObject({
      discountId: 'SENIOR15',
      type: 'percentage',
      amount: { amount: 1500, currency: 'USD' },
      base: { amount: 10000, currency: 'USD' },
      requested: { amount: 1500, currency: 'USD' },
      explanation: '15% of 100.00 USD',
    });
    expect(application?.limitedBy).toBeUndefined();
  });

  it('rounds half_even when the caller asks for it', () => {
    const request = {
      currency: 'USD',
      lines: [line('l1', 25)],
      discounts: [
        { id: 'd', type: 'percentage' as const, percentOff: '10', duration: { type: 'forever' as const } },
      ],
      context: { now: NOW },
    };
    // 2.5 cents: half_up → 3, half_even → 2
    expect(applyDiscounts(request).totalDiscount.amount).toBe(3);
    expect(applyDiscounts(request, { rounding: 'half_even' }).totalDiscount.amount).toBe(2);
  });

  it('rejects a discount whose amount rounds to zero with nothing_to_discount', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', 4)],
      discounts: [{ id: 'd', type: 'percentage', percentOff: '10', duration: { type: 'forever' } }],
      context: { now: NOW },
    });
    expect(reasons(result)).toEqual({ d: 'nothing_to_discount' });
    expect(result.applied).toEqual([]);
  });
});

describe('durations are counted in billing periods', () => {
  it.each([
    // duration, periods already billed with the discount, applies?
    [{ type: 'once' as const }, 0, true],
    [{ type: 'once' as const }, 1, false],
    [{ type: 'repeating' as const, periods: 3 }, 0, true],
    [{ type: 'repeating' as const, periods: 3 }, 2, true],
    [{ type: 'repeating' as const, periods: 3 }, 3, false],
    [{ type: 'forever' as const }, 0, true],
    [{ type: 'forever' as const }, 240, true],
  ])('%j after %i billed period(s) applies: %s', (duration, billed, applies) => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', 1000)],
      discounts: [{ id: 'd', type: 'percentage', percentOff: '20', duration }],
      context: { now: NOW, periodsBilled: { d: billed } },
    });
    expect(result.totalDiscount.amount).toBe(applies ? 200 : 0);
    if (!applies) expect(reasons(result)).toEqual({ d: 'duration_ended' });
  });

  it('counts periods per subscription when the invoice carries two subscriptions', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('a', 1000, { subscriptionId: 'sub_a' }), line('b', 1000, { subscriptionId: 'sub_b' })],
      discounts: [
        { id: 'd', type: 'percentage', percentOff: '50', duration: { type: 'repeating', periods: 2 } },
      ],
      context: { now: NOW, periodsBilled: { d: { sub_a: 2, sub_b: 1 } } },
    });
    expect(result.lines.map((l) => l.discounted.amount)).toEqual([1000, 500]);
    expect(result.applied[0]?.newRedemption).toBe(false);
  });
});

describe('validity window', () => {
  it.each([
    ['before startsAt', '2025-03-01T00:00:00Z', 'not_started'],
    ['exactly at startsAt', '2025-03-10T00:00:00Z', null],
    ['inside the window', '2025-03-15T00:00:00Z', null],
    ['exactly at expiresAt', '2025-03-20T00:00:00Z', 'expired'],
    ['after expiresAt', '2025-04-01T00:00:00Z', 'expired'],
  ])('%s (%s) gives %s', (_label, now, reason) => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('l1', 1000)],
      discounts: [
        {
          id: 'd',
          type: 'percentage',
          percentOff: '10',
          startsAt: '2025-03-10T00:00:00Z',
          expiresAt: '2025-03-20T00:00:00Z',
        },
      ],
      context: { now },
    });
    if (reason === null) expect(result.totalDiscount.amount).toBe(100);
    else expect(reasons(result)).toEqual({ d: reason });
  });
});
