import { type Money, money } from '@billkit/money';
import type { Invoice } from './invoice.js';

/**
 * A change to a customer's balance (Stripe's customer balance transaction). The balance follows
 * `customer.balance`'s sign: negative is credit the customer holds, positive an amount owed.
 */
export interface CustomerBalanceTransaction {
  readonly customerId: string;
  readonly invoiceId: string;
  /** Stripe's type for a balance applied to (or created by) an invoice. */
  readonly type: 'applied_to_invoice';
  /**
   * `endingBalance − startingBalance`, in the balance's sign: positive when the invoice used credit the
   * customer held, negative when it created credit (a negative total) or took over an amount owed.
   */
  readonly amount: Money;
  /** The customer's balance after the transaction: the invoice's `endingBalance`. */
  readonly endingBalance: Money;
}

/**
 * The customer balance transaction that finalizing `invoice` implies, or `null` when the invoice neither
 * used nor created balance. An invoice is built with `customer.balance` as its `startingBalance` and
 * ends at `endingBalance = min(0, total + startingBalance)`: a credit balance lowers `amountDue`, a
 * negative total (a mid-month downgrade) becomes credit, and an amount owed is added to `amountDue`.
 * A host that keeps a balance ledger (and passes its sum as `customer.balance`) records this transaction
 * when the invoice is finalized, so that the ledger's sum becomes `endingBalance`; if the invoice is
 * voided later, it records the same amount with the opposite sign.
 *
 * @example
 * // A 32.78 invoice for a customer holding 16.92 of credit: 15.86 is due and the credit is used up.
 * customerBalanceTransaction(invoice)
 * // { customerId: 'cus_1', invoiceId: 'in_2', type: 'applied_to_invoice',
 * //   amount: { amount: 1692, currency: 'USD' }, endingBalance: { amount: 0, currency: 'USD' } }
 */
export function customerBalanceTransaction(invoice: Invoice): CustomerBalanceTransaction | null {
  const amount = invoice.endingBalance.amount - invoice.startingBalance.amount;
  if (amount === 0) return null;
  return {
    customerId: invoice.customerId,
    invoiceId: invoice.id,
    type: 'applied_to_invoice',
    amount: money(amount, invoice.currency),
    endingBalance: invoice.endingBalance,
  };
}
