import { type Money, money } from '@billkit/money';
import type { RateTable, TaxLine, TaxLocation, TaxRequest } from '../src/index.js';

export const CHICAGO: TaxLocation = {
  country: 'US',
  region: 'IL',
  county: 'Cook',
  city: 'Chicago',
  postalCode: '60601',
};
export const LOS_ANGELES: TaxLocation = {
  country: 'US',
  region: 'CA',
  county: 'Los Angeles',
  city: 'Los Angeles',
};
export const AUSTIN: TaxLocation = { country: 'US', region: 'TX', county: 'Travis', city: 'Austin' };
export const PORTLAND_OR: TaxLocation = { country: 'US', region: 'OR', city: 'Portland' };
export const SEATTLE: TaxLocation = { country: 'US', region: 'WA', city: 'Seattle' };
export const BERLIN: TaxLocation = { country: 'DE', city: 'Berlin' };
export const LONDON: TaxLocation = { country: 'GB', city: 'London' };
export const PARIS: TaxLocation = { country: 'FR', city: 'Paris' };
export const MONTREAL: TaxLocation = { country: 'CA', region: 'QC', city: 'Montréal' };
export const TOKYO: TaxLocation = { country: 'JP', city: 'Tokyo' };

/** A line; `amount` in minor units of `currency`. */
export function line(
  id: string,
  amount: number,
  currency = 'USD',
  extra: Partial<Omit<TaxLine, 'id' | 'amount'>> = {},
): TaxLine {
  return { id, amount: money(amount, currency), taxCategory: 'general', ...extra };
}

export function request(
  location: TaxLocation,
  lines: TaxLine[],
  extra: Partial<TaxRequest> = {},
): TaxRequest {
  const currency = lines[0]?.amount.currency ?? 'USD';
  return { currency, taxDate: '2025-06-01', customer: { location }, lines, ...extra };
}

export const amountOf = (m: Money): number => m.amount;

/**
 * A one-country table with one rate for hand-checked arithmetic: 'XA' (sales, 6.25 %), with a
 * second jurisdiction level for stacking tests, a reduced category and an exempt category.
 */
export function singleRateTable(rate: string, options: { compound?: { rate: string } } = {}): RateTable {
  return {
    taxCategories: [{ id: 'general' }, { id: 'reduced_goods' }, { id: 'exempt', treatment: 'exempt' }],
    jurisdictions: [
      { id: 'XA', name: 'Testland', level: 'country', country: 'XA' },
      ...(options.compound
        ? [{ id: 'XA-P', name: 'Province', level: 'state' as const, parentId: 'XA', match: { region: 'P' } }]
        : []),
    ],
    rates: [
      {
        jurisdictionId: 'XA',
        taxType: 'sales',
        rate,
        validFrom: '2000-01-01',
        categories: { reduced_goods: { treatment: 'reduced', rate: '0.05' } },
      },
      ...(options.compound
        ? [
            {
              jurisdictionId: 'XA-P',
              taxType: 'pst' as const,
              rate: options.compound.rate,
              validFrom: '2000-01-01',
              compound: true,
            },
          ]
        : []),
    ],
  };
}

export const TESTLAND: TaxLocation = { country: 'XA', region: 'P' };
