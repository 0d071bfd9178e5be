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

/**
 * Throws `MONEY_INVALID_INPUT` naming `field` unless `value` has the shape of a Money (an object with a
 * number `amount` and a string `currency`): a cheap check at each public door, so a wrong-typed
 * argument is the caller's coded error, not a TypeError or a silent string concatenation.
 *
 * @example assertMoney(5, 'b') // throws MONEY_INVALID_INPUT: b must be a Money …
 */
export function assertMoney(value: unknown, field: string): asserts value is Money {
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Money).amount === 'number' &&
    typeof (value as Money).currency === 'string'
  )
    return;
  let got: string;
  try {
    got = JSON.stringify(value)?.slice(0, 60) ?? String(value);
  } catch {
    got = typeof value;
  }
  throw new MoneyError(
    'MONEY_INVALID_INPUT',
    `${field} must be a Money value { amount: integer minor units, currency: ISO-4217 code } (got ${got})`,
    { field },
  );
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
  assertMoney(first, 'first');
  for (const [i, other] of others.entries()) {
    assertMoney(other, `others[${i}]`);
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
  assertMoney(a, 'a');
  assertMoney(b, 'b');
  for (const [i, m] of more.entries()) assertMoney(m, `more[${i}]`);
  assertSameCurrency(a, b, ...more);
  let total = a.amount + b.amount;
  for (const m of more) total += m.amount;
  return checked(total, a.currency, 'add()');
}

/** a − b. Same currency only. */
export function subtract(a: Money, b: Money): Money {
  assertMoney(a, 'a');
  assertMoney(b, 'b');
  assertSameCurrency(a, b);
  return checked(a.amount - b.amount, a.currency, 'subtract()');
}

/** The sum of a list; `currency` names the result's currency when the list is empty. */
export function sum(values: readonly Money[], currency: string): Money {
  if (!Array.isArray(values)) {
    throw new MoneyError('MONEY_INVALID_INPUT', 'values must be an array of Money values', {
      field: 'values',
    });
  }
  let total = zero(currency);
  for (const [i, value] of values.entries()) {
    assertMoney(value, `values[${i}]`);
    total = add(total, value);
  }
  return total;
}

/** −m */
export function negate(m: Money): Money {
  assertMoney(m, 'm');
  return money(-m.amount, m.currency);
}

/** |m| */
export function absolute(m: Money): Money {
  assertMoney(m, 'm');
  return money(Math.abs(m.amount), m.currency);
}

/** −1, 0 or 1 as a is less than, equal to or greater than b. Same currency only. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertMoney(a, 'a');
  assertMoney(b, 'b');
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export const equals = (a: Money, b: Money): boolean => a.currency === b.currency && a.amount === b.amount;
export const lessThan = (a: Money, b: Money): boolean => compare(a, b) < 0;
export const lessThanOrEqual = (a: Money, b: Money): boolean => compare(a, b) <= 0;
export const greaterThan = (a: Money, b: Money): boolean => compare(a, b) > 0;
export const greaterThanOrEqual = (a: Money, b: Money): boolean => compare(a, b) >= 0;
const signOf = (m: Money): number => {
  assertMoney(m, 'm');
  return m.amount;
};
export const isZero = (m: Money): boolean => signOf(m) === 0;
export const isPositive = (m: Money): boolean => signOf(m) > 0;
export const isNegative = (m: Money): boolean => signOf(m) < 0;

/** The smaller of a and b. */
export function minimum(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

/** The larger of a and b. */
export function maximum(a: Money, b: Money): Money {
  return compare(a, b) >= 0 ? a : b;
}
