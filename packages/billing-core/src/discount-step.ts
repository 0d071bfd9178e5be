import { applyDiscounts, type DiscountDefinitionInput, type DiscountResult } from '@billkit/discount';
import { type Money, money } from '@billkit/money';
import type { BillingConfig } from './billing-config.js';
import type { DraftLine } from './draft-line.js';
import { BillingError } from './errors.js';
import type { ExplanationEntry } from './explanation.js';
import type { DiscountAmount } from './invoice.js';

/** What the caller keeps between invoices for discounts (all optional; absent means "never used"). */
export interface DiscountState {
  /** Billing periods already billed with each discount, by discount id. */
  readonly periodsBilled?: Readonly<Record<string, number>>;
  /** Redemptions so far by discount id. */
  readonly redemptions?: Readonly<Record<string, { readonly total: number; readonly customer: number }>>;
  /** Remaining balance of each `credit` discount by id. */
  readonly creditBalances?: Readonly<Record<string, Money>>;
  /** True when this is the customer's first invoice (for `firstInvoiceOnly` discounts). */
  readonly isFirstInvoice?: boolean;
}

/** A discount that took something off this invoice. */
export interface InvoiceAppliedDiscount {
  readonly discountId: string;
  readonly amount: Money;
  /** True when the discount was cut short (line floor, cap, or credit balance). */
  readonly partial: boolean;
  /** True when this invoice is the discount's first use: count a redemption. */
  readonly newRedemption: boolean;
}

/** A discount that did not apply, with the engine's machine-readable reason. */
export interface InvoiceRejectedDiscount {
  readonly discountId: string;
  readonly reason: string;
  readonly message: string;
}

export interface DiscountStepResult {
  readonly perLine: ReadonlyMap<string, DiscountAmount[]>;
  readonly explanation: ExplanationEntry[];
  readonly applied: InvoiceAppliedDiscount[];
  readonly rejected: InvoiceRejectedDiscount[];
  readonly creditsRemaining: Record<string, Money>;
}

/** Step 2 of Proration → Discount → Tax: run `@billkit/discount` over the draft lines. */
export function discountLines(
  lines: readonly DraftLine[],
  discounts: readonly DiscountDefinitionInput[],
  context: {
    readonly currency: string;
    readonly now: string;
    readonly customerId: string;
    readonly subscriptionId: string | null;
    readonly state: DiscountState;
  },
  config: BillingConfig,
): DiscountStepResult {
  const perLine = new Map<string, DiscountAmount[]>(lines.map((l) => [l.id, []]));
  if (discounts.length === 0 || lines.length === 0) {
    return { perLine, explanation: [], applied: [], rejected: [], creditsRemaining: {} };
  }
  let result: DiscountResult;
  try {
    result = applyDiscounts(
      {
        currency: context.currency,
        lines: lines.map((line) => ({
          id: line.id,
          amount: line.amount,
          quantity: line.quantity,
          ...(line.productId ? { productId: line.productId } : {}),
          ...(line.priceId ? { priceId: line.priceId, planId: line.priceId } : {}),
          ...(context.subscriptionId ? { subscriptionId: context.subscriptionId } : {}),
          kind: !line.proration ? 'charge' : line.amount.amount < 0 ? 'proration_credit' : 'proration_charge',
        })),
        discounts: [...discounts],
        context: {
          now: context.now,
          customerId: context.customerId,
          isFirstInvoice: context.state.isFirstInvoice ?? false,
          periodsBilled: { ...(context.state.periodsBilled ?? {}) },
          redemptions: { ...(context.state.redemptions ?? {}) },
          creditBalances: { ...(context.state.creditBalances ?? {}) },
        },
      },
      {
        rounding: config.discountRounding,
        ...(config.maxTotalDiscountPercent === undefined
          ? {}
          : { maxTotalPercent: config.maxTotalDiscountPercent }),
      },
    );
  } catch (cause) {
    throw new BillingError(
      'BILLING_ENGINE_FAILURE',
      `The discount engine refused the invoice: ${(cause as Error).message}`,
      {
        engine: 'discount',
        code: (cause as { code?: string }).code ?? null,
      },
      { cause },
    );
  }
  const explanation: ExplanationEntry[] = [];
  for (const discounted of result.lines) {
    const amounts = perLine.get(discounted.id);
    if (!amounts) continue;
    for (const application of discounted.applications) {
      if (application.amount.amount === 0) continue;
      const existing = amounts.find((a) => a.discountId === application.discountId);
      if (existing) {
        amounts[amounts.indexOf(existing)] = {
          discountId: existing.discountId,
          amount: money(existing.amount.amount + application.amount.amount, existing.amount.currency),
        };
      } else {
        amounts.push({ discountId: application.discountId, amount: application.amount });
      }
      explanation.push({
        target: `lines.${discounted.id}.discount.${application.discountId}`,
        source: 'discount',
        amount: application.amount,
        inputs: {
          discountId: application.discountId,
          type: application.type,
          base: application.base.amount,
          requested: application.requested.amount,
          limitedBy: application.limitedBy ?? null,
          stacking: result.stacking.outcome,
        },
        note: application.explanation,
      });
    }
  }
  return {
    perLine,
    explanation,
    applied: result.applied.map((a) => ({
      discountId: a.discountId,
      amount: a.amount,
      partial: a.partial,
      newRedemption: a.newRedemption,
    })),
    rejected: result.rejected.map((r) => ({
      discountId: r.discountId,
      reason: r.reason,
      message: r.message,
    })),
    creditsRemaining: { ...result.creditsRemaining },
  };
}

/** Combine several discount runs over disjoint lines into one result. */
export function mergeDiscountRuns(runs: readonly DiscountStepResult[]): DiscountStepResult {
  const perLine = new Map<string, DiscountAmount[]>();
  const applied = new Map<string, InvoiceAppliedDiscount>();
  const rejected = new Map<string, InvoiceRejectedDiscount>();
  let creditsRemaining: Record<string, Money> = {};
  for (const run of runs) {
    for (const [id, amounts] of run.perLine) perLine.set(id, amounts);
    for (const a of run.applied) {
      const previous = applied.get(a.discountId);
      applied.set(
        a.discountId,
        previous
          ? {
              discountId: a.discountId,
              amount: money(previous.amount.amount + a.amount.amount, a.amount.currency),
              partial: previous.partial || a.partial,
              newRedemption: previous.newRedemption || a.newRedemption,
            }
          : a,
      );
    }
    for (const r of run.rejected) if (!rejected.has(r.discountId)) rejected.set(r.discountId, r);
    creditsRemaining = { ...creditsRemaining, ...run.creditsRemaining };
  }
  for (const id of applied.keys()) rejected.delete(id);
  return {
    perLine,
    explanation: runs.flatMap((r) => r.explanation),
    applied: [...applied.values()],
    rejected: [...rejected.values()],
    creditsRemaining,
  };
}
