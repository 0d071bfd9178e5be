import { getCurrency, isCurrencyCode } from './currencies.js';
import { MoneyError } from './errors.js';

/**
 * An amount of money: an integer number of minor units (cents, yen, fils) of an ISO-4217 currency.
 * Plain, frozen data: safe to serialise, compare structurally and send over the wire.
 */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

function assertSafeInteger(amount: unknown, context: string): asserts amount is number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new MoneyError(
      'MONEY_NOT_SAFE_INTEGER',
      `${context}: amount must be a safe integer of minor units (got ${String(amount)})`,
      { amount },
    );
  }
}

/** The currency of the last Money made on the fast path (a known ISO code). */
let lastKnownCurrency = 'USD';

/**
 * Make a Money value from integer minor units. Rejects floats, unsafe integers and unknown
 * currencies with a typed {@link MoneyError}.
 *
 * @example money(1999, 'USD') // $19.99
 */
export function money(amount: number | bigint, currency: string): Money {
  // Fast path for the common case (a safe-integer number in a known currency): same checks, no bigint.
  // An engine makes dozens of amounts in one currency in a row: the last code found known is
  // remembered, so the table lookup is a string comparison.
  if (
    typeof amount === 'number' &&
    Number.isSafeInteger(amount) &&
    (currency === lastKnownCurrency || isCurrencyCode(currency))
  ) {
    lastKnownCurrency = currency;
    return Object.freeze({ amount: amount === 0 ? 0 : amount, currency });
  }
  getCurrency(currency);
  const value = typeof amount === 'bigint' ? Number(amount) : amount;
  if (typeof amount === 'bigint' && BigInt(value) !== amount) {
    throw new MoneyError('MONEY_NOT_SAFE_INTEGER', `Amount ${amount} exceeds the safe integer range`, {
      amount: amount.toString(),
    });
  }
  assertSafeInteger(value, 'money()');
  // -0 would print as "-$0.00" and compare oddly in tests; there is only one zero.
  return Object.freeze({ amount: value === 0 ? 0 : value, currency });
}

/** Zero in `currency`. */
export function zero(currency: string): Money {
  return money(0, currency);
}

/** Throws `MONEY_CURRENCY_MISMATCH` unless every value has the currency of the first. */
export function assertSameCurrency(first: Money, ...others: Money[]): void {
  for (const other of others) {
    if (other.currency !== first.currency) {
      throw new MoneyError(
        'MONEY_CURRENCY_MISMATCH',
        `Cannot combine ${first.currency} with ${other.currency}`,
        { currencies: [first.currency, other.currency] },
      );
    }
  }
}

function checked(result: number, currency: string, operation: string): Money {
  assertSafeInteger(result, operation);
  return money(result, currency);
}

/** a + b (+ more). Same currency only. */
export function add(a: Money, b: Money, ...more: Money[]): Money {
  assertSameCurrency(a, b, ...more);
  let total = a.amount + b.amount;
  for (const m of more) total += m.amount;
  return checked(total, a.currency, 'add()');
}

/** a − b. Same currency only. */
export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return checked(a.amount - b.amount, a.currency, 'subtract()');
}

/** The sum of a list; `currency` names the result's currency when the list is empty. */
export function sum(values: readonly Money[], currency: string): Money {
  let total = zero(currency);
  for (const value of values) total = add(total, value);
  return total;
}

/** −m */
export function negate(m: Money): Money {
  return money(-m.amount, m.currency);
}

/** |m| */
export function absolute(m: Money): Money {
  return money(Math.abs(m.amount), m.currency);
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. Same currency only. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export const equals = (a: Money, b: Money): boolean => a.currency === b.currency && a.amount === b.amount;
export const lessThan = (a: Money, b: Money): boolean => compare(a, b) < 0;
export const lessThanOrEqual = (a: Money, b: Money): boolean => compare(a, b) <= 0;
export const greaterThan = (a: Money, b: Money): boolean => compare(a, b) > 0;
export const greaterThanOrEqual = (a: Money, b: Money): boolean => compare(a, b) >= 0;
export const isZero = (m: Money): boolean => m.amount === 0;
export const isPositive = (m: Money): boolean => m.amount > 0;
export const isNegative = (m: Money): boolean => m.amount < 0;

/** The smaller of a and b. */
export function minimum(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

/** The larger of a and b. */
export function maximum(a: Money, b: Money): Money {
  return compare(a, b) >= 0 ? a : b;
}
