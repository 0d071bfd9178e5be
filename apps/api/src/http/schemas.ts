import { inputInstantSchema, isCountryCode, isInstantInRange } from '@billkit/billing-core';
import { isCurrencyCode } from '@billkit/money';
import { z } from 'zod';
import { problemSchema } from './problem.js';

/** ISO 8601 instant with offset (`2025-01-31T00:00:00Z`), from 1970 up to 2200 (billing-core's INSTANT_RANGE). */
export const instantSchema = inputInstantSchema.describe(
  'ISO 8601 instant with offset, from 1970-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z',
);
/** ISO 8601 calendar date (`2025-01-31`) in the same range. */
export const dateSchema = z.iso
  .date({ abort: true })
  .refine(isInstantInRange, 'must be from 1970-01-01 up to (not including) 2200-01-01');
export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'ISO 4217 code, upper case (USD)', abort: true })
  .refine(isCurrencyCode, 'Unknown ISO 4217 currency code')
  .describe('ISO 4217 currency code, upper case');
/** An assigned ISO 3166-1 alpha-2 code; `anyCase` also takes `us` (the tax engine's locations do). */
export const countrySchema = (anyCase = false) =>
  z
    .string()
    .regex(anyCase ? /^[A-Za-z]{2}$/ : /^[A-Z]{2}$/, {
      message: 'ISO 3166-1 alpha-2, upper case',
      abort: true,
    })
    .refine((c) => isCountryCode(c.toUpperCase()), 'Unknown ISO 3166-1 alpha-2 country code');
export const minorUnitsSchema = z.number().int().min(-9007199254740991).max(9007199254740991);
export const metadataSchema = z
  .record(z.string().max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'At most 50 metadata keys')
  .describe('Up to 50 string key/value pairs for your own use');

export const idParams = z.strictObject({ id: z.string().min(1).max(64) });

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().min(1).max(64).optional().describe('Cursor: the last id of the previous page'),
});

/** `?active=true|false`, and {@link flag} for the boolean the operations take. */
export const activeFilter = z.enum(['true', 'false']).optional();
export const flag = (value: 'true' | 'false' | undefined) =>
  value === undefined ? undefined : value === 'true';

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    object: z.literal('list'),
    data: z.array(item),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().describe('Pass as starting_after to get the next page'),
  });
}

export function page<T extends { id: string }, R>(
  items: { data: T[]; hasMore: boolean },
  present: (item: T) => R,
) {
  return {
    object: 'list' as const,
    data: items.data.map(present),
    has_more: items.hasMore,
    next_cursor: items.hasMore ? (items.data.at(-1)?.id ?? null) : null,
  };
}

/** The problem responses every authenticated route can give, for the OpenAPI document. */
export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  422: problemSchema,
  429: problemSchema,
} as const;

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .max(255)
    .optional()
    .describe('Retry-safe key: the same key and body replays the stored response'),
});
