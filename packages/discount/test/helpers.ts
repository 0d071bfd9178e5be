import { type Money, money } from '@billkit/money';
import type { DiscountLineInput, DiscountResult } from '../src/index.js';

export const NOW = '2025-03-15T12:00:00Z';

export const usd = (amount: number): Money => money(amount, 'USD');

/** A charge line of `amount` USD cents. */
export function line(id: string, amount: number, extra: Partial<DiscountLineInput> = {}): DiscountLineInput {
  return { id, amount: usd(amount), ...extra };
}

/** Discounted amount of each line by id. */
export function discountedById(result: DiscountResult): Record<string, number> {
  return Object.fromEntries(result.lines.map((l) => [l.id, l.discounted.amount]));
}

/** Discount taken off each line by id. */
export function discountById(result: DiscountResult): Record<string, number> {
  return Object.fromEntries(result.lines.map((l) => [l.id, l.discountTotal.amount]));
}

export function reasons(result: DiscountResult): Record<string, string> {
  return Object.fromEntries(result.rejected.map((r) => [r.discountId, r.reason]));
}

export function appliedIds(result: DiscountResult): string[] {
  return result.applied.map((a) => a.discountId);
}
