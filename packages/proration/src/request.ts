import { currencyCodeSchema, moneySchema, ROUNDING_MODES, type RoundingMode } from '@billkit/money';
import { z } from 'zod';
import { billingIntervalSchema } from './billing-interval.js';
import {
  changeEffectiveSchema,
  changePolicyRuleSchema,
  changeTypeSchema,
  prorationBehaviorSchema,
} from './change-policy.js';
import { instantSchema, timeSliceSchema, timeZoneSchema } from './instant.js';
import { dayBoundarySchema, prorationPrecisionSchema } from './precision.js';

const quantitySchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * One thing already billed for the current period: the original period charge, or a proration item
 * from an earlier change (pass previous {@link ProrationItem}s back unchanged — they have this shape).
 * Lines sharing a `configurationId` describe one configuration of the subscription (a price at a
 * quantity); their signed amounts net to what the customer paid for the time that configuration
 * still covers.
 */
export const billedLineSchema = z.object({
  /** The subscription configuration (price × quantity, from some instant) this line pays for. */
  configurationId: z.string().min(1),
  /** `charge` (amount ≥ 0) or `credit` (amount ≤ 0, a slice of an earlier charge given back). */
  kind: z.enum(['charge', 'credit']).optional(),
  priceId: z.string().min(1),
  description: z.string().optional(),
  quantity: quantitySchema,
  /** List price per unit for a whole period. */
  unitAmount: moneySchema,
  /** What was actually charged (after discounts, before tax) for `slice`; credits are negative. */
  amount: moneySchema,
  /** The time this line pays for, inside the current period. */
  slice: timeSliceSchema,
});
export type BilledLine = z.input<typeof billedLineSchema>;

/** The configuration a change moves to. */
export const newConfigurationSchema = z.object({
  /** Id for the new configuration; default `<priceId>@<effective instant>`. */
  configurationId: z.string().min(1).optional(),
  priceId: z.string().min(1),
  /** Plan name for descriptions; default the price id. */
  description: z.string().optional(),
  /** List price per unit for a whole period of the new terms. */
  unitAmount: moneySchema,
  quantity: quantitySchema,
  /** The new billing interval; read (and required) only for `interval_change`. */
  interval: billingIntervalSchema.optional(),
});
export type NewConfiguration = z.input<typeof newConfigurationSchema>;

export const subscriptionChangeSchema = z.object({
  type: changeTypeSchema,
  /** The new terms; required for every type except `cancel` and `pause`. */
  to: newConfigurationSchema.optional(),
  /** Configuration ids the change ends; default every configuration still active at the change. */
  replaces: z.array(z.string().min(1)).optional(),
  /** Default: the policy table's answer, else `immediately`. */
  effective: changeEffectiveSchema.optional(),
  /** Default: the policy table's answer, else the option's. */
  prorationBehavior: prorationBehaviorSchema.optional(),
});
export type SubscriptionChange = z.input<typeof subscriptionChangeSchema>;

export const prorationRequestSchema = z.object({
  currency: currencyCodeSchema,
  /** The customer's IANA time zone (day counting, interval changes, descriptions). Default `UTC`. */
  timeZone: timeZoneSchema.optional(),
  /** The current billing period. */
  period: timeSliceSchema,
  /** The instant to prorate at: state it so a preview and the applied change give the same numbers. */
  prorationDate: instantSchema,
  /** What has been billed for the current period so far. */
  billed: z.array(billedLineSchema),
  change: subscriptionChangeSchema,
  /** True while the subscription is trialing: nothing was paid, so nothing is prorated. */
  trial: z.boolean().optional(),
});
export type ProrationRequest = z.input<typeof prorationRequestSchema>;
/** A {@link ProrationRequest} as the schema returns it. */
export type ParsedProrationRequest = z.output<typeof prorationRequestSchema>;

export const prorationOptionsSchema = z.object({
  precision: prorationPrecisionSchema.optional(),
  dayBoundary: dayBoundarySchema.optional(),
  /** How each item is rounded (once, at the end). Default `half_up`. */
  roundingMode: z.enum(ROUNDING_MODES as [RoundingMode, ...RoundingMode[]]).optional(),
  /** Credit what was actually charged (`amount_charged`, default) or today's `list_price`. */
  creditBasis: z.enum(['amount_charged', 'list_price']).optional(),
  /** Default `create_prorations`. */
  prorationBehavior: prorationBehaviorSchema.optional(),
  /** A negative net becomes negative invoice items (`invoice`, default) or a `credit_balance`. */
  creditHandling: z.enum(['invoice', 'credit_balance']).optional(),
  /** Policy table keyed by from-plan / to-plan, consulted when a change states no `effective`. */
  changePolicy: z.array(changePolicyRuleSchema).optional(),
});
export type ProrationOptions = z.input<typeof prorationOptionsSchema>;
/** {@link ProrationOptions} as the schema returns them. */
export type ParsedProrationOptions = z.output<typeof prorationOptionsSchema>;
export type CreditBasis = NonNullable<ProrationOptions['creditBasis']>;
export type CreditHandling = NonNullable<ProrationOptions['creditHandling']>;
