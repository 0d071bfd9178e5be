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
 * fill in), so `prorate` can use the input as the parsed value. Anything else — including every
 * invalid input — answers `false` and goes through zod as before, with the same errors.
 * test/fast-parse.test.ts checks both paths agree on every fixture.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

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

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const optional = (value: unknown, check: (v: unknown) => boolean): boolean =>
  value === undefined || check(value);
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

const MONEY_KEYS = new Set(['amount', 'currency']);
/** `moneySchema`: strict `{ amount: safe integer, currency: known ISO code }`. */
function isMoney(value: unknown): boolean {
  return (
    plain(value, MONEY_KEYS) &&
    typeof value.amount === 'number' &&
    Number.isSafeInteger(value.amount) &&
    typeof value.currency === 'string' &&
    value.currency.length === 3 &&
    isCurrencyCode(value.currency)
  );
}

const isQuantity = (value: unknown): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_SAFE;

const SLICE_KEYS = new Set(['start', 'end']);
function isSlice(value: unknown): boolean {
  return plain(value, SLICE_KEYS) && isInstantString(value.start) && isInstantString(value.end);
}

const BILLED_KEYS = new Set([
  'configurationId',
  'kind',
  'priceId',
  'description',
  'quantity',
  'unitAmount',
  'amount',
  'slice',
]);
const isKind = oneOf(['charge', 'credit']);
function isBilledLine(value: unknown): boolean {
  return (
    plain(value, BILLED_KEYS) &&
    nonEmpty(value.configurationId) &&
    optional(value.kind, isKind) &&
    nonEmpty(value.priceId) &&
    optional(value.description, (d) => typeof d === 'string') &&
    isQuantity(value.quantity) &&
    isMoney(value.unitAmount) &&
    isMoney(value.amount) &&
    isSlice(value.slice)
  );
}

// `interval` (interval changes) is left to zod: it is rare and has its own error codes.
const TO_KEYS = new Set(['configurationId', 'priceId', 'description', 'unitAmount', 'quantity']);
function isNewConfiguration(value: unknown): boolean {
  return (
    plain(value, TO_KEYS) &&
    optional(value.configurationId, nonEmpty) &&
    nonEmpty(value.priceId) &&
    optional(value.description, (d) => typeof d === 'string') &&
    isMoney(value.unitAmount) &&
    isQuantity(value.quantity)
  );
}

const CHANGE_KEYS = new Set(['type', 'to', 'replaces', 'effective', 'prorationBehavior']);
const isChangeType = oneOf(CHANGE_TYPES);
const isBehavior = oneOf(PRORATION_BEHAVIORS);
// `{ at }` effective instants are left to zod.
const isEffectiveWord = oneOf(['immediately', 'period_end']);
function isChange(value: unknown): boolean {
  return (
    plain(value, CHANGE_KEYS) &&
    isChangeType(value.type) &&
    optional(value.to, isNewConfiguration) &&
    optional(value.replaces, (r) => allOf(r, nonEmpty)) &&
    optional(value.effective, isEffectiveWord) &&
    optional(value.prorationBehavior, isBehavior)
  );
}

const REQUEST_KEYS = new Set([
  'currency',
  'timeZone',
  'period',
  'prorationDate',
  'billed',
  'change',
  'trial',
]);

/** True when `prorationRequestSchema` would accept `value` and return it unchanged. */
export function isParsedProrationRequest(value: unknown): value is ProrationRequest {
  return (
    plain(value, REQUEST_KEYS) &&
    typeof value.currency === 'string' &&
    value.currency.length === 3 &&
    isCurrencyCode(value.currency) &&
    optional(value.timeZone, isKnownTimeZone) &&
    isSlice(value.period) &&
    isInstantString(value.prorationDate) &&
    allOf(value.billed, isBilledLine) &&
    isChange(value.change) &&
    optional(value.trial, (t) => typeof t === 'boolean')
  );
}

// `changePolicy` tables are left to zod.
const OPTION_KEYS = new Set([
  'precision',
  'dayBoundary',
  'roundingMode',
  'creditBasis',
  'prorationBehavior',
  'creditHandling',
]);
const isPrecision = oneOf(PRORATION_PRECISIONS);
const isDayBoundary = oneOf(DAY_BOUNDARIES);
const isRoundingMode = oneOf(ROUNDING_MODES);
const isCreditBasis = oneOf(['amount_charged', 'list_price']);
const isCreditHandling = oneOf(['invoice', 'credit_balance']);

/** True when `prorationOptionsSchema` would accept `value` and return it unchanged. */
export function isParsedProrationOptions(value: unknown): value is ProrationOptions {
  return (
    plain(value, OPTION_KEYS) &&
    optional(value.precision, isPrecision) &&
    optional(value.dayBoundary, isDayBoundary) &&
    optional(value.roundingMode, isRoundingMode) &&
    optional(value.creditBasis, isCreditBasis) &&
    optional(value.prorationBehavior, isBehavior) &&
    optional(value.creditHandling, isCreditHandling)
  );
}
