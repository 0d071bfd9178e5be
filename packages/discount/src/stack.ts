import {
  allocate,
  money,
  multiply,
  type RoundingMode,
  roundToMinorUnits,
  timesFactor,
  toDecimalString,
} from '@billkit/money';
import type { DiscountLine } from './discount-request.js';
import type { DiscountApplication } from './discount-result.js';
import type { AmountGroup, LineRate, ResolvedDiscount } from './effect.js';
import { type DiscountTally, type LineState, newTally } from './line-state.js';
import { spread } from './spread.js';

/** The outcome of applying a set of discounts to fresh lines. */
export interface StackRun {
  readonly states: readonly LineState[];
  readonly tallies: ReadonlyMap<string, DiscountTally>;
  /** Sum of the lines' `discounted`: what the run saves the customer. */
  readonly total: number;
}

export interface StackPolicy {
  readonly currency: string;
  readonly maxTotalPercent: string | undefined;
  readonly rounding: RoundingMode;
}

// Printing reads only the amount and the currency, both already checked: no frozen Money is made for it.
const show = (amount: number, currency: string) => `${toDecimalString({ amount, currency })} ${currency}`;

/**
 * `p / q` (q > 0) rounded to an integer with `mode`, sign-symmetric (what `multiply` does with its
 * exact integer path), for safe-integer `p` and `q`: integer arithmetic on numbers is exact there.
 */
function roundQuotient(p: number, q: number, mode: RoundingMode): number {
  const negative = p < 0;
  const magnitude = negative ? -p : p;
  const remainder = magnitude % q;
  let quotient = (magnitude - remainder) / q;
  if (remainder !== 0) {
    if (mode === 'up') quotient += 1;
    else if (mode !== 'down') {
      const twice = remainder * 2;
      if (twice > q || (twice === q && (mode === 'half_up' || quotient % 2 === 1))) quotient += 1;
    }
  }
  return quotient === 0 ? 0 : negative ? -quotient : quotient;
}

/** `base × rate`, rounded once with `mode`: `multiply(money(base), rate.fraction, mode).amount`. */
function percentOf(base: number, rate: LineRate, policy: StackPolicy): number {
  const exact = rate.exact;
  const mode = policy.rounding;
  if (
    exact !== undefined &&
    (mode === 'half_up' || mode === 'half_even' || mode === 'down' || mode === 'up')
  ) {
    const product = base * exact.int;
    if (Number.isSafeInteger(product)) return roundQuotient(product, exact.divisor, mode);
  }
  return multiply(money(base, policy.currency), rate.fraction, mode).amount;
}

/** Priority first (lower first), then percentages before amounts, then id, so input order never matters. */
export function stackOrder(a: ResolvedDiscount, b: ResolvedDiscount): number {
  if (a.definition.priority !== b.definition.priority) return a.definition.priority - b.definition.priority;
  const rank = (d: ResolvedDiscount) => (d.effect.kind === 'percent' ? 0 : 1);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return a.definition.id < b.definition.id ? -1 : a.definition.id > b.definition.id ? 1 : 0;
}

export function freshStates(lines: readonly DiscountLine[], policy: StackPolicy): LineState[] {
  return lines.map((line) => ({
    line,
    remaining: line.amount.amount,
    discounted: 0,
    capLimit:
      policy.maxTotalPercent === undefined
        ? undefined
        : roundToMinorUnits(
            timesFactor(Math.abs(line.amount.amount), {
              numerator: policy.maxTotalPercent,
              denominator: 100,
            }),
            'down',
          ),
    applications: [],
  }));
}

function capRoom(state: LineState): number {
  return state.capLimit === undefined
    ? Number.POSITIVE_INFINITY
    : state.capLimit - Math.abs(state.discounted);
}

function record(
  state: LineState,
  tally: DiscountTally,
  discount: ResolvedDiscount,
  values: { amount: number; base: number; requested: number; explanation: string },
  currency: string,
): void {
  const { amount, base, requested } = values;
  tally.amount += amount;
  let limitedBy: DiscountApplication['limitedBy'];
  if (Math.abs(amount) < Math.abs(requested)) {
    // Something bound: the cap when it left less room than the line had, otherwise the line floor.
    limitedBy = capRoom(state) < Math.abs(state.remaining) ? 'cap' : 'line_floor';
    tally.limits.add(limitedBy);
  }
  if (amount === 0) return;
  tally.touched = true;
  state.remaining -= amount;
  state.discounted += amount;
  // Money is frozen plain data: an amount equal to one already made (the line's own, a frozen one; the
  // amount itself) is shared rather than made again.
  const amountMoney = money(amount, currency);
  const original = state.line.amount;
  const baseMoney =
    base === original.amount && original.currency === currency && Object.isFrozen(original)
      ? original
      : money(base, currency);
  const requestedMoney = requested === amount ? amountMoney : money(requested, currency);
  const { id, type } = discount.definition;
  state.applications.push(
    limitedBy === undefined
      ? {
          discountId: id,
          type,
          amount: amountMoney,
          base: baseMoney,
          requested: requestedMoney,
          explanation: values.explanation,
        }
      : {
          discountId: id,
          type,
          amount: amountMoney,
          base: baseMoney,
          requested: requestedMoney,
          limitedBy,
          explanation: values.explanation,
        },
  );
}

// One LineRate is shared by every line a discount covers: print its percentage once.
const percentTexts = new WeakMap<LineRate, string>();

function percentText(rate: LineRate): string {
  let text = percentTexts.get(rate);
  if (text === undefined) {
    text = rate.percent.round(4).toString();
    percentTexts.set(rate, text);
  }
  return text;
}

function applyRate(
  state: LineState,
  rate: LineRate,
  discount: ResolvedDiscount,
  tally: DiscountTally,
  policy: StackPolicy,
) {
  const additive = discount.definition.additive;
  const base = additive ? state.line.amount.amount : state.remaining;
  // multiply() is roundToMinorUnits(timesFactor(…)) with an exact integer fast path (no 40-place
  // big.js division per line); a plain percentage is computed here with numbers (percentOf).
  const requested = percentOf(base, rate, policy);
  const magnitude = Math.min(Math.abs(requested), Math.abs(state.remaining), capRoom(state));
  const amount = Math.sign(state.line.amount.amount) * Math.max(0, magnitude);
  const percent = percentText(rate);
  const of = additive ? 'of the original' : 'of';
  tally.requested += requested;
  record(
    state,
    tally,
    discount,
    { amount, base, requested, explanation: `${percent}% ${of} ${show(base, policy.currency)}` },
    policy.currency,
  );
}

function applyGroup(
  states: ReadonlyMap<string, LineState>,
  group: AmountGroup,
  discount: ResolvedDiscount,
  tally: DiscountTally,
  policy: StackPolicy,
) {
  const members = group.lineIds
    .map((id) => states.get(id))
    .filter((s): s is LineState => s !== undefined && s.line.kind !== 'proration_credit' && s.remaining > 0)
    .sort((a, b) => (a.line.id < b.line.id ? -1 : 1));
  const total = group.amount.amount;
  tally.requested += total;
  if (members.length === 0) {
    tally.limits.add('line_floor');
    return;
  }
  // What each line would take if nothing limited it: its exact share of the whole amount.
  const shares = allocate(
    money(total, policy.currency),
    members.map((s) => s.remaining),
  ).map((m) => m.amount);
  const given = spread(
    total,
    members.map((s) => ({ weight: s.remaining, limit: Math.min(s.remaining, capRoom(s)) })),
    policy.currency,
  );
  members.forEach((state, index) => {
    const base = state.remaining;
    const amount = given[index] as number;
    const requested = Math.max(shares[index] as number, amount);
    const explanation =
      members.length === 1
        ? `${show(amount, policy.currency)} of ${show(total, policy.currency)} off`
        : `${show(amount, policy.currency)} of ${show(total, policy.currency)} off, spread over ${members.length} lines in proportion to their amounts`;
    record(state, tally, discount, { amount, base, requested, explanation }, policy.currency);
  });
}

/**
 * Apply discounts to fresh copies of the lines in stacking order: each percentage is taken of what is
 * left (or of the original when `additive`), fixed amounts are spread over the charge lines in
 * proportion to what is left on them, no line crosses zero and no line loses more than
 * `maxTotalPercent` of its original amount. Lines must come in canonical (id) order.
 */
export function runStack(
  lines: readonly DiscountLine[],
  discounts: readonly ResolvedDiscount[],
  policy: StackPolicy,
): StackRun {
  const states = freshStates(lines, policy);
  // Lines by id, for amount groups only (made on first use: percentages do not need it).
  let byId: Map<string, LineState> | undefined;
  const tallies = new Map<string, DiscountTally>();
  for (const discount of [...discounts].sort(stackOrder)) {
    const tally = newTally();
    tallies.set(discount.definition.id, tally);
    const { effect } = discount;
    if (effect.kind === 'percent') {
      for (const state of states) {
        const rate = effect.rates.get(state.line.id);
        if (rate !== undefined) applyRate(state, rate, discount, tally, policy);
      }
    } else {
      if (byId === undefined) {
        byId = new Map();
        for (const state of states) byId.set(state.line.id, state);
      }
      for (const group of effect.groups) applyGroup(byId, group, discount, tally, policy);
    }
  }
  return { states, tallies, total: states.reduce((acc, s) => acc + s.discounted, 0) };
}
