import { discountDefinitionSchema } from '@billkit/discount';
import { z } from 'zod';
import { isoInstantSchema } from './schemas.js';

/**
 * A discount attached to a subscription (Stripe's `discount` object): which definition, since when, and
 * how many billing periods it has been applied to so far (the discount engine's `periodsBilled`, which
 * drives `repeating` durations and free periods).
 */
export const subscriptionDiscountSchema = z.object({
  id: z.string().min(1),
  /** The discount definition, as `@billkit/discount` defines it. */
  discount: discountDefinitionSchema,
  start: isoInstantSchema,
  periodsApplied: z.number().int().min(0).default(0),
});
export type SubscriptionDiscount = z.infer<typeof subscriptionDiscountSchema>;
export type SubscriptionDiscountInput = z.input<typeof subscriptionDiscountSchema>;
