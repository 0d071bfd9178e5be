import type { TaxCalculation } from './calculation.js';
import { calculateFromRateTable } from './engine.js';
import { parseInput } from './parse-input.js';
import { isTaxProvider, type TaxProvider } from './provider.js';
import { indexRateTable, type RateTable } from './rate-table.js';
import {
  parseTaxRequest,
  resolvedTaxRequest,
  type TaxCalculationOptions,
  type TaxCustomer,
  type TaxRequest,
  taxCustomerSchema,
} from './request.js';

/**
 * Tax every line of `request` for the customer's location at `request.taxDate`, with one breakdown
 * entry per jurisdiction and tax type (a Chicago line shows the Illinois, Cook County, Chicago and
 * RTA taxes). Line amounts are taken as already discounted; a negative (credit) line gets negative
 * tax. Exclusive lines get tax added; inclusive lines get it extracted so that net + tax = gross
 * exactly. `options.rounding` is `line` (default: each line's tax rounded once) or `invoice` (each
 * jurisdiction's total rounded once and allocated back to lines); `options.roundingMode` defaults to
 * `half_up`. Given a rate table (validated and indexed on first use) the result is synchronous;
 * given a {@link TaxProvider} it is whatever the provider returns. Throws {@link TaxError}.
 *
 * @example
 * const calculation = calculateTax(
 *   {
 *     currency: 'USD',
 *     taxDate: '2025-06-01',
 *     customer: { location: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' } },
 *     lines: [{ id: 'line_1', amount: money(10000, 'USD'), taxCategory: 'general' }],
 *   },
 *   sampleRateTable,
 * );
 * calculation.taxTotal; // { amount: 1025, currency: 'USD' }: 6.25 % + 1.75 % + 1.25 % + 1 %
 */
export function calculateTax(
  request: TaxRequest,
  table: RateTable,
  options?: TaxCalculationOptions,
): TaxCalculation;
export function calculateTax<P extends TaxProvider>(
  request: TaxRequest,
  provider: P,
  options?: TaxCalculationOptions,
): ReturnType<P['calculateTax']>;
export function calculateTax(
  request: TaxRequest,
  source: RateTable | TaxProvider,
  options: TaxCalculationOptions = {},
): TaxCalculation | Promise<TaxCalculation> {
  if (isTaxProvider(source)) {
    const resolved = parseTaxRequest(request, options);
    // Providers receive the validated copy, so an adapter never sees malformed input.
    return source.calculateTax(resolved.request, {
      rounding: resolved.rounding,
      roundingMode: resolved.roundingMode,
    });
  }
  return calculateFromRateTable(parseTaxRequest(request, options), indexRateTable(source), 'rate_table');
}

/**
 * {@link calculateTax} for a request and options already parsed: billing-core's, built from input it
 * validated at its own public entry (from `@billkit/tax/internal`, not part of the public API).
 * Nothing is validated again; a provider receives the request as it is.
 */
export function calculateParsedTax(
  request: TaxRequest,
  source: RateTable | TaxProvider,
  options: TaxCalculationOptions = {},
): TaxCalculation | Promise<TaxCalculation> {
  const resolved = resolvedTaxRequest(request, options);
  if (isTaxProvider(source)) {
    return source.calculateTax(resolved.request, {
      rounding: resolved.rounding,
      roundingMode: resolved.roundingMode,
    });
  }
  return calculateFromRateTable(resolved, indexRateTable(source), 'rate_table');
}

/**
 * The customer of a tax request, validated as {@link calculateTax} validates it (the same
 * `TAX_INVALID_REQUEST`, naming `customer.…`): for a caller that builds the rest of the request from
 * input it validated itself, and then calls {@link calculateParsedTax}.
 */
export function parseTaxCustomer(customer: unknown): TaxCustomer {
  return parseInput(taxCustomerSchema, customer, 'tax request', 'TAX_INVALID_REQUEST', ['customer']);
}
