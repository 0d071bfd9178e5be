import { type Money, money, toDecimalString } from '@billkit/money';
import { applyCredits, type EligibleCredit, openingBalance } from './credit.js';
import type { CreditDiscount, StackableDiscount } from './discount-definition.js';
import {
  type DiscountOptions,
  type DiscountOptionsInput,
  type DiscountRequest,
  type DiscountRequestInput,
  discountOptionsSchema,
  discountRequestSchema,
} from './discount-request.js';
import type {
  AppliedDiscount,
  DiscountApplication,
  DiscountedLine,
  DiscountResult,
  RejectedDiscount,
  StackingDecision,
} from './discount-result.js';
import { type ResolvedDiscount, resolveEffect } from './effect.js';
import { checkEligibility } from './eligibility.js';
import { DiscountError } from './errors.js';
import { isParsedDiscountOptions, isParsedDiscountRequest } from './fast-parse.js';
import type { DiscountTally } from './line-state.js';
import { parseInput } from './parse.js';
import { runStack, type StackPolicy, type StackRun } from './stack.js';

const byId = <T extends { readonly discountId: string }>(a: T, b: T) =>
  a.discountId < b.discountId ? -1 : a.discountId > b.discountId ? 1 : 0;

function assertUnique(ids: readonly string[], what: string): void {
  // The first id that repeats an earlier one. A few ids are compared pairwise (no Set to fill with
  // freshly made strings); many go through a Set.
  const duplicate = (id: string): never => {
    throw new DiscountError('DISCOUNT_DUPLICATE_ID', `Duplicate ${what} id ${JSON.stringify(id)}`, { id });
  };
  if (ids.length <= 16) {
    for (let j = 1; j < ids.length; j += 1) {
      const id = ids[j] as string;
      for (let i = 0; i < j; i += 1) if (ids[i] === id) duplicate(id);
    }
    return;
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) duplicate(id);
    seen.add(id);
  }
}

function validate(request: DiscountRequest): void {
  assertUnique(
    request.lines.map((l) => l.id),
    'line',
  );
  assertUnique(
    request.discounts.map((d) => d.id),
    'discount',
  );
  for (const line of request.lines) {
    if (line.amount.currency !== request.currency) {
      throw new DiscountError(
        'DISCOUNT_CURRENCY_MISMATCH',
        `Line ${line.id} is in ${line.amount.currency}, the invoice in ${request.currency}`,
        { lineId: line.id, currency: line.amount.currency, invoiceCurrency: request.currency },
      );
    }
  }
}

/**
 * A copy sorted by id (ids are unique: `validate` checked). An insertion sort: invoices have a few
 * lines and discounts, and it is the same order `sort` with an id comparison gives.
 */
function sortedById<T extends { readonly id: string }>(items: readonly T[]): T[] {
  return sortedOrder(items).map((index) => items[index] as T);
}

/** The positions of `items` in id order (an insertion sort of positions; ids are unique). */
function sortedOrder(items: readonly { readonly id: string }[]): number[] {
  const order: number[] = new Array(items.length);
  for (let i = 0; i < items.length; i += 1) {
    const id = (items[i] as { readonly id: string }).id;
    let j = i - 1;
    while (j >= 0 && (items[order[j] as number] as { readonly id: string }).id > id) {
      order[j + 1] = order[j] as number;
      j -= 1;
    }
    order[j + 1] = i;
  }
  return order;
}

interface Candidate {
  readonly label: string;
  readonly exclusive: ResolvedDiscount | undefined;
  readonly run: StackRun;
}

/**
 * Pick the best outcome for the customer: the stack of stackable discounts, or one exclusive
 * discount alone, whichever saves more. Ties go to the stack, then to the exclusive discount with
 * the lower priority number, then the lower id.
 */
function choose(
  lines: DiscountRequest['lines'],
  stackable: readonly ResolvedDiscount[],
  exclusive: readonly ResolvedDiscount[],
  policy: StackPolicy,
): { winner: Candidate | undefined; decision: StackingDecision; losers: RejectedDiscount[] } {
  const show = (amount: number) => `${toDecimalString(money(amount, policy.currency))} ${policy.currency}`;
  const candidates: Candidate[] = [];
  if (stackable.length > 0) {
    candidates.push({
      label: 'the stack of stackable discounts',
      exclusive: undefined,
      run: runStack(lines, stackable, policy),
    });
  }
  const orderedExclusive = [...exclusive].sort((a, b) =>
    a.definition.priority !== b.definition.priority
      ? a.definition.priority - b.definition.priority
      : a.definition.id < b.definition.id
        ? -1
        : 1,
  );
  for (const discount of orderedExclusive) {
    candidates.push({
      label: `exclusive discount ${discount.definition.id}`,
      exclusive: discount,
      run: runStack(lines, [discount], policy),
    });
  }
  const winner = candidates.reduce<Candidate | undefined>(
    (best, candidate) => (best === undefined || candidate.run.total > best.run.total ? candidate : best),
    undefined,
  );
  if (winner === undefined) {
    return {
      winner,
      decision: { outcome: 'none', explanation: 'No percentage, amount or period discount applies' },
      losers: [],
    };
  }
  const losers: RejectedDiscount[] = [];
  const others = candidates.filter((c) => c !== winner);
  const runnerUp = others.reduce<Candidate | undefined>(
    (b, c) => (b === undefined || c.run.total > b.run.total ? c : b),
    undefined,
  );
  const comparison =
    runnerUp === undefined
      ? ''
      : `, ${winner.run.total === runnerUp.run.total ? 'as much as' : 'more than'} ${runnerUp.label} (${show(runnerUp.run.total)})`;
  const explanation = `${winner.label[0]?.toUpperCase()}${winner.label.slice(1)} saves ${show(winner.run.total)}${comparison}`;
  if (winner.exclusive !== undefined) {
    const why = `Exclusive discount ${winner.exclusive.definition.id} saves more (${show(winner.run.total)})`;
    for (const d of [...stackable, ...exclusive]) {
      if (d !== winner.exclusive)
        losers.push({ discountId: d.definition.id, reason: 'beaten_by_exclusive', message: why });
    }
    return {
      winner,
      decision: { outcome: 'exclusive', exclusiveDiscountId: winner.exclusive.definition.id, explanation },
      losers,
    };
  }
  for (const d of exclusive) {
    const own = candidates.find((c) => c.exclusive === d);
    losers.push({
      discountId: d.definition.id,
      reason: 'beaten_by_stack',
      message: `The stack saves ${show(winner.run.total)}, this exclusive discount alone ${show(own?.run.total ?? 0)}`,
    });
  }
  return { winner, decision: { outcome: 'stack', explanation }, losers };
}

function summarise(
  discounts: readonly { definition: { id: string; type: AppliedDiscount['type'] }; newRedemption: boolean }[],
  tallies: ReadonlyMap<string, DiscountTally>,
  currency: string,
  applied: AppliedDiscount[],
  rejected: RejectedDiscount[],
): void {
  for (const { definition, newRedemption } of discounts) {
    const tally = tallies.get(definition.id);
    if (tally === undefined) continue;
    if (tally.touched) {
      applied.push({
        discountId: definition.id,
        type: definition.type,
        amount: money(tally.amount, currency),
        requested: money(tally.requested, currency),
        partial: tally.limits.size > 0,
        newRedemption,
      });
    } else if (tally.limits.has('cap')) {
      rejected.push({
        discountId: definition.id,
        reason: 'cap_reached',
        message: 'The maxTotalPercent cap was already reached on every eligible line',
      });
    } else {
      rejected.push({
        discountId: definition.id,
        reason: 'nothing_to_discount',
        message: 'Nothing was left to discount on the eligible lines, or the discount rounds to zero',
      });
    }
  }
}

/**
 * Apply discounts to invoice lines: checks every discount (validity window, redemption limits,
 * eligibility, duration), decides between the stack of stackable discounts and the best exclusive
 * one, applies percentages and fixed amounts in priority order, then consumes credits. Pure: the
 * same request always gives the same result, whatever the order of its lines and discounts.
 *
 * Amounts follow `discounted = original − amount` on every line, so on a negative proration credit
 * line the discount amounts are negative (they shrink the credit). Every total is the exact sum of
 * its per-line parts. Throws `DiscountError` (`DISCOUNT_INVALID_INPUT`, `DISCOUNT_DUPLICATE_ID`,
 * `DISCOUNT_CURRENCY_MISMATCH`) for malformed input; a discount that does not apply is never an
 * error but an entry in `rejected` with a machine-readable reason.
 *
 * @example
 * const result = applyDiscounts({
 *   currency: 'USD',
 *   lines: [{ id: 'plan', amount: { amount: 10000, currency: 'USD' } }],
 *   discounts: [{ id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } }],
 *   context: { now: '2025-03-01T00:00:00Z' },
 * });
 * result.lines[0]?.discounted; // { amount: 8500, currency: 'USD' }
 */
export function applyDiscounts(
  request: DiscountRequestInput,
  options: DiscountOptionsInput = {},
): DiscountResult {
  // Input already in parsed shape (billing-core's) skips zod: see fast-parse.ts.
  const parsed = isParsedDiscountRequest(request)
    ? request
    : parseInput(discountRequestSchema, request, 'discount request');
  const parsedOptions: DiscountOptions = isParsedDiscountOptions(options)
    ? options
    : parseInput(discountOptionsSchema, options, 'discount options');
  validate(parsed);
  const { currency, context } = parsed;
  const policy: StackPolicy = {
    currency,
    maxTotalPercent: parsedOptions.maxTotalPercent,
    rounding: parsedOptions.rounding,
  };
  // Canonical order: results never depend on the order the caller listed things in.
  const lineOrder = sortedOrder(parsed.lines);
  const lines = lineOrder.map((index) => parsed.lines[index] as DiscountRequest['lines'][number]);
  const definitions = sortedById(parsed.discounts);
  const subtotal = money(
    lines.reduce((acc, l) => acc + l.amount.amount, 0),
    currency,
  );

  const rejected: RejectedDiscount[] = [];
  const stackable: ResolvedDiscount[] = [];
  const exclusive: ResolvedDiscount[] = [];
  const credits: EligibleCredit[] = [];
  const creditsRemaining: Record<string, Money> = {};
  for (const definition of definitions) {
    if (definition.type === 'credit') creditsRemaining[definition.id] = openingBalance(definition, context);
    const eligibility = checkEligibility(definition, lines, subtotal, context);
    if (!eligibility.eligible) {
      rejected.push(eligibility.rejection);
      continue;
    }
    const { value } = eligibility;
    if (definition.type === 'credit') {
      credits.push({
        definition: definition as CreditDiscount,
        lineIds: new Set(value.lines.map((l) => l.id)),
        newRedemption: value.newRedemption,
      });
      continue;
    }
    const resolution = resolveEffect(value, definition as StackableDiscount, currency);
    if (!resolution.ok) {
      rejected.push(resolution.rejection);
      continue;
    }
    (definition.stacking === 'exclusive' ? exclusive : stackable).push(resolution.value);
  }

  const { winner, decision, losers } = choose(lines, stackable, exclusive, policy);
  rejected.push(...losers);
  const run = winner?.run ?? runStack(lines, [], policy);
  const applied: AppliedDiscount[] = [];
  const chosen = winner === undefined ? [] : winner.exclusive !== undefined ? [winner.exclusive] : stackable;
  summarise(chosen, run.tallies, currency, applied, rejected);

  const creditRun = applyCredits(run.states, credits, context, currency);
  rejected.push(...creditRun.rejections);
  summarise(credits, creditRun.tallies, currency, applied, rejected);
  for (const [id, balance] of creditRun.remaining) creditsRemaining[id] = balance;

  // The run's states follow the sorted lines: request line i is sorted line positions[i] (ids are
  // unique), found without a Map of line ids.
  const positions: number[] = new Array(lineOrder.length);
  for (let k = 0; k < lineOrder.length; k += 1) positions[lineOrder[k] as number] = k;
  const resultLines: DiscountedLine[] = parsed.lines.map((line, index) => {
    const candidate = run.states[positions[index] as number];
    const state =
      candidate !== undefined && candidate.line === line
        ? candidate
        : run.states.find((s) => s.line.id === line.id);
    const remaining = state?.remaining ?? line.amount.amount;
    const applications = state?.applications ?? [];
    const original = line.amount;
    // Frozen Money of an equal amount is shared: the untouched line's own, a single application's.
    const only = applications.length === 1 ? (applications[0] as DiscountApplication) : undefined;
    return {
      id: line.id,
      original,
      discounted:
        remaining === original.amount && Object.isFrozen(original) ? original : money(remaining, currency),
      discountTotal:
        only !== undefined && only.amount.amount === original.amount - remaining
          ? only.amount
          : money(original.amount - remaining, currency),
      applications,
    };
  });
  const totalDiscount = resultLines.reduce((acc, l) => acc + l.discountTotal.amount, 0);
  const creditTotal = applied.filter((a) => a.type === 'credit').reduce((acc, a) => acc + a.amount.amount, 0);
  return {
    currency,
    lines: resultLines,
    applied: applied.sort(byId),
    rejected: rejected.sort(byId),
    stacking: decision,
    subtotal,
    totalDiscount: money(totalDiscount, currency),
    creditTotal: money(creditTotal, currency),
    total: money(subtotal.amount - totalDiscount, currency),
    creditsRemaining,
  };
}
