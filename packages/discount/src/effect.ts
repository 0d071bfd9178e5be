import { type Decimal, type Money, money, type Ratio, toDecimal } from '@billkit/money';
import type { StackableDiscount } from './discount-definition.js';
import type { DiscountLine } from './discount-request.js';
import type { RejectedDiscount } from './discount-result.js';
import type { EligibleDiscount } from './eligibility.js';
import { tierOutcome } from './volume.js';

/** A fraction off one line, with the percentage people read. */
export interface LineRate {
  readonly fraction: Ratio;
  readonly percent: Decimal;
  /**
   * The fraction as `int / divisor` with both safe integers, when it is a plain percentage of at most
   * 15 digits: the stack then computes amounts with integer arithmetic (see stack.ts).
   */
  readonly exact?: { readonly int: number; readonly divisor: number };
}

/** An amount spread over a group of charge lines in proportion to their amounts. */
export interface AmountGroup {
  readonly amount: Money;
  readonly lineIds: readonly string[];
}

/**
 * What a discount does to this invoice, reduced to the two shapes the stacking engine knows:
 * a percentage per line (applies to charges and, proportionally, to credits) or amounts spread over
 * charge lines. Percent effects run before amount effects of the same priority.
 */
export type DiscountEffect =
  | { readonly kind: 'percent'; readonly rates: ReadonlyMap<string, LineRate> }
  | { readonly kind: 'amount'; readonly groups: readonly AmountGroup[] };

export interface ResolvedDiscount {
  readonly definition: StackableDiscount;
  readonly newRedemption: boolean;
  readonly effect: DiscountEffect;
}

export type Resolution =
  | { readonly ok: true; readonly value: ResolvedDiscount }
  | { readonly ok: false; readonly rejection: RejectedDiscount };

const PLAIN_PERCENT = /^(\d+)(?:\.(\d+))?$/;

// A flat rate depends only on its percentage string and is never changed: one per string is kept (its
// big.js value parsed once, its printed form cached by the stack on the object).
const MAX_CACHED_RATES = 1024;
const flatRates = new Map<string, LineRate>();

function flat(percentOff: string): LineRate {
  let rate = flatRates.get(percentOff);
  if (rate === undefined) {
    const match = PLAIN_PERCENT.exec(percentOff);
    const digits = match === null ? '' : `${match[1]}${match[2] ?? ''}`;
    const places = match?.[2]?.length ?? 0;
    const exact =
      match !== null && digits.length <= 15 && places <= 12
        ? { int: Number(digits), divisor: 100 * 10 ** places }
        : undefined;
    rate = {
      fraction: { numerator: percentOff, denominator: 100 },
      percent: toDecimal(percentOff),
      ...(exact === undefined ? {} : { exact }),
    };
    if (flatRates.size >= MAX_CACHED_RATES) flatRates.clear();
    flatRates.set(percentOff, rate);
  }
  return rate;
}

function percentOn(lines: readonly DiscountLine[], rate: LineRate): DiscountEffect {
  const rates = new Map<string, LineRate>();
  for (const line of lines) rates.set(line.id, rate);
  return { kind: 'percent', rates };
}

/** Credit lines are never charged a fixed amount: a fixed amount lowers what the customer pays. */
const isCharge = (line: DiscountLine) => line.kind !== 'proration_credit' && line.amount.amount > 0;

/** Turn an eligible discount into its effect on this invoice, or say why it has none. */
export function resolveEffect(
  eligible: EligibleDiscount,
  definition: StackableDiscount,
  currency: string,
): Resolution {
  const { lines, newRedemption } = eligible;
  const ok = (effect: DiscountEffect): Resolution => ({
    ok: true,
    value: { definition, newRedemption, effect },
  });
  const no = (reason: RejectedDiscount['reason'], message: string): Resolution => ({
    ok: false,
    rejection: { discountId: definition.id, reason, message },
  });

  switch (definition.type) {
    case 'percentage':
    case 'free_periods':
      return ok(percentOn(lines, flat(definition.percentOff)));
    case 'fixed_amount':
      return ok({
        kind: 'amount',
        groups: [{ amount: definition.amountOff, lineIds: lines.map((l) => l.id) }],
      });
    case 'bundle': {
      const present = new Set(lines.filter((l) => l.kind !== 'proration_credit').map((l) => l.productId));
      const missing = definition.productIds.filter((id) => !present.has(id));
      if (missing.length > 0) {
        return no('bundle_incomplete', `The bundle also needs product(s) ${missing.join(', ')}`);
      }
      const bundleLines = lines.filter(
        (l) => l.productId !== undefined && definition.productIds.includes(l.productId),
      );
      if (definition.percentOff !== undefined) return ok(percentOn(bundleLines, flat(definition.percentOff)));
      return ok({
        kind: 'amount',
        groups: [
          { amount: definition.amountOff ?? money(0, currency), lineIds: bundleLines.map((l) => l.id) },
        ],
      });
    }
    case 'volume': {
      if (definition.quantityScope === 'invoice') {
        const quantity = lines
          .filter((l) => l.kind !== 'proration_credit')
          .reduce((acc, l) => acc + l.quantity, 0);
        const outcome = tierOutcome(definition.tiers, definition.tiersMode, quantity);
        if (outcome === undefined) {
          return no('below_volume_tier', `A quantity of ${quantity} reaches no tier`);
        }
        if (outcome.kind === 'percent') return ok(percentOn(lines, outcome));
        return ok({
          kind: 'amount',
          groups: [{ amount: money(outcome.amount, currency), lineIds: lines.map((l) => l.id) }],
        });
      }
      const rates = new Map<string, LineRate>();
      const groups: AmountGroup[] = [];
      for (const line of lines) {
        const outcome = tierOutcome(definition.tiers, definition.tiersMode, line.quantity);
        if (outcome?.kind === 'percent') rates.set(line.id, outcome);
        if (outcome?.kind === 'amount' && isCharge(line)) {
          groups.push({ amount: money(outcome.amount, currency), lineIds: [line.id] });
        }
      }
      if (rates.size > 0) return ok({ kind: 'percent', rates });
      if (groups.length > 0) return ok({ kind: 'amount', groups });
      return no('below_volume_tier', 'No line has a quantity that reaches a tier');
    }
  }
}
