import { currencyCodeSchema, minorUnitsSchema, moneySchema } from '@billkit/money';
import { z } from 'zod';
import { isoInstantSchema, periodSchema } from './schemas.js';
import { subscriptionDiscountSchema } from './subscription-discount.js';

/** One priced thing a subscription bills for: a price × a quantity. */
export const subscriptionItemSchema = z.object({
  id: z.string().min(1),
  priceId: z.string().min(1),
  quantity: z.number().int().min(0).default(1),
});
export type SubscriptionItem = z.infer<typeof subscriptionItemSchema>;

/**
 * An amount waiting for the next invoice (Stripe's pending invoice item), e.g. a proration produced by a
 * change made with `prorationBehavior: 'create_prorations'`. Amounts are list amounts before discounts and
 * tax: the invoice that picks them up runs Discount → Tax over them like any other line.
 */
export const pendingInvoiceItemSchema = z.object({
  id: z.string().min(1),
  description: z.string(),
  /** Signed: negative for a credit (unused time). */
  amount: minorUnitsSchema,
  quantity: z.number().int().min(0),
  unitAmount: minorUnitsSchema.nullable(),
  period: periodSchema.nullable(),
  priceId: z.string().min(1),
  subscriptionItemId: z.string().nullable(),
  proration: z.boolean(),
  /** Where the amount came from (engine inputs), copied into the invoice's explanation trail. */
  inputs: z.record(z.string(), z.unknown()).default({}),
  note: z.string().default(''),
  /**
   * For proration items: the discount state (periods billed per discount id) of the period the item
   * belongs to, so that it is discounted as that period was even when invoiced with the next renewal.
   */
  discountPeriodsBilled: z.record(z.string(), z.number().int().min(0)).nullable().default(null),
});
export type PendingInvoiceItem = z.infer<typeof pendingInvoiceItemSchema>;

/**
 * What has been billed for the current period, in `@billkit/proration`'s `BilledLine` shape: the period
 * charge of each item and every proration item since. The proration engine reads it to credit each
 * configuration exactly once. Reset at every renewal.
 */
export const billedLineSchema = z.object({
  configurationId: z.string().min(1),
  kind: z.enum(['charge', 'credit']),
  subscriptionItemId: z.string().min(1),
  priceId: z.string().min(1),
  description: z.string(),
  /** Engine quantity: the item quantity for per-unit prices, 1 for flat and tiered (amount per period). */
  quantity: z.number().int().min(0),
  unitAmount: moneySchema,
  amount: moneySchema,
  slice: periodSchema,
});
export type BilledLine = z.infer<typeof billedLineSchema>;

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'paused', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * A subscription in Stripe's shape. `billingCycleAnchor` fixes the period boundaries (computed in the
 * customer's time zone); `version` increases with every transition so that storage can detect stale
 * writes (optimistic concurrency).
 */
export const subscriptionSchema = z.object({
  id: z.string().min(1),
  customerId: z.string().min(1),
  currency: currencyCodeSchema,
  status: z.enum(SUBSCRIPTION_STATUSES),
  items: z.array(subscriptionItemSchema).min(1),
  currentPeriodStart: isoInstantSchema,
  currentPeriodEnd: isoInstantSchema,
  billingCycleAnchor: isoInstantSchema,
  trialStart: isoInstantSchema.nullable().default(null),
  trialEnd: isoInstantSchema.nullable().default(null),
  discounts: z.array(subscriptionDiscountSchema).default([]),
  cancelAtPeriodEnd: z.boolean().default(false),
  canceledAt: isoInstantSchema.nullable().default(null),
  endedAt: isoInstantSchema.nullable().default(null),
  pausedAt: isoInstantSchema.nullable().default(null),
  createdAt: isoInstantSchema,
  /** How many billing periods have been invoiced (drives free periods and repeating discounts). */
  periodsBilled: z.number().int().min(0).default(0),
  pendingInvoiceItems: z.array(pendingInvoiceItemSchema).default([]),
  billedLines: z.array(billedLineSchema).default([]),
  latestInvoiceId: z.string().nullable().default(null),
  version: z.number().int().min(0).default(0),
});
export type Subscription = z.infer<typeof subscriptionSchema>;
export type SubscriptionInput = z.input<typeof subscriptionSchema>;
