import { money } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import { applyDiscounts, type DiscountDefinitionInput } from '../src/index.js';
import { discountById, line, NOW, reasons, usd } from './helpers.js';

const credit = (
  id: string,
  amount: number,
  extra: Partial<DiscountDefinitionInput> = {},
): DiscountDefinitionInput =>
  ({ id, type: 'credit', amount: usd(amount), ...extra }) as DiscountDefinitionInput;

describe('credit discounts', () => {
  it.each([
    // label, invoice lines, credit amount, recorded balance, expected consumed, expected remaining
    ['a credit smaller than the invoice is used up', [5000], 3000, undefined, 3000, 0],
    ['a credit larger than the invoice keeps the rest', [2000], 5000, undefined, 2000, 3000],
    ['the recorded balance, not the initial amount, is what is left', [2000], 5000, 3000, 2000, 1000],
    ['a balance smaller than the lines pays proportionally', [3000, 1000], 10000, 2000, 2000, 0],
  ])('%s', (_label, amounts, amount, balance, consumed, remaining) => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: amounts.map((a, i) => line(`l${i + 1}`, a)),
      discounts: [credit('ref', amount)],
      context: { now: NOW, ...(balance === undefined ? {} : { creditBalances: { ref: usd(balance) } }) },
    });
    expect(result.creditTotal.amount).toBe(consumed);
    expect(result.totalDiscount.amount).toBe(consumed);
    expect(result.creditsRemaining).toEqual({ ref: usd(remaining) });
  });

  it('consumes itself across invoices until it is used up', () => {
    const invoice = (balance?: number) =>
      applyDiscounts({
        currency: 'USD',
        lines: [line('plan', 2000)],
        discounts: [credit('referral', 5000)],
        context: {
          now: NOW,
          ...(balance === undefined ? {} : { creditBalances: { referral: usd(balance) } }),
        },
      });
    const first = invoice();
    const second = invoice(first.creditsRemaining.referral?.amount);
    const third = invoice(second.creditsRemaining.referral?.amount);
    const fourth = invoice(third.creditsRemaining.referral?.amount);
    expect([first, second, third].map((r) => r.total.amount)).toEqual([0, 0, 1000]);
    expect(first.applied[0]?.newRedemption).toBe(true);
    expect(second.applied[0]?.newRedemption).toBe(false);
    expect(reasons(fourth)).toEqual({ referral: 'balance_used_up' });
    expect(fourth.total.amount).toBe(2000);
  });

  it('applies after every other discount', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('plan', 10000)],
      discounts: [credit('c', 10000, { priority: -5 }), { id: 'p', type: 'percentage', percentOff: '10' }],
      context: { now: NOW },
    });
    expect(result.lines[0]?.applications.map((a) => [a.discountId, a.amount.amount])).toEqual([
      ['p', 1000],
      ['c', 9000],
    ]);
    expect(result.creditsRemaining).toEqual({ c: usd(1000) });
  });

  it('never pays more than the net amount due when a proration credit is on the invoice', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('new_plan', 5000), line('unused', -2000, { kind: 'proration_credit' })],
      discounts: [credit('c', 10000)],
      context: { now: NOW },
    });
    expect(discountById(result)).toEqual({ new_plan: 3000, unused: 0 });
    expect(result.total.amount).toBe(0);
    expect(result.creditsRemaining).toEqual({ c: usd(7000) });
  });

  it('uses credits in priority order', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('plan', 3000)],
      discounts: [credit('second', 5000, { priority: 1 }), credit('first', 1000, { priority: 0 })],
      context: { now: NOW },
    });
    expect(result.creditsRemaining).toEqual({ first: usd(0), second: usd(3000) });
  });

  it('is not limited by maxTotalPercent and survives an exclusive discount', () => {
    const result = applyDiscounts(
      {
        currency: 'USD',
        lines: [line('plan', 10000)],
        discounts: [
          credit('c', 8000),
          { id: 'ex', type: 'percentage', percentOff: '20', stacking: 'exclusive' },
          { id: 's', type: 'percentage', percentOff: '5' },
        ],
        context: { now: NOW },
      },
      { maxTotalPercent: '50' },
    );
    // 20% exclusive (20.00) then the credit pays the remaining 80.00 in full
    expect(result.lines[0]?.applications.map((a) => [a.discountId, a.amount.amount])).toEqual([
      ['ex', 2000],
      ['c', 8000],
    ]);
    expect(result.total).toEqual(money(0, 'USD'));
  });

  it('reports the opening balance of a credit that was not eligible', () => {
    const result = applyDiscounts({
      currency: 'USD',
      lines: [line('plan', 3000)],
      discounts: [credit('c', 1000, { firstInvoiceOnly: true })],
      context: { now: NOW, isFirstInvoice: false },
    });
    expect(reasons(result)).toEqual({ c: 'not_first_invoice' });
    expect(result.creditsRemaining).toEqual({ c: usd(1000) });
  });
});
