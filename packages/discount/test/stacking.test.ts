import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import { applyDiscounts, type DiscountDefinitionInput } from '../src/index.js';
import { appliedIds, line, NOW, reasons } from './helpers.js';

const forever = { type: 'forever' as const };
const pct = (
  id: string,
  percentOff: string,
  extra: Partial<DiscountDefinitionInput> = {},
): DiscountDefinitionInput =>
  ({ id, type: 'percentage', percentOff, duration: forever, ...extra }) as DiscountDefinitionInput;
const fixed = (
  id: string,
  amount: number,
  extra: Partial<DiscountDefinitionInput> = {},
): DiscountDefinitionInput =>
  ({
    id,
    type: 'fixed_amount',
    amountOff: money(amount, 'USD'),
    duration: forever,
    ...extra,
  }) as DiscountDefinitionInput;

function run(discounts: DiscountDefinitionInput[], maxTotalPercent?: string) {
  return applyDiscounts(
    { currency: 'USD', lines: [line('l1', 10000)], discounts, context: { now: NOW } },
    maxTotalPercent === undefined ? {} : { maxTotalPercent },
  );
}

describe('stack order on a 100.00 line', () => {
  it.each([
    // label, discounts, expected total discount (worked by hand)
    [
      'sequential percentages: 10% then 20% of the remaining 90.00',
      [pct('a', '10'), pct('b', '20')],
      1000 + 1800,
    ],
    [
      'an additive percentage is taken of the original',
      [pct('a', '10'), pct('b', '20', { additive: true })],
      1000 + 2000,
    ],
    [
      'percentages before fixed amounts within a priority',
      [fixed('a_fixed', 1000), pct('z_pct', '10')],
      1000 + 1000,
    ],
    [
      'a lower priority number applies first, whatever its kind',
      [fixed('a_fixed', 1000, { priority: 0 }), pct('z_pct', '10', { priority: 1 })],
      1000 + 900,
    ],
    [
      'priority beats the percentage-first rule the other way too',
      [fixed('f', 1000, { priority: 2 }), pct('p', '10', { priority: 1 })],
      1000 + 1000,
    ],
    [
      'two additive 60% never take the line below zero',
      [pct('a', '60', { additive: true }), pct('b', '60', { additive: true })],
      10000,
    ],
  ])('%s', (_label, discounts, expected) => {
    const result = run(discounts);
    expect(result.totalDiscount.amount).toBe(expected);
    expect(result.lines[0]?.discounted.amount).toBe(10000 - expected);
  });

  it('applies percentages in id order within a priority tie and records each base', () => {
    const result = run([pct('b', '20'), pct('a', '10')]);
    expect(result.lines[0]?.applications.map((a) => [a.discountId, a.base.amount, a.amount.amount])).toEqual([
      ['a', 10000, 1000],
      ['b', 9000, 1800],
    ]);
  });

  it('marks the discount that hit the line floor as partial', () => {
    const result = run([pct('a', '60', { additive: true }), pct('b', '60', { additive: true })]);
    const b = result.applied.find((a) => a.discountId === 'b');
    expect(b).toMatchObject({ amount: money(4000, 'USD'), requested: money(6000, 'USD'), partial: true });
    expect(result.lines[0]?.applications[1]?.limitedBy).toBe('line_floor');
  });

  it('rejects a later discount with nothing_to_discount after a 100% discount', () => {
    const result = run([pct('free', '100', { priority: 0 }), pct('coupon', '10', { priority: 1 })]);
    expect(reasons(result)).toEqual({ coupon: 'nothing_to_discount' });
    expect(result.lines[0]?.discounted.amount).toBe(0);
  });
});

describe('exclusive against stackable', () => {
  it.each([
    // label, discounts, winner, total, rejections
    [
      'exclusive wins: 30% alone beats 10% + 5.00',
      [pct('ex30', '30', { stacking: 'exclusive' }), pct('s10', '10'), fixed('s500', 500)],
      'exclusive',
      3000,
      { s10: 'beaten_by_exclusive', s500: 'beaten_by_exclusive' },
    ],
    [
      'stack wins: 10% then 10% (19.00) beats 15% alone',
      [pct('ex15', '15', { stacking: 'exclusive' }), pct('s1', '10'), pct('s2', '10')],
      'stack',
      1900,
      { ex15: 'beaten_by_stack' },
    ],
    [
      'the stack wins a tie: 19% exclusive against 10% then 10%',
      [pct('ex19', '19', { stacking: 'exclusive' }), pct('s1', '10'), pct('s2', '10')],
      'stack',
      1900,
      { ex19: 'beaten_by_stack' },
    ],
    [
      'the best of two exclusives wins when nothing is stackable',
      [pct('ex20', '20', { stacking: 'exclusive' }), pct('ex25', '25', { stacking: 'exclusive' })],
      'exclusive',
      2500,
      { ex20: 'beaten_by_exclusive' },
    ],
  ] as const)('%s', (_label, discounts, outcome, total, rejected) => {
    const result = run([...discounts]);
    expect(result.stacking.outcome).toBe(outcome);
    expect(result.totalDiscount.amount).toBe(total);
    expect(reasons(result)).toEqual(rejected);
  });

  it('says why in the stacking decision', () => {
    const result = run([pct('ex30', '30', { stacking: 'exclusive' }), pct('s10', '10')]);
    expect(result.stacking).toEqual({
      outcome: 'exclusive',
      exclusiveDiscountId: 'ex30',
      explanation:
        'Exclusive discount ex30 saves 30.00 USD, more than the stack of stackable discounts (10.00 USD)',
    });
  });

  it('lets an exclusive discount win even when it is the only one', () => {
    const result = run([pct('ex', '5', { stacking: 'exclusive' })]);
    expect(appliedIds(result)).toEqual(['ex']);
    expect(result.totalDiscount.amount).toBe(500);
  });
});

describe('maxTotalPercent cap', () => {
  it.each([
    // label, discounts, cap, expected total, rejections
    ['cuts 40% then 30% (58.00) down to 50.00', [pct('a', '40'), pct('b', '30')], '50', 5000, {}],
    [
      'cuts two additive 30% down to 50.00',
      [pct('a', '30', { additive: true }), pct('b', '30', { additive: true })],
      '50',
      5000,
      {},
    ],
    ['limits an exclusive discount too', [pct('ex', '80', { stacking: 'exclusive' })], '50', 5000, {}],
    [
      'rejects a discount with cap_reached once the cap is used up',
      [pct('a', '50'), pct('b', '10', { priority: 1 })],
      '50',
      5000,
      { b: 'cap_reached' },
    ],
    ['caps a fixed amount at the remaining room', [pct('a', '40'), fixed('f', 3000)], '50', 5000, {}],
    ['leaves discounts under the cap untouched', [pct('a', '10'), pct('b', '10')], '50', 1900, {}],
  ])('%s', (_label, discounts, cap, total, rejected) => {
    const result = run(discounts, cap);
    expect(result.totalDiscount.amount).toBe(total);
    expect(reasons(result)).toEqual(rejected);
  });

  it('records the capped discount as partial with limitedBy cap', () => {
    const result = run([pct('a', '40'), pct('b', '30')], '50');
    const b = result.lines[0]?.applications.find((a) => a.discountId === 'b');
    expect(b).toMatchObject({ amount: money(1000, 'USD'), requested: money(1800, 'USD'), limitedBy: 'cap' });
    expect(result.applied.find((a) => a.discountId === 'b')?.partial).toBe(true);
  });

  it('compares exclusive and stack after the cap', () => {
    // Stack: 40% then 30% would be 58.00 but is capped at 50.00; the exclusive 55% is capped at 50.00 too: tie → stack.
    const result = run([pct('a', '40'), pct('b', '30'), pct('ex', '55', { stacking: 'exclusive' })], '50');
    expect(result.stacking.outcome).toBe('stack');
    expect(reasons(result)).toEqual({ ex: 'beaten_by_stack' });
  });
});
