import { z } from 'zod';
import { isCurrencyCode } from './currencies.js';
import { ROUNDING_MODES } from './rounding.js';

/** An active ISO-4217 code, upper case. */
export const currencyCodeSchema = z
  .string()
  .length(3)
  .refine(isCurrencyCode, { message: 'Unknown ISO-4217 currency code' })
  .describe('ISO-4217 currency code, upper case (e.g. USD)');

/** Integer minor units within the safe-integer range. */
export const minorUnitsSchema = z
  .number()
  .int()
  .min(Number.MIN_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Amount in integer minor units of the currency (cents for USD)');

/** A Money value as plain JSON: `{ amount, currency }`. */
export const moneySchema = z
  .object({ amount: minorUnitsSchema, currency: currencyCodeSchema })
  .strict()
  .describe('Money as integer minor units of an ISO-4217 currency');

/** A decimal written as a string ("0.0825"), never a float. */
export const decimalStringSchema = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'Expected a decimal number written as a string, e.g. "0.0825"')
  .max(64);

export const roundingModeSchema = z.enum(ROUNDING_MODES as [string, ...string[]]);
