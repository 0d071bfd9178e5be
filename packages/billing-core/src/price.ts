import { currencyCodeSchema, minorUnitsSchema } from '@billkit/money';
import { z } from 'zod';

const nonNegativeMinorUnits = minorUnitsSchema.min(0);

/** Stripe's `recurring`: bill every `intervalCount` × `interval`. */
export const recurringSchema = z.object({
  interval: z.enum(['day', 'week', 'month', 'year']),
  intervalCount: z.number().int().min(1).max(365).default(1),
});
export type Recurring = z.infer<typeof recurringSchema>;

/**
 * One tier of a tiered price. `upTo` is the last quantity the tier covers (inclusive), `null` for the
 * open-ended top tier. `unitAmount` is per unit in the tier, `flatAmount` is charged once when the tier
 * is reached (graduated) or selected (volume).
 */
export const priceTierSchema = z.object({
  upTo: z.number().int().min(1).nullable(),
  unitAmount: nonNegativeMinorUnits.default(0),
  flatAmount: nonNegativeMinorUnits.default(0),
});
export type PriceTier = z.infer<typeof priceTierSchema>;

const priceBase = z.object({
  id: z.string().min(1),
  productId: z.string().min(1),
  currency: currencyCodeSchema,
  nickname: z.string().optional(),
  active: z.boolean().default(true),
  /** `null` for a one-off price. */
  recurring: recurringSchema.nullable().default(null),
  /** Stripe's `tax_behavior`: is tax already inside the amounts (`inclusive`) or added on top? */
  taxBehavior: z.enum(['inclusive', 'exclusive']).default('exclusive'),
});

const flatPrice = priceBase.extend({
  billingScheme: z.literal('flat'),
  /** Charged once per period whatever the quantity. */
  flatAmount: nonNegativeMinorUnits,
});

const perUnitPrice = priceBase.extend({
  billingScheme: z.literal('per_unit'),
  unitAmount: nonNegativeMinorUnits,
});

const tieredPrice = priceBase.extend({
  billingScheme: z.literal('tiered'),
  /** `graduated`: each unit priced by the tier it falls in. `volume`: every unit at the tier the total reaches. */
  tiersMode: z.enum(['graduated', 'volume']),
  tiers: z.array(priceTierSchema).min(1),
});

/**
 * A price: flat, per unit, or tiered (graduated or volume), one-off or recurring, tax inclusive or
 * exclusive. Amounts are integer minor units of `currency`. Tiers must have strictly increasing `upTo`
 * and end with an open tier (`upTo: null`).
 */
export const priceSchema = z
  .discriminatedUnion('billingScheme', [flatPrice, perUnitPrice, tieredPrice])
  .superRefine((price, ctx) => {
    if (price.billingScheme !== 'tiered') return;
    price.tiers.forEach((tier, index) => {
      const last = index === price.tiers.length - 1;
      if (last && tier.upTo !== null) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', index, 'upTo'],
          message: 'The last tier must be open (upTo: null)',
        });
      }
      if (!last && tier.upTo === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', index, 'upTo'],
          message: 'Only the last tier may be open',
        });
      }
      const previous = index > 0 ? price.tiers[index - 1]?.upTo : 0;
      if (tier.upTo !== null && previous !== null && previous !== undefined && tier.upTo <= previous) {
        ctx.addIssue({
          code: 'custom',
          path: ['tiers', index, 'upTo'],
          message: 'Tier bounds must strictly increase',
        });
      }
    });
  });
export type Price = z.infer<typeof priceSchema>;
export type PriceInput = z.input<typeof priceSchema>;
