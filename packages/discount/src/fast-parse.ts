import { isCurrencyCode, ROUNDING_MODES } from '@billkit/money';
import { instantSchema, percentSchema } from './discount-definition.js';
import type { DiscountOptions, DiscountRequest } from './discount-request.js';

/*
 * A fast structural check in front of `discountRequestSchema` / `discountOptionsSchema`. Zod
 * validation was the largest single cost of a discount run inside billing-core, which passes lines
 * it built and definitions it had already parsed. The checks answer `true` only for input that zod
 * accepts AND would return unchanged: plain objects without unknown keys (zod strips or rejects
 * them), no key set to `undefined`, every default already filled in (`quantity`, `kind`, the
 * context's records, `priority`, `stacking`, `duration`, …). Only percentage, fixed-amount and credit
 * definitions without `appliesTo` are recognised; every other shape — and every invalid input —
 * answers `false` and goes through zod as before, with the same errors.
 * test/fast-parse.test.ts checks both paths agree on every fixture.
 */

type Plain = Record<string, unknown>;

function plainObject(value: unknown): value is Plain {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A plain object whose own keys are all in `allowed`, none `undefined`, and all of `required` present.
 * Keys are walked with for…in, where V8 reads `value[key]` from the enumeration cache (no key array, no
 * generic lookup by a computed key): on a plain object it lists the own enumerable string keys, as
 * Object.keys does — and any enumerable key inherited from a tampered Object.prototype, which only
 * makes the check stricter.
 */
function shaped(
  value: unknown,
  allowed: ReadonlySet<string>,
  required: readonly string[] = [],
): value is Plain {
  if (!plainObject(value)) return false;
  for (const key in value) if (!allowed.has(key) || value[key] === undefined) return false;
  for (const key of required) if (!(key in value)) return false;
  return true;
}

/** A plain record (string keys only, no `__proto__`) whose every value passes `check`. */
function record(value: unknown, check: (v: unknown) => boolean): boolean {
  if (!plainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return false;
  for (const key in value) if (key === '__proto__' || !check(value[key])) return false;
  return true;
}

/** Every element passes (an index loop, so a hole in a sparse array fails as it does in zod). */
function allOf(value: unknown, check: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i += 1) if (!check(value[i])) return false;
  return true;
}

// Validity of these strings is a pure function of the string: zod checks each distinct one once.
const MAX_CACHED = 4096;
function stringCache(check: (value: string) => boolean): (value: unknown) => boolean {
  const valid = new Set<string>();
  return (value) => {
    if (typeof value !== 'string') return false;
    if (valid.has(value)) return true;
    if (!check(value)) return false;
    if (valid.size >= MAX_CACHED) valid.clear();
    valid.add(value);
    return true;
  };
}
const isInstant = stringCache((value) => instantSchema.safeParse(value).success);
const isPercent = stringCache((value) => percentSchema.safeParse(value).success);

const isIdentifier = (value: unknown): boolean =>
  typeof value === 'string' && value.length >= 1 && value.length <= 200;
const isCount = (min: number) => (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
const optional = (value: unknown, check: (v: unknown) => boolean): boolean =>
  value === undefined || check(value);
const isCurrency = (value: unknown): boolean =>
  typeof value === 'string' && value.length === 3 && isCurrencyCode(value);

const MONEY_KEYS = new Set(['amount', 'currency']);
function isMoney(value: unknown): boolean {
  return (
    shaped(value, MONEY_KEYS) &&
    typeof value.amount === 'number' &&
    Number.isSafeInteger(value.amount) &&
    isCurrency(value.currency)
  );
}

const LINE_KEYS = new Set([
  'id',
  'amount',
  'quantity',
  'productId',
  'planId',
  'priceId',
  'category',
  'subscriptionId',
  'kind',
]);
const LINE_KINDS = ['charge', 'proration_charge', 'proration_credit'];
function isLine(value: unknown): boolean {
  return (
    shaped(value, LINE_KEYS, ['quantity', 'kind']) &&
    isIdentifier(value.id) &&
    isMoney(value.amount) &&
    isCount(0)(value.quantity) &&
    optional(value.productId, isIdentifier) &&
    optional(value.planId, isIdentifier) &&
    optional(value.priceId, isIdentifier) &&
    optional(value.category, isIdentifier) &&
    optional(value.subscriptionId, isIdentifier) &&
    LINE_KINDS.includes(value.kind as string)
  );
}

const COMMON_KEYS = [
  'id',
  'name',
  'startsAt',
  'expiresAt',
  'maxRedemptions',
  'maxRedemptionsPerCustomer',
  'minimumSubtotal',
  'firstInvoiceOnly',
  'priority',
  'type',
];
const STACKING_KEYS = ['stacking', 'additive', 'duration'];
const PERCENTAGE_KEYS = new Set([...COMMON_KEYS, ...STACKING_KEYS, 'percentOff']);
const FIXED_KEYS = new Set([...COMMON_KEYS, ...STACKING_KEYS, 'amountOff']);
const CREDIT_KEYS = new Set([...COMMON_KEYS, 'amount']);

function hasCommonFields(d: Plain): boolean {
  return (
    isIdentifier(d.id) &&
    optional(d.name, (n) => typeof n === 'string') &&
    optional(d.startsAt, isInstant) &&
    optional(d.expiresAt, isInstant) &&
    optional(d.maxRedemptions, isCount(1)) &&
    optional(d.maxRedemptionsPerCustomer, isCount(1)) &&
    optional(d.minimumSubtotal, isMoney) &&
    typeof d.firstInvoiceOnly === 'boolean' &&
    isCount(Number.MIN_SAFE_INTEGER)(d.priority)
  );
}

const ONCE_OR_FOREVER = new Set(['type']);
const REPEATING = new Set(['type', 'periods']);
function isDuration(value: unknown): boolean {
  if (!plainObject(value)) return false;
  if (value.type === 'once' || value.type === 'forever') return shaped(value, ONCE_OR_FOREVER);
  return value.type === 'repeating' && shaped(value, REPEATING) && isCount(1)(value.periods);
}

function hasStackingFields(d: Plain): boolean {
  return (
    (d.stacking === 'exclusive' || d.stacking === 'stackable') &&
    typeof d.additive === 'boolean' &&
    isDuration(d.duration)
  );
}

function isDefinition(value: unknown): boolean {
  if (!plainObject(value)) return false;
  switch (value.type) {
    case 'percentage':
      return (
        shaped(value, PERCENTAGE_KEYS) &&
        hasCommonFields(value) &&
        hasStackingFields(value) &&
        isPercent(value.percentOff)
      );
    case 'fixed_amount':
      return (
        shaped(value, FIXED_KEYS) &&
        hasCommonFields(value) &&
        hasStackingFields(value) &&
        isMoney(value.amountOff)
      );
    case 'credit':
      return shaped(value, CREDIT_KEYS) && hasCommonFields(value) && isMoney(value.amount);
    default:
      return false;
  }
}

const REDEMPTION_KEYS = new Set(['total', 'customer']);
const isRedemption = (value: unknown): boolean =>
  shaped(value, REDEMPTION_KEYS, ['total', 'customer']) &&
  isCount(0)(value.total) &&
  isCount(0)(value.customer);
const isPeriods = (value: unknown): boolean => isCount(0)(value) || record(value, isCount(0));

const CONTEXT_KEYS = new Set([
  'now',
  'customerId',
  'isFirstInvoice',
  'periodsBilled',
  'redemptions',
  'creditBalances',
]);
function isContext(value: unknown): boolean {
  return (
    shaped(value, CONTEXT_KEYS, ['isFirstInvoice', 'periodsBilled', 'redemptions', 'creditBalances']) &&
    isInstant(value.now) &&
    optional(value.customerId, isIdentifier) &&
    typeof value.isFirstInvoice === 'boolean' &&
    record(value.periodsBilled, isPeriods) &&
    record(value.redemptions, isRedemption) &&
    record(value.creditBalances, isMoney)
  );
}

const REQUEST_KEYS = new Set(['currency', 'lines', 'discounts', 'context']);

/** True when `discountRequestSchema` would accept `value` and return it unchanged. */
export function isParsedDiscountRequest(value: unknown): value is DiscountRequest {
  return (
    shaped(value, REQUEST_KEYS) &&
    isCurrency(value.currency) &&
    allOf(value.lines, isLine) &&
    allOf(value.discounts, isDefinition) &&
    isContext(value.context)
  );
}

const OPTION_KEYS = new Set(['rounding']);

/** True when `discountOptionsSchema` would accept `value` and return it unchanged (`maxTotalPercent` is left to zod). */
export function isParsedDiscountOptions(value: unknown): value is DiscountOptions {
  return (
    shaped(value, OPTION_KEYS, ['rounding']) &&
    typeof value.rounding === 'string' &&
    (ROUNDING_MODES as readonly string[]).includes(value.rounding)
  );
}
