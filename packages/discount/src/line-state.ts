import type { DiscountLine } from './discount-request.js';
import type { ApplicationLimit, DiscountApplication } from './discount-result.js';

/** The running state of one line while discounts are applied, in minor units. */
export interface LineState {
  readonly line: DiscountLine;
  /** What is left to pay on the line (same sign as the original, never crossing zero). */
  remaining: number;
  /** Taken off so far by percentage and amount discounts (not credits), signed like the line. */
  discounted: number;
  /** The most `|discounted|` may reach under `maxTotalPercent`, or undefined without a cap. */
  readonly capLimit: number | undefined;
  readonly applications: DiscountApplication[];
}

/** What one discount achieved across all lines in a run. */
export interface DiscountTally {
  amount: number;
  requested: number;
  touched: boolean;
  readonly limits: Set<ApplicationLimit>;
}

export function newTally(): DiscountTally {
  return { amount: 0, requested: 0, touched: false, limits: new Set() };
}
