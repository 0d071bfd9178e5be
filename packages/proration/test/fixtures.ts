import type { Money } from '@billkit/money';
import type { BilledLine, ProrationItem } from '../src/index.js';

export const cash =
  (currency: string) =>
  (amount: number): Money => ({ amount, currency });
export const usd = cash('USD');

/** The original charge for a whole period: the line an invoice billed at the start of the period. */
export function periodCharge(
  period: { start: string; end: string },
  fields: {
    configurationId?: string;
    priceId?: string;
    unitAmount: Money;
    quantity?: number;
    amount?: Money;
  },
): BilledLine {
  const quantity = fields.quantity ?? 1;
  return {
    configurationId: fields.configurationId ?? 'si_original',
    priceId: fields.priceId ?? 'price_basic',
    description: 'Basic',
    quantity,
    unitAmount: fields.unitAmount,
    amount: fields.amount ?? {
      amount: fields.unitAmount.amount * quantity,
      currency: fields.unitAmount.currency,
    },
    slice: period,
  };
}

export const amounts = (items: readonly ProrationItem[]): number[] => items.map((item) => item.amount.amount);

export const JAN_2024 = { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' };
export const APR_2024 = { start: '2024-04-01T00:00:00Z', end: '2024-05-01T00:00:00Z' };
