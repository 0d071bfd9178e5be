import { describe, expect, it } from 'vitest';
import {
  assertInvoiceInvariants,
  createSubscription,
  finalizeInvoice,
  type Invoice,
  withStartingBalance,
} from '../src/index.js';
import { customer, env } from './fixtures.js';

/** The first invoice of a Basic (30.00 + Chicago tax) subscription, built while the customer held `balance`. */
function draft(balance: number): Invoice {
  return createSubscription(
    {
      id: 'sub_sb',
      customer: customer({ balance }),
      items: [{ id: 'si_1', priceId: 'basic_usd' }],
      startAt: '2026-01-01T06:00:00Z',
      invoiceId: 'in_sb',
    },
    env,
  ).invoice as Invoice;
}

describe('the customer balance is applied when a draft is finalized', () => {
  const total = draft(0).total.amount;

  it.each([
    { name: 'credit used up since the draft was built', built: -500, now: 0, due: total, ending: 0 },
    { name: 'more credit since the draft was built', built: 0, now: -500, due: total - 500, ending: 0 },
    { name: 'credit larger than the invoice', built: 0, now: -(total + 700), due: 0, ending: -700 },
    { name: 'a debit balance is added to what is due', built: 0, now: 250, due: total + 250, ending: 0 },
  ])(
    '$name: amount due and ending balance follow the balance at finalization',
    ({ built, now, due, ending }) => {
      const { invoice } = finalizeInvoice(draft(built), {
        number: 'INV-1',
        at: '2026-01-01T06:00:00Z',
        customerBalance: now,
      });
      expect(invoice.startingBalance.amount).toBe(now);
      expect(invoice.amountDue.amount).toBe(due);
      expect(invoice.endingBalance.amount).toBe(ending);
      expect(invoice.total.amount).toBe(total);
      expect(invoice.amountDue.amount + invoice.endingBalance.amount).toBe(total + now);
      expect(invoice.status).toBe(due === 0 ? 'paid' : 'open');
      expect(() => assertInvoiceInvariants(invoice)).not.toThrow();
      expect(invoice.explanation.find((e) => e.target === 'amountDue')?.inputs).toEqual({
        total,
        startingBalance: now,
      });
    },
  );

  it('keeps the draft as built without customerBalance, and returns it unchanged for the same balance', () => {
    const built = draft(-500);
    expect(
      finalizeInvoice(built, { number: 'INV-1', at: '2026-01-01T06:00:00Z' }).invoice.amountDue.amount,
    ).toBe(total - 500);
    expect(withStartingBalance(built, -500)).toBe(built);
  });

  it('refuses an invoice that is no longer a draft, and a balance that is not an integer', () => {
    const open = finalizeInvoice(draft(0), { number: 'INV-1', at: '2026-01-01T06:00:00Z' }).invoice;
    expect(() => withStartingBalance(open, -100)).toThrow(/not a draft/);
    expect(() => withStartingBalance(draft(0), 0.5)).toThrow(/integer/);
  });
});
