import { isCurrencyCode, ROUNDING_MODES } from '@billkit/money';
import { CHANGE_TYPES, PRORATION_BEHAVIORS } from './change-policy.js';
import { isInstantString, isKnownTimeZone } from './instant.js';
import { DAY_BOUNDARIES, PRORATION_PRECISIONS } from './precision.js';
import type { ProrationOptions, ProrationRequest } from './request.js';

/*
 * Fast structural checks in front of the zod schemas of `prorate`. Zod validation was about a quarter
 * of a proration's run time, and billing-core calls `prorate` once per changed item with requests it
 * built itself. Each check answers `true` only for input that the zod schema accepts AND that zod would
 * return unchanged (plain objects, no unknown keys to strip, no keys set to `undefined`, no defaults to
 * fill in), so `prorate` can use the input as the parsed value — with one exception: a billed line may
 * be a ProrationItem passed back, whose extra fields zod strips and `prorate` never reads. Anything
 * else — including every invalid input — answers `false` and goes through zod as before, with the
 * same errors.
 * test/fast-parse.test.ts checks both paths agree on every fixture.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

type Plain = Record<string, unknown>;

// The shapes checked, and the keys each may have (a switch: cheaper per key than a Set lookup).
const MONEY = 0;
const SLICE = 1;
const BILLED = 2;
const TO = 3;
const CHANGE = 4;
const REQUEST = 5;
const OPTIONS = 6;

function isKeyOf(shape: number, key: string): boolean {
  switch (shape) {
    case MONEY:
      return key === 'amount' || key === 'currency';
    case SLICE:
      return key === 'start' || key === 'end';
    case BILLED:
      switch (key) {
        case 'configurationId':
        case 'kind':
        case 'priceId':
        case 'description':
        case 'quantity':
        case 'unitAmount':
        case 'amount':
        case 'slice':
        // A ProrationItem passed back (see isBilledLine).
        case 'basis':
        case 'fraction':
        case 'unroundedAmount':
          return true;
        default:
          return false;
      }
    case TO:
      return (
        key === 'configurationId' ||
        key === 'priceId' ||
        key === 'description' ||
        key === 'unitAmount' ||
        key === 'quantity'
      );
    case CHANGE:
      return (
        key === 'type' ||
        key === 'to' ||
        key === 'replaces' ||
        key === 'effective' ||
        key === 'prorationBehavior'
      );
    case REQUEST:
      switch (key) {
        case 'currency':
        case 'timeZone':
        case 'period':
        case 'prorationDate':
        case 'billed':
        case 'change':
        case 'trial':
          return true;
        default:
          return false;
      }
    case OPTIONS:
      switch (key) {
        case 'precision':
        case 'dayBoundary':
        case 'roundingMode':
        case 'creditBasis':
        case 'prorationBehavior':
        case 'creditHandling':
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

/**
 * The number of keys of a plain object whose keys are all keys of `shape`, or −1 for anything else.
 * A check then reads its fields by name (no lookup by a computed key) and compares how many of them
 * are defined with this count: a key set to `undefined` makes them differ, so it is declined too.
 * Keys are walked with for…in (no key array is made): on a plain object it lists the own enumerable
 * string keys, as Object.keys does — and any enumerable key inherited from a tampered
 * Object.prototype, which only makes the check stricter.
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

/** 1 for a defined value, 0 for `undefined`: summed to compare with {@link keyCount}. */
const defined = (value: unknown): number => (value === undefined ? 0 : 1);

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const oneOf =
  (values: readonly string[]) =>
  (value: unknown): boolean =>
    typeof value === 'string' && values.includes(value);

/** Every element passes (an index loop, so a hole in a sparse array fails as it does in zod). */
function allOf(value: unknown, check: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i += 1) if (!check(value[i])) return false;
  return true;
}

/** `moneySchema`: strict `{ amount: safe integer, currency: known ISO code }`. */
function isMoney(value: unknown): boolean {
  if (keyCount(value, MONEY) !== 2) return false;
  const { amount, currency } = value as Plain;
  return (
    typeof amount === 'number' &&
    Number.isSafeInteger(amount) &&
    typeof currency === 'string' &&
    currency.length === 3 &&
    isCurrencyCode(currency)
  );
}

const isQuantity = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_SAFE;

function isSlice(value: unknown): boolean {
  if (keyCount(value, SLICE) !== 2) return false;
  const { start, end } = value as Plain;
  return isInstantString(start) && isInstantString(end);
}

/**
 * A billed line may be a {@link ProrationItem} passed back unchanged, as the package documents: zod
 * strips the item's own fields (`basis`, `fraction`, `unroundedAmount`) without looking at them, and
 * `prorate` never reads them, so they are accepted here whatever they hold.
 */
function isBilledLine(value: unknown): boolean {
  const count = keyCount(value, BILLED);
  if (count < 0) return false;
  const line = value as Plain;
  const { kind, description } = line;
  return (
    count ===
      6 +
        defined(kind) +
        defined(description) +
        ('basis' in line ? 1 : 0) +
        ('fraction' in line ? 1 : 0) +
        ('unroundedAmount' in line ? 1 : 0) &&
    nonEmpty(line.configurationId) &&
    (kind === undefined || kind === 'charge' || kind === 'credit') &&
    nonEmpty(line.priceId) &&
    (description === undefined || typeof description === 'string') &&
    isQuantity(line.quantity) &&
    isMoney(line.unitAmount) &&
    isMoney(line.amount) &&
    isSlice(line.slice)
  );
}

// `interval` (interval changes) is left to zod: it is rare and has its own error codes.
function isNewConfiguration(value: unknown): boolean {
  const count = keyCount(value, TO);
  if (count < 0) return false;
  const { configurationId, description } = value as Plain;
  return (
    count === 3 + defined(configurationId) + defined(description) &&
    (configurationId === undefined || nonEmpty(configurationId)) &&
    nonEmpty((value as Plain).priceId) &&
    (description === undefined || typeof description === 'string') &&
    isMoney((value as Plain).unitAmount) &&
    isQuantity((value as Plain).quantity)
  );
}

const isChangeType = oneOf(CHANGE_TYPES);
const isBehavior = oneOf(PRORATION_BEHAVIORS);
function isChange(value: unknown): boolean {
  const count = keyCount(value, CHANGE);
  if (count < 0) return false;
  const { to, replaces, effective, prorationBehavior } = value as Plain;
  return (
    count === 1 + defined(to) + defined(replaces) + defined(effective) + defined(prorationBehavior) &&
    isChangeType((value as Plain).type) &&
    (to === undefined || isNewConfiguration(to)) &&
    (replaces === undefined || allOf(replaces, nonEmpty)) &&
    // `{ at }` effective instants are left to zod.
    (effective === undefined || effective === 'immediately' || effective === 'period_end') &&
    (prorationBehavior === undefined || isBehavior(prorationBehavior))
  );
}

/**
 * True when `prorationRequestSchema` would accept `value` and `prorate` reads the same from it as from
 * zod's copy (which equals it, but for the fields of ProrationItems passed back as billed lines).
 */
export function isParsedProrationRequest(value: unknown): value is ProrationRequest {
  const count = keyCount(value, REQUEST);
  if (count < 0) return false;
  const { currency, timeZone, trial } = value as Plain;
  return (
    count === 5 + defined(timeZone) + defined(trial) &&
    typeof currency === 'string' &&
    currency.length === 3 &&
    isCurrencyCode(currency) &&
    (timeZone === undefined || isKnownTimeZone(timeZone)) &&
    isSlice((value as Plain).period) &&
    isInstantString((value as Plain).prorationDate) &&
    allOf((value as Plain).billed, isBilledLine) &&
    isChange((value as Plain).change) &&
    (trial === undefined || typeof trial === 'boolean')
  );
}

// `changePolicy` tables are left to zod.
const isPrecision = oneOf(PRORATION_PRECISIONS);
const isDayBoundary = oneOf(DAY_BOUNDARIES);
const isRoundingMode = oneOf(ROUNDING_MODES);
const isCreditBasis = oneOf(['amount_charged', 'list_price']);
const isCreditHandling = oneOf(['invoice', 'credit_balance']);

/** True when `prorationOptionsSchema` would accept `value` and return it unchanged. */
export function isParsedProrationOptions(value: unknown): value is ProrationOptions {
  const count = keyCount(value, OPTIONS);
  if (count < 0) return false;
  const { precision, dayBoundary, roundingMode, creditBasis, prorationBehavior, creditHandling } =
    value as Plain;
  return (
    count ===
      defined(precision) +
        defined(dayBoundary) +
        defined(roundingMode) +
        defined(creditBasis) +
        defined(prorationBehavior) +
        defined(creditHandling) &&
    (precision === undefined || isPrecision(precision)) &&
    (dayBoundary === undefined || isDayBoundary(dayBoundary)) &&
    (roundingMode === undefined || isRoundingMode(roundingMode)) &&
    (creditBasis === undefined || isCreditBasis(creditBasis)) &&
    (prorationBehavior === undefined || isBehavior(prorationBehavior)) &&
    (creditHandling === undefined || isCreditHandling(creditHandling))
  );
}
