import { type Money, toDecimalString } from '@billkit/money';
import type { AppliesTo, DiscountDefinition } from './discount-definition.js';
import type { DiscountContext, DiscountLine } from './discount-request.js';
import type { RejectedDiscount, RejectionReason } from './discount-result.js';

/** A discount that passed the invoice-level checks, with the lines it may touch. */
export interface EligibleDiscount {
  readonly definition: DiscountDefinition;
  readonly lines: readonly DiscountLine[];
  readonly newRedemption: boolean;
}

export type EligibilityOutcome =
  | { readonly eligible: true; readonly value: EligibleDiscount }
  | { readonly eligible: false; readonly rejection: RejectedDiscount };

function reject(
  definition: DiscountDefinition,
  reason: RejectionReason,
  message: string,
): EligibilityOutcome {
  return { eligible: false, rejection: { discountId: definition.id, reason, message } };
}

/** True when the line matches any product, plan, price or category listed (or nothing is listed). */
export function matchesAppliesTo(line: DiscountLine, appliesTo: AppliesTo | undefined): boolean {
  if (appliesTo === undefined) return true;
  const has = (list: readonly string[] | undefined, value: string | undefined) =>
    list !== undefined && value !== undefined && list.includes(value);
  return (
    has(appliesTo.productIds, line.productId) ||
    has(appliesTo.planIds, line.planId) ||
    has(appliesTo.priceIds, line.priceId) ||
    has(appliesTo.categories, line.category)
  );
}

/** Billing periods already billed with the discount for the line's subscription (0 when unknown). */
export function periodsBilledFor(context: DiscountContext, discountId: string, line: DiscountLine): number {
  const entry = context.periodsBilled[discountId];
  if (entry === undefined) return 0;
  if (typeof entry === 'number') return entry;
  return line.subscriptionId === undefined ? 0 : (entry[line.subscriptionId] ?? 0);
}

/** Whether a duration (or the free periods) still covers a subscription with `billed` periods billed. */
export function isInForce(definition: DiscountDefinition, billed: number): boolean {
  if (definition.type === 'credit') return true;
  if (definition.type === 'free_periods') return billed < definition.periods;
  switch (definition.duration.type) {
    case 'once':
      return billed === 0;
    case 'repeating':
      return billed < definition.duration.periods;
    case 'forever':
      return true;
  }
}

// The invoice date and the validity windows are read for every discount of every invoice: `Date.parse`
// results are memoised per string (a pure function of it; a NaN is returned as before, not cached).
const MAX_CACHED_INSTANTS = 4096;
const instants = new Map<string, number>();

function millisOf(text: string): number {
  let millis = instants.get(text);
  if (millis === undefined) {
    millis = Date.parse(text);
    if (Number.isNaN(millis)) return millis;
    if (instants.size >= MAX_CACHED_INSTANTS) instants.clear();
    instants.set(text, millis);
  }
  return millis;
}

function describe(m: Money): string {
  return `${toDecimalString(m)} ${m.currency}`;
}

/**
 * The invoice-level gates, in a fixed order so that the reason reported is predictable: currency,
 * validity window, first invoice, minimum subtotal, redemption limits (only for a new redemption),
 * line eligibility, duration.
 */
export function checkEligibility(
  definition: DiscountDefinition,
  lines: readonly DiscountLine[],
  subtotal: Money,
  context: DiscountContext,
): EligibilityOutcome {
  const currencies = [
    definition.minimumSubtotal?.currency,
    definition.type === 'fixed_amount' || definition.type === 'bundle'
      ? definition.amountOff?.currency
      : undefined,
    definition.type === 'credit' ? definition.amount.currency : undefined,
    definition.type === 'credit' ? context.creditBalances[definition.id]?.currency : undefined,
    ...(definition.type === 'volume' ? definition.tiers.map((t) => t.unitAmountOff?.currency) : []),
  ].filter((c): c is string => c !== undefined);
  const foreign = currencies.find((c) => c !== subtotal.currency);
  if (foreign !== undefined) {
    return reject(
      definition,
      'currency_mismatch',
      `Amounts in ${foreign} cannot discount a ${subtotal.currency} invoice`,
    );
  }
  const now = millisOf(context.now);
  if (definition.startsAt !== undefined && now < millisOf(definition.startsAt)) {
    return reject(definition, 'not_started', `Not in force before ${definition.startsAt}`);
  }
  if (definition.expiresAt !== undefined && now >= millisOf(definition.expiresAt)) {
    return reject(definition, 'expired', `Expired at ${definition.expiresAt}`);
  }
  if (definition.firstInvoiceOnly && !context.isFirstInvoice) {
    return reject(definition, 'not_first_invoice', 'Applies to the first invoice only');
  }
  if (definition.minimumSubtotal !== undefined && subtotal.amount < definition.minimumSubtotal.amount) {
    return reject(
      definition,
      'minimum_subtotal_not_met',
      `Subtotal ${describe(subtotal)} is below the minimum ${describe(definition.minimumSubtotal)}`,
    );
  }

  const newRedemption =
    definition.type === 'credit'
      ? context.creditBalances[definition.id] === undefined
      : lines.every((line) => periodsBilledFor(context, definition.id, line) === 0);
  if (newRedemption) {
    const counts = context.redemptions[definition.id] ?? { total: 0, customer: 0 };
    if (definition.maxRedemptions !== undefined && counts.total >= definition.maxRedemptions) {
      return reject(definition, 'exhausted', `All ${definition.maxRedemptions} redemptions are used`);
    }
    if (
      definition.maxRedemptionsPerCustomer !== undefined &&
      counts.customer >= definition.maxRedemptionsPerCustomer
    ) {
      return reject(
        definition,
        'customer_limit_reached',
        `The customer has used all ${definition.maxRedemptionsPerCustomer} redemptions allowed per customer`,
      );
    }
  }

  const matching = lines.filter((line) => matchesAppliesTo(line, definition.appliesTo));
  if (matching.length === 0) {
    return reject(definition, 'not_eligible', 'No line is a listed product, plan, price or category');
  }
  const inForce = matching.filter((line) =>
    isInForce(definition, periodsBilledFor(context, definition.id, line)),
  );
  if (inForce.length === 0) {
    const what =
      definition.type === 'free_periods' ? `The ${definition.periods} free period(s)` : 'The duration';
    return reject(
      definition,
      'duration_ended',
      `${what} already ran out for every subscription on this invoice`,
    );
  }
  return { eligible: true, value: { definition, lines: inForce, newRedemption } };
}
