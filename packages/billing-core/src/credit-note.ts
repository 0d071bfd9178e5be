import { currencyCodeSchema, moneySchema } from '@billkit/money';
import { z } from 'zod';
import { discountAmountSchema } from './invoice.js';
import { isoInstantSchema } from './schemas.js';

/** One jurisdiction's share of tax reversed by a credit note line. */
export const creditNoteTaxAmountSchema = z.object({
  jurisdictionId: z.string(),
  taxType: z.string(),
  inclusive: z.boolean(),
  amount: moneySchema,
});
export type CreditNoteTaxAmount = z.infer<typeof creditNoteTaxAmountSchema>;

/**
 * A credit note line: which invoice line it credits, how much of its amount, and the share of that line's
 * discounts and taxes it reverses. `total` = `amount` − Σ discount shares + Σ exclusive tax shares.
 */
export const creditNoteLineSchema = z.object({
  id: z.string(),
  invoiceLineId: z.string(),
  description: z.string(),
  quantity: z.number().int().min(0),
  amount: moneySchema,
  discountAmounts: z.array(discountAmountSchema),
  taxAmounts: z.array(creditNoteTaxAmountSchema),
  total: moneySchema,
});
export type CreditNoteLine = z.infer<typeof creditNoteLineSchema>;

export const CREDIT_NOTE_REASONS = [
  'duplicate',
  'fraudulent',
  'order_change',
  'product_unsatisfactory',
] as const;
export type CreditNoteReason = (typeof CREDIT_NOTE_REASONS)[number];

/**
 * A credit note against a finalized invoice (Stripe's vocabulary). `type` is `pre_payment` when the invoice
 * was still open (the note reduces what is owed) and `post_payment` once paid (the note is refunded or
 * credited to the customer balance, per `creditTo`). Every total is the sum of its rounded parts.
 */
export const creditNoteSchema = z.object({
  id: z.string(),
  number: z.string(),
  invoiceId: z.string(),
  customerId: z.string(),
  currency: currencyCodeSchema,
  status: z.enum(['issued', 'void']),
  type: z.enum(['pre_payment', 'post_payment']),
  reason: z.enum(CREDIT_NOTE_REASONS).nullable(),
  creditTo: z.enum(['invoice', 'refund', 'customer_balance']),
  createdAt: isoInstantSchema,
  lines: z.array(creditNoteLineSchema).min(1),
  subtotal: moneySchema,
  totalDiscount: moneySchema,
  tax: moneySchema,
  total: moneySchema,
});
export type CreditNote = z.infer<typeof creditNoteSchema>;
