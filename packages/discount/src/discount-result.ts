import type { Money } from '@billkit/money';
import type { DiscountType } from './discount-definition.js';

/** Why a discount did not apply, for machines (switch on it) and for the explanation shown to people. */
export type RejectionReason =
  | 'currency_mismatch'
  | 'not_started'
  | 'expired'
  | 'not_first_invoice'
  | 'minimum_subtotal_not_met'
  | 'exhausted'
  | 'customer_limit_reached'
  | 'not_eligible'
  | 'duration_ended'
  | 'bundle_incomplete'
  | 'below_volume_tier'
  | 'balance_used_up'
  | 'nothing_to_discount'
  | 'cap_reached'
  | 'beaten_by_exclusive'
  | 'beaten_by_stack';

/** What stopped a discount from applying its full computed amount on a line. */
export type ApplicationLimit = 'line_floor' | 'cap' | 'balance';

/**
 * One discount's effect on one line. Sign convention: `discounted = original − amount`, so `amount`
 * carries the sign of the line: positive on a charge (it lowers what is charged), negative on a
 * proration credit (it lowers the credit's magnitude: a 20% discount turns a −10.00 credit into −8.00
 * with `amount` −2.00).
 */
export interface DiscountApplication {
  readonly discountId: string;
  readonly type: DiscountType;
  /** What was taken off the line. */
  readonly amount: Money;
  /** What the discount was computed on: the amount left after earlier discounts, or the original for `additive`. */
  readonly base: Money;
  /** What the discount would have taken without the line floor, the cap or the credit balance. */
  readonly requested: Money;
  /** Present when `amount` is less than `requested`. */
  readonly limitedBy?: ApplicationLimit;
  /** One sentence for people, e.g. "15% of 100.00 USD". */
  readonly explanation: string;
}

/** A line after discounts. `original − discountTotal = discounted`, exactly. */
export interface DiscountedLine {
  readonly id: string;
  readonly original: Money;
  readonly discounted: Money;
  /** The sum of `applications[].amount`, credits included. */
  readonly discountTotal: Money;
  /** In the order they were applied. */
  readonly applications: readonly DiscountApplication[];
}

/** A discount that applied to at least one line. */
export interface AppliedDiscount {
  readonly discountId: string;
  readonly type: DiscountType;
  /** Sum of this discount's per-line amounts. */
  readonly amount: Money;
  /** Sum of what it would have taken unconstrained. */
  readonly requested: Money;
  /** True when the floor, the cap or a credit balance cut it short. */
  readonly partial: boolean;
  /**
   * True when this invoice is the discount's first use (no periods billed, no credit balance
   * recorded): the caller should count a redemption.
   */
  readonly newRedemption: boolean;
}

export interface RejectedDiscount {
  readonly discountId: string;
  readonly reason: RejectionReason;
  readonly message: string;
}

/** Which side won the stacking decision, and why, in words. */
export interface StackingDecision {
  readonly outcome: 'none' | 'stack' | 'exclusive';
  /** The winning exclusive discount, when `outcome` is `exclusive`. */
  readonly exclusiveDiscountId?: string;
  readonly explanation: string;
}

/** The result of {@link applyDiscounts}: plain data, safe to serialise. */
export interface DiscountResult {
  readonly currency: string;
  /** In the order of the request's lines. */
  readonly lines: readonly DiscountedLine[];
  /** Sorted by discount id. */
  readonly applied: readonly AppliedDiscount[];
  /** Sorted by discount id. */
  readonly rejected: readonly RejectedDiscount[];
  readonly stacking: StackingDecision;
  /** Sum of the lines' `original`. */
  readonly subtotal: Money;
  /** Sum of every line's `discountTotal` (credits included). */
  readonly totalDiscount: Money;
  /** The part of `totalDiscount` that came from credits. */
  readonly creditTotal: Money;
  /** Sum of the lines' `discounted`: `subtotal − totalDiscount`. */
  readonly total: Money;
  /** Balance left on every credit discount of the request, by id; store it for the next invoice. */
  readonly creditsRemaining: Readonly<Record<string, Money>>;
}
