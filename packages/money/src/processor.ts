import { getCurrency } from './currencies.js';
import { toDecimal } from './decimal.js';
import { assertMoney, type Money, money } from './money.js';
import { type RoundingMode, roundToMinorUnits } from './rounding.js';

/**
 * What a payment processor accepts, kept apart from ISO-4217: a processor may support fewer
 * currencies, or require amounts in some currencies to be a multiple of N minor units (several
 * processors take three-decimal currencies only in multiples of 10 fils).
 */
export interface ProcessorConstraints {
  readonly name: string;
  /** Upper-case ISO codes the processor charges in; omitted = every ISO currency. */
  readonly currencies?: readonly string[];
  /** Per currency, the multiple of minor units a charge amount must be (e.g. `{ KWD: 10 }`). */
  readonly minorUnitMultiple?: Readonly<Record<string, number>>;
  /** Smallest positive charge per currency in minor units (e.g. `{ USD: 50 }`). */
  readonly minimumAmount?: Readonly<Record<string, number>>;
}

/** Tilled's documented currencies (shared/tilled.md); it states no multiple-of rule. */
export const TILLED_CONSTRAINTS: ProcessorConstraints = Object.freeze({
  name: 'tilled',
  currencies: ['AUD', 'CAD', 'DKK', 'EUR', 'HKD', 'JPY', 'NZD', 'NOK', 'GBP', 'ZAR', 'SEK', 'CHF', 'USD'],
});

export type ChargeabilityProblem =
  | 'unsupported_currency'
  | 'not_a_multiple'
  | 'below_minimum'
  | 'not_positive';

/** Whether an amount can be charged as is, and if not why, and what amount could be. */
export type Chargeability =
  | { readonly chargeable: true }
  | { readonly chargeable: false; readonly problem: ChargeabilityProblem; readonly suggestion?: Money };

/**
 * Can `m` be charged by the processor as is? When it cannot only because of a multiple-of rule,
 * `suggestion` is the amount rounded to the nearest accepted multiple (half-up).
 *
 * @example checkChargeable(money(12345, 'KWD'), { name: 'x', minorUnitMultiple: { KWD: 10 } })
 * // { chargeable: false, problem: 'not_a_multiple', suggestion: 12350 fils }
 */
export function checkChargeable(m: Money, constraints: ProcessorConstraints): Chargeability {
  assertMoney(m, 'm');
  getCurrency(m.currency);
  if (constraints.currencies && !constraints.currencies.includes(m.currency)) {
    return { chargeable: false, problem: 'unsupported_currency' };
  }
  if (m.amount <= 0) return { chargeable: false, problem: 'not_positive' };
  const minimum = constraints.minimumAmount?.[m.currency];
  if (minimum !== undefined && m.amount < minimum) return { chargeable: false, problem: 'below_minimum' };
  const multiple = constraints.minorUnitMultiple?.[m.currency];
  if (multiple !== undefined && multiple > 1 && m.amount % multiple !== 0) {
    return {
      chargeable: false,
      problem: 'not_a_multiple',
      suggestion: roundForProcessor(m, constraints, 'half_up'),
    };
  }
  return { chargeable: true };
}

/**
 * Round an amount to what the processor accepts (a multiple of its minor-unit step for that
 * currency) with an explicit mode. Amounts already acceptable come back unchanged.
 */
export function roundForProcessor(m: Money, constraints: ProcessorConstraints, mode: RoundingMode): Money {
  assertMoney(m, 'm');
  const multiple = constraints.minorUnitMultiple?.[m.currency] ?? 1;
  if (multiple <= 1) return m;
  const steps = roundToMinorUnits(toDecimal(m.amount).div(multiple), mode);
  return money(steps * multiple, m.currency);
}
