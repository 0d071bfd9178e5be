import { money } from '@billkit/money';
import { describe, expect, it, vi } from 'vitest';
import {
  calculateTax,
  isTaxError,
  RateTableTaxProvider,
  sampleRateTable,
  type TaxCalculation,
  type TaxProvider,
  type TaxRequest,
} from '../src/index.js';
import { CHICAGO, line, request } from './fixtures.js';

describe('TaxProvider', () => {
  it('gives the same calculation through RateTableTaxProvider as through the table', () => {
    const req = request(CHICAGO, [line('a', 1999), line('b', -500)]);
    const provider = new RateTableTaxProvider(sampleRateTable);
    const viaProvider = calculateTax(req, provider, { rounding: 'invoice' });
    expect(viaProvider).toEqual(calculateTax(req, sampleRateTable, { rounding: 'invoice' }));
    expect(viaProvider.provider).toBe('rate_table');
  });

  it('passes a host provider the validated request and resolved options, and returns its promise', async () => {
    const seen: { request?: TaxRequest; options?: unknown } = {};
    const external: TaxProvider = {
      id: 'external_service',
      async calculateTax(req, options) {
        seen.request = req;
        seen.options = options;
        const calculation = new RateTableTaxProvider(sampleRateTable).calculateTax(req, options);
        return { ...calculation, provider: this.id } satisfies TaxCalculation;
      },
    };
    const calculation = await calculateTax(request(CHICAGO, [line('a', 10_000)]), external);
    expect(calculation.provider).toBe('external_service');
    expect(calculation.taxTotal).toEqual(money(1025, 'USD'));
    expect(seen.options).toEqual({ rounding: 'line', roundingMode: 'half_up' });
    expect(seen.request?.lines[0]?.id).toBe('a');
  });

  it('rejects an invalid request before calling the provider', () => {
    const calculate = vi.fn();
    const external: TaxProvider = { id: 'x', calculateTax: calculate };
    expect(() => calculateTax({ ...request(CHICAGO, [line('a', 1)]), currency: 'XXX1' }, external)).toThrow(
      expect.objectContaining({ code: 'TAX_INVALID_REQUEST' }),
    );
    expect(calculate).not.toHaveBeenCalled();
  });

  it('validates the table when the provider is made', () => {
    try {
      new RateTableTaxProvider({ taxCategories: [], jurisdictions: [], rates: [] });
      expect.unreachable();
    } catch (error) {
      expect(isTaxError(error, 'TAX_INVALID_TABLE')).toBe(true);
    }
  });
});
