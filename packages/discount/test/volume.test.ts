import { type Money, money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import { applyDiscounts, type DiscountDefinitionInput } from '../src/index.js';
import { line, NOW, reasons } from './helpers.js';

const percentTiers = [
  { fromQuantity: 3, percentOff: '10' },
  { fromQuantity: 10, percentOff: '20' },
];

type Tier = { fromQuantity: number; percentOff?: string; unitAmountOff?: Money };

function containers(quantity: number, tiersMode: 'volume' | 'graduated', tiers: Tier[] = percentTiers) {
  const discount: DiscountDefinitionInput = {
    id: 'vol',
    type: 'volume',
    tiersMode,
    tiers,
    duration: { type: 'forever' },
  };
  return applyDiscounts({
    currency: 'USD',
    // 10.00 per container
    lines: [line('bins', quantity * 1000, { quantity })],
    discounts: [discount],
    context: { now: NOW },
  });
}

describe('volume discounts', () => {
  it.each([
    // quantity, mode, expected discount in cents (10.00 per unit)
    [2, 'volume', 0],
    [3, 'volume', 300], // 3 × 10.00 × 10%
    [9, 'volume', 900],
    [10, 'volume', 2000], // all 10 units at 20%
    [12, 'volume', 2400],
    [3, 'graduated', 100], // only unit 3 is in the 10% tier
    [10, 'graduated', 900], // units 3–9 at 10% (7.00) + unit 10 at 20% (2.00)
    [12, 'graduated', 1300], // 7 × 1.00 + 3 × 2.00
  ] as const)('%i containers in %s mode take %i cents off', (quantity, mode, expected) => {
    const result = containers(quantity, mode);
    expect(result.totalDiscount.amount).toBe(expected);
    if (expected === 0) expect(reasons(result)).toEqual({ vol: 'below_volume_tier' });
  });

  it.each([
    // per-unit amounts off: 3+ → 1.00/unit, 10+ → 2.50/unit
    [4, 'volume', 400],
    [10, 'volume', 2500],
    [11, 'graduated', 7 * 100 + 2 * 250],
  ] as const)('unit amounts off: %i units in %s mode take %i cents off', (quantity, mode, expected) => {
    const tiers = [
      { fromQuantity: 3, unitAmountOff: money(100, 'USD') },
      { fromQuantity: 10, unitAmountOff: money(250, 'USD') },
    ];
    expect(containers(quantity, mode, tiers).totalDiscount.amount).toBe(expected);
  });

  it('explains a graduated percentage as the blended rate', () => {
    const application = containers(12, 'graduated').lines[0]?.applications[0];
    // (7 × 10 + 3 × 20) / 12 = 10.8333…%
    expect(application?.explanation).toBe('10.8333% of 120.00 USD');
  });

  it('counts quantity across the invoice when quantityScope is invoice', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('a', 2000, { quantity: 2 }), line('b', 3000, { quantity: 1 })],
      discounts: [
        { id: 'vol', type: 'volume', tiersMode: 'volume', quantityScope: 'invoice', tiers: percentTiers },
      ],
      context: { now: NOW },
    });
    // 3 units in total reach the 10% tier; per line each alone would not
    expect(result.lines.map((l) => l.discountTotal.amount)).toEqual([200, 300]);
  });

  it('evaluates each line on its own quantity by default', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('a', 2000, { quantity: 2 }), line('b', 10000, { quantity: 10 })],
      discounts: [{ id: 'vol', type: 'volume', tiersMode: 'volume', tiers: percentTiers }],
      context: { now: NOW },
    });
    expect(result.lines.map((l) => l.discountTotal.amount)).toEqual([0, 2000]);
  });
});
