import { MoneyError } from './errors.js';

/** An ISO-4217 currency: its alphabetic code and its exponent (number of minor-unit digits). */
export interface Currency {
  readonly code: string;
  readonly exponent: number;
}

// ISO 4217 list one (active codes with a minor unit), as published by SIX, amendment of 2025.
// Codes whose minor unit is "N.A." (precious metals, XDR, test codes) are not money billkit can bill.
// Grouped by exponent; everything not listed under 0, 3 or 4 has 2.
const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_4 = 'CLF UYW';
const EXPONENT_2 =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
  'CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
  'GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR ' +
  'LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD ' +
  'PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC ' +
  'SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const table = new Map<string, Currency>();
for (const [list, exponent] of [
  [EXPONENT_0, 0],
  [EXPONENT_2, 2],
  [EXPONENT_3, 3],
  [EXPONENT_4, 4],
] as const) {
  for (const code of list.split(' ')) table.set(code, Object.freeze({ code, exponent }));
}

/** Every currency billkit knows, keyed by code. */
export const currencies: ReadonlyMap<string, Currency> = table;

/** True when `code` is an active ISO-4217 code with a minor unit (upper case, e.g. `USD`). */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && table.has(code);
}

/**
 * The currency for an ISO-4217 code. Throws `MONEY_UNKNOWN_CURRENCY` for anything else,
 * including lower-case codes: normalise at the edge, not here.
 *
 * @example getCurrency('KWD') // { code: 'KWD', exponent: 3 }
 */
export function getCurrency(code: string): Currency {
  const currency = table.get(code);
  if (!currency) {
    throw new MoneyError(
      'MONEY_UNKNOWN_CURRENCY',
      `Unknown ISO-4217 currency code: ${JSON.stringify(code)}`,
      {
        currency: code,
      },
    );
  }
  return currency;
}
