import { decimalStringSchema, moneySchema, toDecimal } from '@billkit/money';
import { z } from 'zod';

/** A percentage written as a decimal string between 0 (exclusive) and 100 (inclusive): `"15"`, `"12.5"`. */
export const percentSchema = decimalStringSchema
  // zod runs refinements even after the pattern check failed, so guard before parsing.
  .refine((value) => isDecimalString(value) && toDecimal(value).gt(0) && toDecimal(value).lte(100), {
    message: 'A percentage must be greater than 0 and at most 100',
  })
  .describe('Percent off as a decimal string, e.g. "15" for 15%');

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** True when `value` is a plain decimal string that `toDecimal` accepts. */
export function isDecimalString(value: string): boolean {
  return DECIMAL.test(value);
}

/** An ISO-8601 instant with a time zone (`2025-01-31T00:00:00Z`). */
export const instantSchema = z.iso
  .datetime({ offset: true })
  .describe('ISO-8601 instant, e.g. 2025-01-31T00:00:00Z');

const identifierSchema = z.string().min(1).max(200);

/**
 * How long a discount stays in force, counted in billing periods of the subscription (not months),
 * so weekly and yearly plans work alike: `once` (the first period only), `repeating` for `periods`
 * periods, or `forever`.
 */
export const durationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('once') }),
  z.object({ type: z.literal('repeating'), periods: z.number().int().min(1) }),
  z.object({ type: z.literal('forever') }),
]);

/**
 * Which lines a discount applies to. A line matches when it matches any listed product, plan,
 * price or category. Leave `appliesTo` out to apply to every line.
 */
export const appliesToSchema = z
  .object({
    productIds: z.array(identifierSchema).optional(),
    planIds: z.array(identifierSchema).optional(),
    priceIds: z.array(identifierSchema).optional(),
    categories: z.array(identifierSchema).optional(),
  })
  .strict();

/** Fields every discount type shares: identity, validity window, redemption limits, eligibility. */
const commonFields = {
  id: identifierSchema,
  name: z.string().optional(),
  /** The discount is in force from this instant (inclusive). */
  startsAt: instantSchema.optional(),
  /** The discount is in force until this instant (exclusive). */
  expiresAt: instantSchema.optional(),
  /** Total redemptions allowed across all customers; checked only when the discount is newly redeemed. */
  maxRedemptions: z.number().int().min(1).optional(),
  /** Redemptions allowed per customer; checked only when the discount is newly redeemed. */
  maxRedemptionsPerCustomer: z.number().int().min(1).optional(),
  appliesTo: appliesToSchema.optional(),
  /** The invoice subtotal (all lines, before discounts) must be at least this. */
  minimumSubtotal: moneySchema.optional(),
  /** Only on the customer's first invoice. */
  firstInvoiceOnly: z.boolean().default(false),
  /** Stacking order: lower numbers apply first. */
  priority: z.number().int().default(0),
};

/** Fields of every type that takes part in stacking (all but `credit`). */
const stackingFields = {
  /** `exclusive` discounts compete alone against the stack of `stackable` ones; the best outcome wins. */
  stacking: z.enum(['exclusive', 'stackable']).default('stackable'),
  /**
   * Percent-off only: when true, the percentage is taken of the line's original amount instead of
   * the amount left after earlier discounts.
   */
  additive: z.boolean().default(false),
};

const durationField = { duration: durationSchema.default({ type: 'once' }) };

/** 1. A percentage off eligible lines (e.g. 15% senior discount). */
export const percentageDiscountSchema = z.object({
  ...commonFields,
  ...stackingFields,
  ...durationField,
  type: z.literal('percentage'),
  percentOff: percentSchema,
});

/** 2. A fixed amount off, spread over eligible charge lines in proportion to their amounts. */
export const fixedAmountDiscountSchema = z.object({
  ...commonFields,
  ...stackingFields,
  ...durationField,
  type: z.literal('fixed_amount'),
  amountOff: moneySchema,
});

/** One quantity bracket of a volume discount: from `fromQuantity` units up to the next tier. */
export const volumeTierSchema = z
  .object({
    fromQuantity: z.number().int().min(1),
    percentOff: percentSchema.optional(),
    /** Amount off per unit in this tier. */
    unitAmountOff: moneySchema.optional(),
  })
  .strict()
  .refine((tier) => (tier.percentOff === undefined) !== (tier.unitAmountOff === undefined), {
    message: 'A tier has exactly one of percentOff or unitAmountOff',
  });

/**
 * 3. Tiered by quantity. `tiersMode` follows Stripe: `volume` prices all units at the tier reached,
 * `graduated` prices each unit at the tier it falls in. `quantityScope` counts units per line
 * (`line`) or across all eligible charge lines (`invoice`).
 */
export const volumeDiscountSchema = z.object({
  ...commonFields,
  ...stackingFields,
  ...durationField,
  type: z.literal('volume'),
  tiersMode: z.enum(['volume', 'graduated']),
  quantityScope: z.enum(['line', 'invoice']).default('line'),
  tiers: z
    .array(volumeTierSchema)
    .min(1)
    .refine((tiers) => new Set(tiers.map((t) => t.fromQuantity)).size === tiers.length, {
      message: 'Tiers must have distinct fromQuantity values',
    })
    .refine(
      (tiers) =>
        tiers.every((t) => t.percentOff !== undefined) || tiers.every((t) => t.unitAmountOff !== undefined),
      {
        message: 'All tiers use percentOff, or all use unitAmountOff',
      },
    ),
});

/** 4. Applies when every listed product is on the invoice; discounts the lines of those products. */
export const bundleDiscountSchema = z
  .object({
    ...commonFields,
    ...stackingFields,
    ...durationField,
    type: z.literal('bundle'),
    productIds: z.array(identifierSchema).min(2),
    percentOff: percentSchema.optional(),
    amountOff: moneySchema.optional(),
  })
  .refine((d) => (d.percentOff === undefined) !== (d.amountOff === undefined), {
    message: 'A bundle discount has exactly one of percentOff or amountOff',
  });

/** 5. The first `periods` billing periods of each subscription free (or `percentOff` off). */
export const freePeriodsDiscountSchema = z.object({
  ...commonFields,
  ...stackingFields,
  type: z.literal('free_periods'),
  periods: z.number().int().min(1),
  percentOff: percentSchema.default('100'),
});

/**
 * 6. Money credit that consumes itself across invoices, applied after every other discount. The
 * caller keeps the remaining balance (`context.creditBalances`) and stores what the engine returns.
 */
export const creditDiscountSchema = z.object({
  ...commonFields,
  type: z.literal('credit'),
  /** The initial balance, used while the caller has no balance recorded yet. */
  amount: moneySchema,
});

/** Any discount definition, discriminated by `type`. */
export const discountDefinitionSchema = z.discriminatedUnion('type', [
  percentageDiscountSchema,
  fixedAmountDiscountSchema,
  volumeDiscountSchema,
  bundleDiscountSchema,
  freePeriodsDiscountSchema,
  creditDiscountSchema,
]);

export type Duration = z.output<typeof durationSchema>;
export type AppliesTo = z.output<typeof appliesToSchema>;
export type VolumeTier = z.output<typeof volumeTierSchema>;
export type PercentageDiscount = z.output<typeof percentageDiscountSchema>;
export type FixedAmountDiscount = z.output<typeof fixedAmountDiscountSchema>;
export type VolumeDiscount = z.output<typeof volumeDiscountSchema>;
export type BundleDiscount = z.output<typeof bundleDiscountSchema>;
export type FreePeriodsDiscount = z.output<typeof freePeriodsDiscountSchema>;
export type CreditDiscount = z.output<typeof creditDiscountSchema>;
/** A validated discount definition (defaults filled in). */
export type DiscountDefinition = z.output<typeof discountDefinitionSchema>;
/** A discount definition as callers write it (defaults optional). */
export type DiscountDefinitionInput = z.input<typeof discountDefinitionSchema>;
export type DiscountType = DiscountDefinition['type'];
/** The types that take part in stacking. */
export type StackableDiscount = Exclude<DiscountDefinition, CreditDiscount>;
