import type { TaxCalculation } from './calculation.js';
import {
  calculateFromRateTable,
  calculateTaxLinesFromRateTable,
  type TaxLinesCalculation,
} from './engine.js';
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
  if (isTaxProvider(source)) return askProvider(source, resolved);
  return calculateFromRateTable(resolved, indexRateTable(source), 'rate_table');
}

/** A provider's calculation of a resolved request, with the request's rounding. */
function askProvider(
  source: TaxProvider,
  resolved: ReturnType<typeof resolvedTaxRequest>,
): TaxCalculation | Promise<TaxCalculation> {
  return source.calculateTax(resolved.request, {
    rounding: resolved.rounding,
    roundingMode: resolved.roundingMode,
  });
}

/**
 * {@link calculateParsedTax} for a caller that reads only each line's breakdown (billing-core totals
 * the invoice itself): with a rate table the same lines, without the calculation's totals; a provider
 * is asked as {@link calculateParsedTax} asks it and its whole calculation returned.
 */
export function calculateParsedTaxLines(
  request: TaxRequest,
  source: RateTable | TaxProvider,
  options: TaxCalculationOptions = {},
): TaxLinesCalculation | TaxCalculation | Promise<TaxCalculation> {
  const resolved = resolvedTaxRequest(request, options);
  if (isTaxProvider(source)) return askProvider(source, resolved);
  return calculateTaxLinesFromRateTable(resolved, indexRateTable(source), 'rate_table');
}

/**
 * The customer of a tax request, validated as {@link calculateTax} validates it (the same
 * `TAX_INVALID_REQUEST`, naming `customer.…`): for a caller that builds the rest of the request from
 * input it validated itself, and then calls {@link calculateParsedTax}.
 */
export function parseTaxCustomer(customer: unknown): TaxCustomer {
  // A customer zod would accept and return unchanged is taken as it is (see isParsedTaxCustomer).
  if (isParsedTaxCustomer(customer)) return customer;
  return parseInput(taxCustomerSchema, customer, 'tax request', 'TAX_INVALID_REQUEST', ['customer']);
}

type Plain = Record<string, unknown>;

/** A plain object (no symbol keys) whose own enumerable keys are all in `allowed`, none `undefined`. */
function shaped(value: unknown, allowed: readonly string[]): value is Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || !allowed.includes(key) || (value as Plain)[key] === undefined)
      return false;
  }
  return true;
}

const text = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'string' && value.length >= min && value.length <= max;
const optionalText = (value: unknown, max: number): boolean => value === undefined || text(value, 1, max);

/** Every element a string of `min`…`max` characters (an index loop: a hole fails, as in zod). */
function texts(value: unknown, min: number, max: number): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i += 1) if (!text(value[i], min, max)) return false;
  return true;
}

const LOCATION_KEYS = ['country', 'region', 'postalCode', 'county', 'city', 'districts'];
const CUSTOMER_KEYS = ['location', 'exemption'];
const EXEMPT_KEYS = ['type', 'certificateId', 'jurisdictionIds'];
const REVERSE_CHARGE_KEYS = ['type', 'certificateId'];
const COUNTRY = /^[A-Za-z]{2}$/;

/**
 * True only when `taxCustomerSchema` accepts `value` and would return a copy equal to it: plain
 * objects with known keys and no `undefined` values, every string within the schema's bounds. Any
 * other input answers `false` and goes through zod, with its errors. test/customer-check.test.ts
 * checks this against zod over generated customers.
 */
export function isParsedTaxCustomer(value: unknown): value is TaxCustomer {
  if (!shaped(value, CUSTOMER_KEYS)) return false;
  const location = value.location;
  if (!shaped(location, LOCATION_KEYS)) return false;
  if (typeof location.country !== 'string' || !COUNTRY.test(location.country)) return false;
  if (
    !optionalText(location.region, 100) ||
    !optionalText(location.postalCode, 20) ||
    !optionalText(location.county, 100) ||
    !optionalText(location.city, 100) ||
    (location.districts !== undefined && !texts(location.districts, 1, 100))
  )
    return false;
  const exemption = value.exemption;
  if (exemption === undefined) return true;
  if (typeof exemption !== 'object' || exemption === null) return false;
  const type = (exemption as Plain).type;
  if (type === 'exempt') {
    if (!shaped(exemption, EXEMPT_KEYS) || !text(exemption.certificateId, 1, 200)) return false;
    const ids = exemption.jurisdictionIds;
    return ids === undefined || (Array.isArray(ids) && ids.length >= 1 && texts(ids, 1, Infinity));
  }
  return (
    type === 'reverse_charge' &&
    shaped(exemption, REVERSE_CHARGE_KEYS) &&
    text(exemption.certificateId, 1, 200)
  );
}
