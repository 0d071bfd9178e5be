import { type Money, money, toDecimalString } from '@billkit/money';
import type { CreditDiscount } from './discount-definition.js';
import type { DiscountContext } from './discount-request.js';
import type { RejectedDiscount } from './discount-result.js';
import type { LineState } from './line-state.js';
import { type DiscountTally, newTally } from './line-state.js';
import { spread } from './spread.js';

/** A credit that passed eligibility, with the ids of the lines it may pay for. */
export interface EligibleCredit {
  readonly definition: CreditDiscount;
  readonly lineIds: ReadonlySet<string>;
  readonly newRedemption: boolean;
}

export interface CreditRun {
  readonly tallies: ReadonlyMap<string, DiscountTally>;
  readonly rejections: readonly RejectedDiscount[];
  /** Balance left on each credit that was run, by id. */
  readonly remaining: ReadonlyMap<string, Money>;
}

/** The balance a credit starts this invoice with: the caller's recorded balance, else its initial amount. */
export function openingBalance(definition: CreditDiscount, context: DiscountContext): Money {
  return context.creditBalances[definition.id] ?? definition.amount;
}

const show = (m: Money) => `${toDecimalString(m)} ${m.currency}`;

/**
 * Consume credits after every other discount, lower priority first (then by id). A credit pays for
 * its eligible charge lines in proportion to what is left on them, never more than its balance and
 * never more than the invoice's net amount due, so a credit larger than the invoice keeps its rest.
 * Credit lines (negative) are never paid by a credit. Mutates `states`.
 */
export function applyCredits(
  states: readonly LineState[],
  credits: readonly EligibleCredit[],
  context: DiscountContext,
  currency: string,
): CreditRun {
  const tallies = new Map<string, DiscountTally>();
  const rejections: RejectedDiscount[] = [];
  const remaining = new Map<string, Money>();
  const ordered = [...credits].sort((a, b) =>
    a.definition.priority !== b.definition.priority
      ? a.definition.priority - b.definition.priority
      : a.definition.id < b.definition.id
        ? -1
        : 1,
  );
  for (const credit of ordered) {
    const { id } = credit.definition;
    const balance = openingBalance(credit.definition, context).amount;
    remaining.set(id, money(balance, currency));
    if (balance <= 0) {
      rejections.push({
        discountId: id,
        reason: 'balance_used_up',
        message: 'The credit has no balance left',
      });
      continue;
    }
    const members = states.filter(
      (s) => credit.lineIds.has(s.line.id) && s.line.kind !== 'proration_credit' && s.remaining > 0,
    );
    const wanted = members.reduce((acc, s) => acc + s.remaining, 0);
    const due = Math.max(
      0,
      states.reduce((acc, s) => acc + s.remaining, 0),
    );
    const consumable = Math.min(balance, wanted, due);
    if (consumable === 0) {
      rejections.push({
        discountId: id,
        reason: 'nothing_to_discount',
        message: 'Nothing is left to pay on the lines this credit may pay for',
      });
      continue;
    }
    const given = spread(
      consumable,
      members.map((s) => ({ weight: s.remaining, limit: s.remaining })),
      currency,
    );
    const tally = newTally();
    tallies.set(id, tally);
    members.forEach((state, index) => {
      const amount = given[index] as number;
      const short = balance < wanted;
      const requested = short ? state.remaining : amount;
      tally.amount += amount;
      tally.requested += requested;
      const limited = amount < requested;
      if (limited) tally.limits.add('balance');
      if (amount === 0) return;
      tally.touched = true;
      const base = state.remaining;
      state.remaining -= amount;
      state.applications.push({
        discountId: id,
        type: 'credit',
        amount: money(amount, currency),
        base: money(base, currency),
        requested: money(requested, currency),
        ...(limited ? { limitedBy: 'balance' as const } : {}),
        // Printing reads only the amount and the currency: no frozen Money is made for it.
        explanation: `${show({ amount, currency })} paid from a credit balance of ${show({ amount: balance, currency })}`,
      });
    });
    remaining.set(id, money(balance - consumable, currency));
  }
  return { tallies, rejections, remaining };
}
