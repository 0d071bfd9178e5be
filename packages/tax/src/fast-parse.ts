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

// The shapes checked, and the keys each may have (a switch: cheaper per key than a Set lookup).
const MONEY = 0;
const LINE = 1;
const LOCATION = 2;
const CUSTOMER = 3;
const REQUEST = 4;
const OPTIONS = 5;

function isKeyOf(shape: number, key: string): boolean {
  switch (shape) {
    case MONEY:
      return key === 'amount' || key === 'currency';
    case LINE:
      return key === 'id' || key === 'amount' || key === 'taxCategory' || key === 'taxBehavior';
    case LOCATION:
      switch (key) {
        case 'country':
        case 'region':
        case 'postalCode':
        case 'county':
        case 'city':
        case 'districts':
          return true;
        default:
          return false;
      }
    case CUSTOMER:
      return key === 'location';
    case REQUEST:
      return key === 'currency' || key === 'taxDate' || key === 'customer' || key === 'lines';
    case OPTIONS:
      return key === 'rounding' || key === 'roundingMode';
    default:
      return false;
  }
}

/**
 * The number of keys of a plain object whose keys are all keys of `shape`, or −1 for anything else.
 * A check then reads its fields by name and compares how many are defined with this count: a key set
 * to `undefined` makes them differ, so it is declined too. Keys are walked with for…in (no key array
 * is made): on a plain object it lists the own enumerable string keys, as Object.keys does — and any
 * enumerable key inherited from a tampered Object.prototype, which only makes the check stricter.
 */
function keyCount(value: unknown, shape: number): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return -1;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return -1;
  let count = 0;
  for (const key in value) {
    if (!isKeyOf(shape, key)) return -1;
    count += 1;
  }
  return count;
}

/** 1 for a defined value, 0 for `undefined`. */
const defined = (value: unknown): number => (value === undefined ? 0 : 1);

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

function isMoney(value: unknown): boolean {
  if (keyCount(value, MONEY) !== 2) return false;
  const { amount, currency } = value as Plain;
  return typeof amount === 'number' && Number.isSafeInteger(amount) && isCurrency(currency);
}

function isLine(value: unknown): boolean {
  const count = keyCount(value, LINE);
  if (count < 0) return false;
  const { id, amount, taxCategory, taxBehavior } = value as Plain;
  return (
    count === 3 + defined(taxBehavior) &&
    text(id, 1, 200) &&
    isMoney(amount) &&
    text(taxCategory, 1, 100) &&
    (taxBehavior === undefined || taxBehavior === 'exclusive' || taxBehavior === 'inclusive')
  );
}

const COUNTRY = /^[A-Za-z]{2}$/;
function isLocation(value: unknown): boolean {
  const count = keyCount(value, LOCATION);
  if (count < 0) return false;
  const { country, region, postalCode, county, city, districts } = value as Plain;
  return (
    count ===
      1 + defined(region) + defined(postalCode) + defined(county) + defined(city) + defined(districts) &&
    typeof country === 'string' &&
    COUNTRY.test(country) &&
    optionalText(region, 1, 100) &&
    optionalText(postalCode, 1, 20) &&
    optionalText(county, 1, 100) &&
    optionalText(city, 1, 100) &&
    (districts === undefined || allOf(districts, (d) => text(d, 1, 100)))
  );
}

/** True when `taxRequestSchema` would accept `value` and return it unchanged. */
export function isParsedTaxRequest(value: unknown): value is TaxRequest {
  if (keyCount(value, REQUEST) !== 4) return false;
  const { currency, taxDate, customer, lines } = value as Plain;
  return (
    isCurrency(currency) &&
    typeof taxDate === 'string' &&
    parseInstant(taxDate) !== undefined &&
    keyCount(customer, CUSTOMER) === 1 &&
    isLocation((customer as Plain).location) &&
    allOf(lines, isLine)
  );
}

/** True when `taxCalculationOptionsSchema` would accept `value` and return it unchanged. */
export function isParsedTaxOptions(
  value: unknown,
): value is { rounding?: 'line' | 'invoice'; roundingMode?: (typeof ROUNDING_MODES)[number] } {
  const count = keyCount(value, OPTIONS);
  if (count < 0) return false;
  const { rounding, roundingMode } = value as Plain;
  return (
    count === defined(rounding) + defined(roundingMode) &&
    (rounding === undefined || rounding === 'line' || rounding === 'invoice') &&
    (roundingMode === undefined ||
      (typeof roundingMode === 'string' && (ROUNDING_MODES as readonly string[]).includes(roundingMode)))
  );
}
