import { currencyCodeSchema, moneySchema } from '@billkit/money';
import { z } from 'zod';
import { explanationEntrySchema } from './explanation.js';
import { isoInstantSchema, periodSchema } from './schemas.js';

export const INVOICE_STATUSES = ['draft', 'open', 'paid', 'void', 'uncollectible'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const BILLING_REASONS = [
  'subscription_create',
  'subscription_cycle',
  'subscription_update',
  'manual',
] as const;
export type BillingReason = (typeof BILLING_REASONS)[number];

/** The part of one discount that reduced one line (Stripe's `discount_amounts`). */
export const discountAmountSchema = z.object({
  discountId: z.string(),
  amount: moneySchema,
});
export type DiscountAmount = z.infer<typeof discountAmountSchema>;

/**
 * One jurisdiction's tax on one line (Stripe's `tax_amounts`, with the jurisdiction spelled out).
 * `inclusive` taxes are already inside the line amount; exclusive ones are added to the total.
 */
export const taxAmountSchema = z.object({
  jurisdictionId: z.string(),
  jurisdictionName: z.string(),
  /** `country`, `state`, `county`, `city`, `district`, … as the tax engine names the level. */
  jurisdictionLevel: z.string(),
  /** `sales_tax`, `vat`, `gst`, … */
  taxType: z.string(),
  /** Rate as a decimal string (`"0.0625"`); `"0"` when exempt. */
  rate: z.string(),
  taxableAmount: moneySchema,
  amount: moneySchema,
  inclusive: z.boolean(),
  /** Why the line was (not) taxed here: `standard_rated`, `customer_exempt`, `reverse_charge`, … */
  taxabilityReason: z.string(),
});
export type TaxAmount = z.infer<typeof taxAmountSchema>;

/**
 * One line of an invoice. `amount` is before discounts (for tax-inclusive prices it includes the tax,
 * as in Stripe). Only proration credits may be negative.
 */
export const invoiceLineSchema = z.object({
  id: z.string(),
  type: z.enum(['subscription', 'proration', 'invoice_item']),
  description: z.string(),
  period: periodSchema.nullable(),
  quantity: z.number().int().min(0),
  /** Per-unit amount when the line has one; `null` for flat, tiered or prorated amounts. */
  unitAmount: moneySchema.nullable(),
  amount: moneySchema,
  priceId: z.string().nullable(),
  productId: z.string().nullable(),
  subscriptionItemId: z.string().nullable(),
  proration: z.boolean(),
  taxBehavior: z.enum(['inclusive', 'exclusive']),
  taxCategory: z.string(),
  discountAmounts: z.array(discountAmountSchema),
  taxAmounts: z.array(taxAmountSchema),
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

/** An invoice total per discount (Stripe's `total_discount_amounts`). */
export const invoiceDiscountTotalSchema = discountAmountSchema;
export type InvoiceDiscountTotal = DiscountAmount;

/** An invoice total per jurisdiction and tax type (Stripe's `total_tax_amounts`). */
export const invoiceTaxTotalSchema = z.object({
  jurisdictionId: z.string(),
  jurisdictionName: z.string(),
  jurisdictionLevel: z.string(),
  taxType: z.string(),
  inclusive: z.boolean(),
  taxableAmount: moneySchema,
  amount: moneySchema,
});
export type InvoiceTaxTotal = z.infer<typeof invoiceTaxTotalSchema>;

/**
 * An invoice in Stripe's vocabulary. All money is integer minor units of `currency`.
 *
 * - `subtotal` = Σ line amounts; `totalDiscount` = Σ `totalDiscountAmounts`; `tax` = Σ `totalTaxAmounts`.
 * - `total` = `subtotal` − `totalDiscount` + exclusive tax (inclusive tax is already inside `subtotal`).
 * - `startingBalance` is the customer balance before this invoice (negative = credit held);
 *   `amountDue` = max(0, `total` + `startingBalance`); `endingBalance` = min(0, `total` + `startingBalance`).
 * - `amountRemaining` = `amountDue` − `amountPaid`.
 */
export const invoiceSchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  customerId: z.string(),
  subscriptionId: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  billingReason: z.enum(BILLING_REASONS),
  currency: currencyCodeSchema,
  /** The customer's IANA time zone at the time of invoicing. */
  timezone: z.string(),
  periodStart: isoInstantSchema,
  periodEnd: isoInstantSchema,
  createdAt: isoInstantSchema,
  dueDate: isoInstantSchema.nullable(),
  finalizedAt: isoInstantSchema.nullable(),
  paidAt: isoInstantSchema.nullable(),
  voidedAt: isoInstantSchema.nullable(),
  markedUncollectibleAt: isoInstantSchema.nullable(),
  lines: z.array(invoiceLineSchema),
  subtotal: moneySchema,
  totalDiscountAmounts: z.array(invoiceDiscountTotalSchema),
  totalDiscount: moneySchema,
  totalTaxAmounts: z.array(invoiceTaxTotalSchema),
  tax: moneySchema,
  total: moneySchema,
  startingBalance: moneySchema,
  endingBalance: moneySchema,
  amountDue: moneySchema,
  amountPaid: moneySchema,
  amountRemaining: moneySchema,
  /** Where every number came from: engine, inputs, result. */
  explanation: z.array(explanationEntrySchema),
});
export type Invoice = z.infer<typeof invoiceSchema>;
