import type { DiscountDefinitionInput } from '@billkit/discount';
import { allocate, type Money, money, toDecimalString } from '@billkit/money';
import type { DiscountStepResult, InvoiceAppliedDiscount, InvoiceRejectedDiscount } from './discount-step.js';
import type { DraftLine } from './draft-line.js';
import type { ExplanationEntry } from './explanation.js';
import type { DiscountAmount } from './invoice.js';

/**
 * True for a discount that takes an amount of money off (a `credit`, a `fixed_amount`, a bundle with
 * `amountOff`, a volume discount with `unitAmountOff` tiers) rather than a share of every line: such a
 * discount only pays for charge lines, so next to a proration credit it could take the invoice below zero.
 */
export function takesAnAmount(discount: DiscountDefinitionInput): boolean {
  switch (discount.type) {
    case 'credit':
    case 'fixed_amount':
      return true;
    case 'bundle':
      return discount.amountOff !== undefined;
    case 'volume':
      return discount.tiers.some((tier) => tier.unitAmountOff !== undefined);
    default:
      return false;
  }
}

/** The engine's `appliesTo` rule (any listed product, plan, price or category; nothing listed: all). */
function mayApplyTo(line: DraftLine, appliesTo: DiscountDefinitionInput['appliesTo']): boolean {
  if (appliesTo === undefined) return true;
  const has = (list: readonly string[] | undefined, value: string | null) =>
    list !== undefined && value !== null && list.includes(value);
  // billing-core's discount lines carry the price as plan and price, and no category.
  return (
    has(appliesTo.productIds, line.productId) ||
    has(appliesTo.planIds, line.priceId) ||
    has(appliesTo.priceIds, line.priceId)
  );
}

/** Amount discounts in the order the engine takes them: the stack (priority, id), then credits. */
function capOrder(a: DiscountDefinitionInput, b: DiscountDefinitionInput): number {
  const credit = (d: DiscountDefinitionInput) => (d.type === 'credit' ? 1 : 0);
  if (credit(a) !== credit(b)) return credit(a) - credit(b);
  const priority = (d: DiscountDefinitionInput) => d.priority ?? 0;
  if (priority(a) !== priority(b)) return priority(a) - priority(b);
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** One amount discount cut back to what the invoice's net allowed. */
export interface NetCapped {
  readonly discountId: string;
  /** What the discount runs took off, in total. */
  readonly requested: number;
  /** What it may take: the net amount due of the lines it may apply to (and of the invoice), at least 0. */
  readonly allowed: number;
}

export interface NetCap {
  /** Per line, in invoice order, the discount amounts after the cap. */
  readonly perLine: DiscountAmount[][];
  /** The discounts that were cut back, in the order they were capped. */
  readonly capped: readonly NetCapped[];
}

/**
 * Hold every amount discount to the promise the discount engine makes within one run — never more than
 * the net amount due — across the whole invoice. The builder discounts a proration invoice in several
 * runs (one per period state), so a credit or a fixed amount could pay for the charge line of one run
 * while the unused-time credit of another run took the invoice below zero. Each amount discount, in the
 * engine's order, may take at most the net of the lines it may apply to and the net of the invoice, both
 * after the percentage discounts and the amount discounts before it (0 when a net is not positive). A
 * discount over that is cut back on its lines in proportion to what it took from each (exact allocation),
 * so no line gains a discount and every line still sums exactly. Without negative lines nothing changes.
 */
export function capAmountDiscountsAtNet(
  lines: readonly DraftLine[],
  perLine: readonly DiscountAmount[][],
  discounts: readonly DiscountDefinitionInput[],
  currency: string,
): NetCap {
  const unchanged: NetCap = { perLine: perLine as DiscountAmount[][], capped: [] };
  if (!lines.some((line) => line.amount.amount < 0)) return unchanged;
  const amountDiscounts = discounts.filter(takesAnAmount).sort(capOrder);
  if (amountDiscounts.length === 0) return unchanged;
  const isAmount = new Set(amountDiscounts.map((d) => d.id));

  // What is left on each line after every discount that is not an amount discount.
  const remaining = lines.map((line, i) => {
    let left = line.amount.amount;
    for (const d of perLine[i] ?? []) if (!isAmount.has(d.discountId)) left -= d.amount.amount;
    return left;
  });
  const result = perLine.map((amounts) => [...amounts]);
  const capped: NetCapped[] = [];
  for (const discount of amountDiscounts) {
    const taken: number[] = result.map(
      (amounts) => amounts.find((d) => d.discountId === discount.id)?.amount.amount ?? 0,
    );
    const requested = taken.reduce((sum, amount) => sum + amount, 0);
    if (requested === 0) continue;
    let eligibleNet = 0;
    let invoiceNet = 0;
    lines.forEach((line, i) => {
      invoiceNet += remaining[i] as number;
      if (mayApplyTo(line, discount.appliesTo)) eligibleNet += remaining[i] as number;
    });
    const allowed = Math.max(0, Math.min(eligibleNet, invoiceNet));
    let given = taken;
    if (requested > allowed) {
      capped.push({ discountId: discount.id, requested, allowed });
      // Amount discounts only ever pay for charge lines: every share is positive, the weights valid.
      given = allocate(money(allowed, currency), taken).map((m) => m.amount);
      result.forEach((amounts, i) => {
        const at = amounts.findIndex((d) => d.discountId === discount.id);
        if (at === -1) return;
        const amount = given[i] as number;
        if (amount === 0) amounts.splice(at, 1);
        else amounts[at] = { discountId: discount.id, amount: money(amount, currency) };
      });
    }
    given.forEach((amount, i) => {
      remaining[i] = (remaining[i] as number) - amount;
    });
  }
  return capped.length === 0 ? unchanged : { perLine: result, capped };
}

/**
 * The discount step's results after {@link capAmountDiscountsAtNet}: the explanation of each cut-back
 * line shows the new amount and why, applied totals shrink (a discount cut to nothing is rejected with
 * `nothing_to_discount`), and a credit keeps what it did not spend. A fixed amount's surplus is lost for
 * this invoice: it is not turned into credit.
 */
export function afterNetCap(
  step: Omit<DiscountStepResult, 'perLine'>,
  cap: NetCap,
  lines: readonly DraftLine[],
  discounts: readonly DiscountDefinitionInput[],
  currency: string,
): Omit<DiscountStepResult, 'perLine'> {
  if (cap.capped.length === 0) return step;
  const show = (amount: number) => `${toDecimalString({ amount, currency })} ${currency}`;
  const byId = new Map(cap.capped.map((c) => [c.discountId, c]));
  const newAmount = new Map<string, number>();
  lines.forEach((line, i) => {
    for (const d of cap.perLine[i] ?? []) {
      if (byId.has(d.discountId)) newAmount.set(`lines.${line.id}.discount.${d.discountId}`, d.amount.amount);
    }
  });
  const explanation: ExplanationEntry[] = [];
  for (const entry of step.explanation) {
    const discountId = entry.inputs.discountId;
    const capped = typeof discountId === 'string' ? byId.get(discountId) : undefined;
    if (entry.source !== 'discount' || capped === undefined) {
      explanation.push(entry);
      continue;
    }
    const amount = newAmount.get(entry.target) ?? 0;
    if (amount === 0) continue;
    if (amount === entry.amount.amount) {
      explanation.push(entry);
      continue;
    }
    explanation.push({
      target: entry.target,
      source: entry.source,
      amount: money(amount, currency),
      inputs: { ...entry.inputs, limitedBy: 'invoice_net', netDue: capped.allowed },
      note: `${entry.note}; cut to ${show(amount)}: the invoice's net amount due allows ${show(capped.allowed)} of the ${show(capped.requested)} taken (a discount never takes an invoice below zero)`,
    });
  }
  const applied: InvoiceAppliedDiscount[] = [];
  const rejected: InvoiceRejectedDiscount[] = step.rejected.filter((r) => !byId.has(r.discountId));
  for (const a of step.applied) {
    const capped = byId.get(a.discountId);
    if (capped === undefined) applied.push(a);
    else if (capped.allowed > 0)
      applied.push({ ...a, amount: money(capped.allowed, a.amount.currency), partial: true });
    else
      rejected.push({
        discountId: a.discountId,
        reason: 'nothing_to_discount',
        message: 'The net amount due on the lines this discount may apply to is not positive',
      });
  }
  let creditsRemaining = step.creditsRemaining;
  for (const capped of cap.capped) {
    const definition = discounts.find((d) => d.id === capped.discountId);
    const left: Money | undefined = creditsRemaining[capped.discountId];
    if (definition?.type !== 'credit' || left === undefined) continue;
    creditsRemaining = {
      ...creditsRemaining,
      [capped.discountId]: money(left.amount + capped.requested - capped.allowed, left.currency),
    };
  }
  return { explanation, applied, rejected, creditsRemaining };
}
