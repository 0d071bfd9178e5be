import { discountDefinitionSchema } from '@billkit/discount';
import { type Money, minorUnitsSchema, money } from '@billkit/money';
import { z } from 'zod';
import { isoInstantSchema } from './schemas.js';

/**
 * A discount attached to a subscription (Stripe's `discount` object): which definition, since when, and
 * how many billing periods it has been applied to so far (the discount engine's `periodsBilled`, which
 * drives `repeating` durations and free periods).
 *
 * A `credit` discount is spent once: `creditRemaining` is what is left of its `amount`, in integer minor
 * units of the subscription's currency. Every transition that invoices the subscription reads it and
 * returns the subscription with the new remainder, so a caller only has to store it with the rest of the
 * subscription. It is `null` for every other discount type; for a credit, `null` or absent (a
 * subscription stored before the field existed) means "nothing spent yet: the full amount".
 */
export const subscriptionDiscountSchema = z.object({
  id: z.string().min(1),
  /** The discount definition, as `@billkit/discount` defines it. */
  discount: discountDefinitionSchema,
  start: isoInstantSchema,
  periodsApplied: z.number().int().min(0).default(0),
  /** What is left of a `credit` discount's amount (minor units); `null`/absent: the full amount. */
  creditRemaining: minorUnitsSchema.min(0).nullable().optional(),
});
export type SubscriptionDiscount = z.infer<typeof subscriptionDiscountSchema>;
export type SubscriptionDiscountInput = z.input<typeof subscriptionDiscountSchema>;

/** `creditRemaining` for a newly attached discount: the full amount of a credit, `null` for the rest. */
export function initialCreditRemaining(discount: SubscriptionDiscount['discount']): number | null {
  return discount.type === 'credit' ? discount.amount.amount : null;
}

/**
 * The discount engine's `creditBalances` for a subscription's discounts: the caller's balances (kept by
 * callers from before subscriptions carried them), overridden by each credit's stored `creditRemaining`.
 * A credit with nothing spent is left out, so that the engine still sees its first use as a new
 * redemption (it counts one only while no balance is recorded) and starts from the full amount.
 */
export function creditBalancesOf(
  discounts: readonly SubscriptionDiscount[],
  callerBalances: Readonly<Record<string, Money>> | undefined,
): Readonly<Record<string, Money>> | undefined {
  let balances: Record<string, Money> | undefined;
  for (const d of discounts) {
    const definition = d.discount;
    if (definition.type !== 'credit') continue;
    const remaining = d.creditRemaining;
    if (remaining === null || remaining === undefined) continue;
    balances ??= { ...callerBalances };
    if (remaining === definition.amount.amount) delete balances[definition.id];
    else balances[definition.id] = money(remaining, definition.amount.currency);
  }
  return balances ?? callerBalances;
}

/**
 * The discounts with each credit's `creditRemaining` set from what an invoice left of it (the discount
 * step's `creditsRemaining`, by discount id). Credits the invoice did not run keep their value.
 */
export function withCreditRemaining(
  discounts: readonly SubscriptionDiscount[],
  creditsRemaining: Readonly<Record<string, Money>>,
): SubscriptionDiscount[] {
  return discounts.map((d) => {
    if (d.discount.type !== 'credit' || !Object.hasOwn(creditsRemaining, d.discount.id)) return d;
    const left = creditsRemaining[d.discount.id] as Money;
    return left.amount === d.creditRemaining ? d : { ...d, creditRemaining: left.amount };
  });
}
