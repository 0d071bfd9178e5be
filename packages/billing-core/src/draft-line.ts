import type { Money } from '@billkit/money';
import type { ExplanationEntry } from './explanation.js';
import type { BillingPeriod } from './time.js';

/**
 * A line before discounts and tax: what pricing or proration produced. Internal to the builder; the
 * public shape is `InvoiceLine`.
 */
export interface DraftLine {
  readonly id: string;
  readonly type: 'subscription' | 'proration' | 'invoice_item';
  readonly description: string;
  readonly period: BillingPeriod | null;
  readonly quantity: number;
  readonly unitAmount: Money | null;
  readonly amount: Money;
  readonly priceId: string | null;
  readonly productId: string | null;
  readonly subscriptionItemId: string | null;
  readonly proration: boolean;
  readonly taxBehavior: 'inclusive' | 'exclusive';
  readonly taxCategory: string;
  readonly explanation: ExplanationEntry;
  /** Discount state of the period a proration line belongs to; `null` = the invoice's own state. */
  readonly discountPeriodsBilled: Readonly<Record<string, number>> | null;
}
