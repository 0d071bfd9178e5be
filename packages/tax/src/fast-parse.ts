import { isCurrencyCode, ROUNDING_MODES } from '@billkit/money';
import { parseInstant } from './dates.js';
import type { TaxRequest } from './request.js';

/*
 * A fast structural check in front of `taxRequestSchema`. Zod validation was about a fifth of a
 * rate-table calculation, and billing-core sends requests it built itself. The check answers `true`
 * only for input the zod schema accepts AND would return unchanged (plain objects, no unknown keys —
 * every object of the schema is strict —, no keys set to `undefined`, no Date to copy), so the engine
 * can use the input as the parsed value. Anything else, including every invalid request, answers
 * `false` and is parsed by zod as before, with the same errors. Exemptions and Date tax dates are
 * always left to zod. test/fast-parse.test.ts checks both paths agree on every fixture.
 */

type Plain = Record<string, unknown>;

/** A plain object whose own keys are all in `allowed` and none of them is `undefined`. */
function plain(value: unknown, allowed: ReadonlySet<string>): value is Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    if (!allowed.has(key) || (value as Plain)[key] === undefined) return false;
  }
  return true;
}

/** Every element passes (an index loop, so a hole in a sparse array fails as it does in zod). */
function allOf(value: unknown, check: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i += 1) if (!check(value[i])) return false;
  return true;
}

const text = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'string' && value.length >= min && value.length <= max;
const optionalText = (value: unknown, min: number, max: number): boolean =>
  value === undefined || text(value, min, max);
const isCurrency = (value: unknown): boolean =>
  typeof value === 'string' && value.length === 3 && isCurrencyCode(value);

const MONEY_KEYS = new Set(['amount', 'currency']);
function isMoney(value: unknown): boolean {
  return (
    plain(value, MONEY_KEYS) &&
    typeof value.amount === 'number' &&
    Number.isSafeInteger(value.amount) &&
    isCurrency(value.currency)
  );
}

const LINE_KEYS = new Set(['id', 'amount', 'taxCategory', 'taxBehavior']);
function isLine(value: unknown): boolean {
  return (
    plain(value, LINE_KEYS) &&
    text(value.id, 1, 200) &&
    isMoney(value.amount) &&
    text(value.taxCategory, 1, 100) &&
    (value.taxBehavior === undefined ||
      value.taxBehavior === 'exclusive' ||
      value.taxBehavior === 'inclusive')
  );
}

const COUNTRY = /^[A-Za-z]{2}$/;
const LOCATION_KEYS = new Set(['country', 'region', 'postalCode', 'county', 'city', 'districts']);
function isLocation(value: unknown): boolean {
  return (
    plain(value, LOCATION_KEYS) &&
    typeof value.country === 'string' &&
    COUNTRY.test(value.country) &&
    optionalText(value.region, 1, 100) &&
    optionalText(value.postalCode, 1, 20) &&
    optionalText(value.county, 1, 100) &&
    optionalText(value.city, 1, 100) &&
    (value.districts === undefined || allOf(value.districts, (d) => text(d, 1, 100)))
  );
}

const CUSTOMER_KEYS = new Set(['location']);
const REQUEST_KEYS = new Set(['currency', 'taxDate', 'customer', 'lines']);

/** True when `taxRequestSchema` would accept `value` and return it unchanged. */
export function isParsedTaxRequest(value: unknown): value is TaxRequest {
  return (
    plain(value, REQUEST_KEYS) &&
    isCurrency(value.currency) &&
    typeof value.taxDate === 'string' &&
    parseInstant(value.taxDate) !== undefined &&
    plain(value.customer, CUSTOMER_KEYS) &&
    isLocation(value.customer.location) &&
    allOf(value.lines, isLine)
  );
}

const OPTION_KEYS = new Set(['rounding', 'roundingMode']);

/** True when `taxCalculationOptionsSchema` would accept `value` and return it unchanged. */
export function isParsedTaxOptions(
  value: unknown,
): value is { rounding?: 'line' | 'invoice'; roundingMode?: (typeof ROUNDING_MODES)[number] } {
  return (
    plain(value, OPTION_KEYS) &&
    (value.rounding === undefined || value.rounding === 'line' || value.rounding === 'invoice') &&
    (value.roundingMode === undefined ||
      (typeof value.roundingMode === 'string' &&
        (ROUNDING_MODES as readonly string[]).includes(value.roundingMode)))
  );
}
