import type { Money } from '@billkit/money';
import type { BillingPeriod } from './billing-period.js';
import type { ChangeType, ProrationBehavior } from './change-policy.js';
import type { TimeSlice } from './instant.js';
import type { Fraction } from './precision.js';

/**
 * One line of a proration: a credit for unused time already paid for, or a charge for the rest of
 * the period on the new terms. Its shape is also a valid {@link BilledLine}: pass the items you
 * applied back in `billed` for the next change in the same period.
 */
export interface ProrationItem {
  readonly kind: 'credit' | 'charge';
  /** The configuration credited or charged (credits name the configuration they give money back for). */
  readonly configurationId: string;
  readonly priceId: string;
  readonly quantity: number;
  /** List price per unit for a whole period. */
  readonly unitAmount: Money;
  /** Plain words, e.g. "Unused time on Pro × 2 from 16 Jan 2024 00:00 to 1 Feb 2024 00:00". */
  readonly description: string;
  /** The time the item covers, `[start, end)`. */
  readonly slice: TimeSlice;
  /** The amount the fraction applies to: what was charged for the configuration, or the list price. */
  readonly basis: Money;
  /** Exact share of `basis`: time in slice / time the basis paid for, in whole units of the precision. */
  readonly fraction: Fraction;
  /** Signed minor units before rounding (a decimal string). */
  readonly unroundedAmount: string;
  /** Signed, rounded once: credits are negative, charges positive. */
  readonly amount: Money;
}

/** Everything a change does to the money of the current period. */
export interface ProrationResult {
  readonly type: ChangeType;
  /** The instant prorated at, as given. */
  readonly prorationDate: string;
  /** When the change takes effect (the proration date, the period end, or the requested instant). */
  readonly effectiveAt: string;
  readonly prorationBehavior: ProrationBehavior;
  /** True when the items should be invoiced now rather than added to the next invoice. */
  readonly invoiceNow: boolean;
  readonly items: readonly ProrationItem[];
  /** Sum of the rounded item amounts (before discounts and tax). */
  readonly net: Money;
  /** What to invoice: `net`, or `max(net, 0)` when negative nets go to the credit balance. */
  readonly amountDue: Money;
  /** What to add to the customer's credit balance (≥ 0); non-zero only with `creditHandling: 'credit_balance'`. */
  readonly creditBalance: Money;
  /** For `interval_change`: the new period, which also makes its start the new billing-cycle anchor. */
  readonly newPeriod?: BillingPeriod;
  /** Index of the change-policy rule that decided `effective`/behaviour, when one did. */
  readonly policyRuleIndex?: number;
}
