import { getCurrency } from './currencies.js';
import { toDecimal } from './decimal.js';
import { MoneyError } from './errors.js';
import { assertMoney, type Money, money } from './money.js';
import { type RoundingMode, roundToMinorUnits } from './rounding.js';

/**
 * The amount as a decimal string in major units with exactly the currency's exponent of places.
 *
 * @example toDecimalString(money(12345, 'KWD')) // '12.345'
 */
export function toDecimalString(m: Money): string {
  assertMoney(m, 'm');
  const { exponent } = getCurrency(m.currency);
  // Integer minor units print without big.js: shift the decimal point in the digit string.
  if (Number.isSafeInteger(m.amount)) {
    if (exponent === 0) return String(m.amount === 0 ? 0 : m.amount);
    const digits = String(Math.abs(m.amount)).padStart(exponent + 1, '0');
    const point = digits.length - exponent;
    return `${m.amount < 0 ? '-' : ''}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  return toDecimal(m.amount).div(`1e${exponent}`).toFixed(exponent);
}

/**
 * Parse a decimal string in major units ("12.345" KWD → 12345 fils) without ever making a float.
 * More places than the currency has are refused with `MONEY_PRECISION_LOSS` unless a rounding mode
 * is given.
 *
 * @example parseMoney('19.99', 'USD') // { amount: 1999, currency: 'USD' }
 */
export function parseMoney(text: string, currency: string, mode?: RoundingMode): Money {
  const { exponent } = getCurrency(currency);
  const minor = toDecimal(text).times(`1e${exponent}`);
  if (mode === undefined && !minor.round(0, 0).eq(minor)) {
    throw new MoneyError(
      'MONEY_PRECISION_LOSS',
      `${JSON.stringify(text)} has more than ${exponent} decimal places for ${currency}`,
      { value: text, currency },
    );
  }
  return money(roundToMinorUnits(minor, mode ?? 'half_up'), currency);
}

const formatters = new Map<string, Intl.NumberFormat>();

/**
 * Format for people with `Intl.NumberFormat` (currency style, the currency's exponent of places).
 * The number is passed to Intl as an exact decimal string, so no float is involved.
 *
 * @example formatMoney(money(123456, 'USD'), 'en-US') // '$1,234.56'
 */
export function formatMoney(m: Money, locale = 'en-US', options: Intl.NumberFormatOptions = {}): string {
  assertMoney(m, 'm');
  const { exponent } = getCurrency(m.currency);
  const custom = Object.keys(options).length > 0;
  const key = `${locale}|${m.currency}`;
  // Building an Intl.NumberFormat costs tens of microseconds (an invoice formats dozens of amounts);
  // formatters are immutable, so the default ones are kept per locale and currency.
  let format = custom ? undefined : formatters.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: m.currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
      ...options,
    });
    if (!custom) formatters.set(key, format);
  }
  // Intl.NumberFormat.prototype.format accepts decimal strings exactly (ES2023 NumberFormat v3).
  return format.format(toDecimalString(m) as unknown as number);
}
