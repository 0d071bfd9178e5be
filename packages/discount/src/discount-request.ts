import {
  currencyCodeSchema,
  decimalStringSchema,
  moneySchema,
  ROUNDING_MODES,
  type RoundingMode,
  toDecimal,
} from '@billkit/money';
import { z } from 'zod';
import { discountDefinitionSchema, instantSchema, isDecimalString } from './discount-definition.js';

const identifierSchema = z.string().min(1).max(200);

/**
 * One invoice line to discount. `amount` is the line's total (not the unit price) and may be
 * negative for a proration credit (`kind: 'proration_credit'`). `quantity` drives volume tiers.
 */
export const discountLineSchema = z.object({
  id: identifierSchema,
  amount: moneySchema,
  quantity: z.number().int().min(0).default(1),
  productId: identifierSchema.optional(),
  planId: identifierSchema.optional(),
  priceId: identifierSchema.optional(),
  category: identifierSchema.optional(),
  /** Durations and free periods are counted per subscription. */
  subscriptionId: identifierSchema.optional(),
  kind: z.enum(['charge', 'proration_charge', 'proration_credit']).default('charge'),
});

/** Redemptions recorded so far for one discount (before this invoice). */
export const redemptionCountSchema = z
  .object({
    /** Across all customers. */
    total: z.number().int().min(0).default(0),
    /** By the customer of this invoice. */
    customer: z.number().int().min(0).default(0),
  })
  .strict();

/** The state the caller keeps between invoices, passed in as plain data. */
export const discountContextSchema = z
  .object({
    /** The invoice date: validity windows are checked against it. */
    now: instantSchema,
    customerId: identifierSchema.optional(),
    isFirstInvoice: z.boolean().default(false),
    /**
     * Billing periods already billed with each discount, by discount id: a number for every line, or
     * a record by `subscriptionId` when the invoice carries several subscriptions. Absent means 0.
     */
    periodsBilled: z
      .record(z.string(), z.union([z.number().int().min(0), z.record(z.string(), z.number().int().min(0))]))
      .default({}),
    /** Redemptions so far by discount id, for `maxRedemptions` and `maxRedemptionsPerCustomer`. */
    redemptions: z.record(z.string(), redemptionCountSchema).default({}),
    /** Remaining balance of each credit discount by id; absent means the credit's initial `amount`. */
    creditBalances: z.record(z.string(), moneySchema).default({}),
  })
  .strict();

/** Everything `applyDiscounts` needs: the invoice lines, the candidate discounts and the context. */
export const discountRequestSchema = z.object({
  currency: currencyCodeSchema,
  lines: z.array(discountLineSchema),
  discounts: z.array(discountDefinitionSchema),
  context: discountContextSchema,
});

/** Policy knobs of one run. */
export const discountOptionsSchema = z
  .object({
    /**
     * No line loses more than this percent of its original amount to percentage and fixed-amount
     * discounts (credits excluded), e.g. `"50"`.
     */
    maxTotalPercent: decimalStringSchema
      .refine((value) => isDecimalString(value) && toDecimal(value).gte(0) && toDecimal(value).lte(100), {
        message: 'maxTotalPercent must be between 0 and 100',
      })
      .optional(),
    /** How each computed percentage is rounded to minor units (default `half_up`, ties away from zero). */
    rounding: z.enum(ROUNDING_MODES as [RoundingMode, ...RoundingMode[]]).default('half_up'),
  })
  .strict();

export type DiscountLine = z.output<typeof discountLineSchema>;
export type DiscountLineInput = z.input<typeof discountLineSchema>;
export type DiscountContext = z.output<typeof discountContextSchema>;
export type DiscountContextInput = z.input<typeof discountContextSchema>;
export type DiscountRequest = z.output<typeof discountRequestSchema>;
export type DiscountRequestInput = z.input<typeof discountRequestSchema>;
export type DiscountOptionsInput = z.input<typeof discountOptionsSchema>;
export type DiscountOptions = z.output<typeof discountOptionsSchema>;
