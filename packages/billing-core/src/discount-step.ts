import {
  applyDiscounts,
  type DiscountDefinitionInput,
  type DiscountLineInput,
  type DiscountResult,
} from '@billkit/discount';
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
  /** The discount amounts of each line, in the order of the lines discounted. */
  readonly perLine: readonly DiscountAmount[][];
  readonly explanation: ExplanationEntry[];
  readonly applied: InvoiceAppliedDiscount[];
  readonly rejected: InvoiceRejectedDiscount[];
  readonly creditsRemaining: Record<string, Money>;
}

/** A draft line as the discount engine reads it (fields set one by one: no spread per line). */
function discountLine(line: DraftLine, subscriptionId: string | null): DiscountLineInput {
  const result: { -readonly [K in keyof DiscountLineInput]: DiscountLineInput[K] } = {
    id: line.id,
    amount: line.amount,
    quantity: line.quantity,
  };
  if (line.productId) result.productId = line.productId;
  if (line.priceId) {
    result.priceId = line.priceId;
    result.planId = line.priceId;
  }
  if (subscriptionId) result.subscriptionId = subscriptionId;
  result.kind = !line.proration ? 'charge' : line.amount.amount < 0 ? 'proration_credit' : 'proration_charge';
  return result;
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
  const perLine: DiscountAmount[][] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) perLine[i] = [];
  if (discounts.length === 0 || lines.length === 0) {
    return { perLine, explanation: [], applied: [], rejected: [], creditsRemaining: {} };
  }
  let result: DiscountResult;
  try {
    result = applyDiscounts(
      {
        currency: context.currency,
        lines: lines.map((line) => discountLine(line, context.subscriptionId)),
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
  const at = lineIndex(lines);
  for (let position = 0; position < result.lines.length; position += 1) {
    const discounted = result.lines[position] as DiscountResult['lines'][number];
    const amounts = perLine[at(discounted.id, position)];
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

/**
 * Where a result line (by id) sits among the request lines: engines answer in request order, so the
 * line at the same position is checked first; an id elsewhere is looked up (−1 when unknown).
 */
export function lineIndex(
  lines: readonly { readonly id: string }[],
): (id: string, position: number) => number {
  let byId: Map<string, number> | undefined;
  return (id, position) => {
    if (lines[position]?.id === id) return position;
    if (byId === undefined) {
      byId = new Map();
      // Line ids are unique (the builder numbers its lines); a Map built in order keeps the last.
      for (let i = 0; i < lines.length; i += 1) byId.set((lines[i] as { readonly id: string }).id, i);
    }
    return byId.get(id) ?? -1;
  };
}

/** Combine several discount runs over disjoint lines (their per-line amounts are read per run). */
export function mergeDiscountRuns(runs: readonly DiscountStepResult[]): Omit<DiscountStepResult, 'perLine'> {
  const explanation: ExplanationEntry[] = [];
  const applied = new Map<string, InvoiceAppliedDiscount>();
  const rejected = new Map<string, InvoiceRejectedDiscount>();
  let creditsRemaining: Record<string, Money> = {};
  for (const run of runs) {
    for (const entry of run.explanation) explanation.push(entry);
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
    explanation,
    applied: [...applied.values()],
    rejected: [...rejected.values()],
    creditsRemaining,
  };
}
