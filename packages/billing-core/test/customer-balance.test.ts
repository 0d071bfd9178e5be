import { describe, expect, it } from 'vitest';
import {
  changeSubscription,
  createSubscription,
  customerBalanceTransaction,
  type Invoice,
  renewSubscription,
} from '../src/index.js';
import { customer, draftInvoice, env } from './fixtures.js';

// Chicago: 9.25 % sales tax, rounded once per line, half up.
const usd = (amount: number) => ({ amount, currency: 'USD' });

/** Pro (60.00) from 1 January, downgraded to Basic (30.00) on the 16th and invoiced at once. */
function downgrade(balance: number) {
  const ada = customer({ balance });
  const created = createSubscription(
    {
      id: 'sub_bal',
      customer: ada,
      items: [{ id: 'si_1', priceId: 'pro_usd' }],
      startAt: '2026-01-01T06:00:00Z',
      invoiceId: 'in_1',
    },
    env,
  );
  return changeSubscription(
    created.subscription,
    {
      customer: ada,
      items: [{ id: 'si_1', priceId: 'basic_usd' }],
      prorationDate: '2026-01-16T06:00:00Z',
      prorationBehavior: 'always_invoice',
      invoiceId: 'in_2',
    },
    env,
  );
}

const balances = (invoice: Invoice) => ({
  total: invoice.total.amount,
  startingBalance: invoice.startingBalance.amount,
  amountDue: invoice.amountDue.amount,
  endingBalance: invoice.endingBalance.amount,
  transaction: customerBalanceTransaction(invoice)?.amount.amount ?? null,
});

describe('the customer balance through invoices', () => {
  // −6000 × 16/31 = −3096.77 → −3097 (tax −286.47 → −286); 3000 × 16/31 = 1548.39 → 1548 (tax 143.19 → 143).
  // Total −1549 − 143 = −1692.
  const downgraded = downgrade(0);
  const renewalWith = (balance: number) =>
    renewSubscription(downgraded.subscription, { customer: customer({ balance }), invoiceId: 'in_3' }, env)
      .invoice as Invoice;

  it('turns a mid-month downgrade’s negative total into credit (endingBalance < 0)', () => {
    expect(balances(downgraded.invoice as Invoice)).toEqual({
      total: -1692,
      startingBalance: 0,
      amountDue: 0,
      endingBalance: -1692,
      transaction: -1692,
    });
  });

  // February's renewal: Basic 3000 + 278 tax (277.5 → 278) = 3278.
  it.each([
    [
      'uses the credit of the downgrade on the next invoice',
      -1692,
      { total: 3278, startingBalance: -1692, amountDue: 1586, endingBalance: 0, transaction: 1692 },
    ],
    [
      'uses only what the next invoice needs of a larger credit',
      -5000,
      { total: 3278, startingBalance: -5000, amountDue: 0, endingBalance: -1722, transaction: 3278 },
    ],
    [
      'adds an amount owed to what is due',
      500,
      { total: 3278, startingBalance: 500, amountDue: 3778, endingBalance: 0, transaction: -500 },
    ],
    [
      'records no transaction without a balance',
      0,
      { total: 3278, startingBalance: 0, amountDue: 3278, endingBalance: 0, transaction: null },
    ],
  ])('%s', (_, balance, expected) => {
    expect(balances(renewalWith(balance))).toEqual(expected);
  });

  it('keeps a ledger whose sum is the ending balance of the latest invoice', () => {
    // A host's ledger: each invoice is built with the ledger's sum as customer.balance.
    const ledger: number[] = [];
    const sum = () => ledger.reduce((a, b) => a + b, 0);
    for (const build of [
      () => downgrade(sum()).invoice as Invoice,
      () => renewalWith(sum()),
      () => draftInvoice({ balance: sum() }),
    ]) {
      const invoice = build();
      const transaction = customerBalanceTransaction(invoice);
      if (transaction) ledger.push(transaction.amount.amount);
      expect(sum()).toBe(invoice.endingBalance.amount);
    }
    // −1692 from the downgrade, +1692 used by the renewal; the 163.88 draft has nothing to use.
    expect(ledger).toEqual([-1692, 1692]);
  });

  it('describes the transaction in Stripe’s terms', () => {
    const invoice = draftInvoice({ balance: -20000 });
    expect(customerBalanceTransaction(invoice)).toEqual({
      customerId: 'cus_1',
      invoiceId: 'in_draft',
      type: 'applied_to_invoice',
      // The 163.88 invoice used 163.88 of the 200.00 credit.
      amount: usd(16388),
      endingBalance: usd(-3612),
    });
  });
});
