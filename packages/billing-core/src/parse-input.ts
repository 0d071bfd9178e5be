import { localMidnight } from '@billkit/proration';
import type { z } from 'zod';
import { BillingError } from './errors.js';
import { inputInstantSchema } from './schemas.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A zod issue path as the caller writes it: `discounts[0].percentOff`. */
function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const key of path) {
    if (typeof key === 'number') name += `[${key}]`;
    else name += name === '' ? String(key) : `.${String(key)}`;
  }
  return name;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The customer's midnight of `date` when its zone is known, else the same wall time at UTC−05:00. */
function midnightOf(date: string, timeZone: string | undefined): string {
  if (timeZone !== undefined) {
    try {
      return localMidnight(date, timeZone).replace('.000', '');
    } catch {
      // An impossible date or zone: the generic example below still shows the shape.
    }
  }
  return `${date}T00:00:00-05:00`;
}

/**
 * Parse what a caller passed with `schema`, or throw the caller's error: `BILLING_INVALID_INPUT` with
 * `details.field` the caller's path to the first offending value (`root` is where the value sits in the
 * caller's input, e.g. `['discounts']`) and `details.issues` every issue; an instant given as a date
 * alone is `BILLING_DATE_WITHOUT_TIME`, suggesting the instant at the customer's midnight.
 *
 * @example parseInput(discountDefinitionSchema, input.discount, ['discount']) // throws naming discount.percentOff
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  root: readonly PropertyKey[],
  timeZone?: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  const path = [...root, ...(first?.path ?? [])];
  const field = fieldName(path) || '(root)';
  const offending = first === undefined ? undefined : valueAt(value, first.path);
  if (typeof offending === 'string' && DATE_ONLY.test(offending)) {
    const instead = midnightOf(offending, timeZone);
    throw new BillingError(
      'BILLING_DATE_WITHOUT_TIME',
      `${field} is a date without a time (${JSON.stringify(offending)}): billkit needs an instant with a time and an offset, such as the customer's midnight ${instead}`,
      {
        field,
        value: offending,
        suggestion: instead,
        issues: [
          { path: path.map(String), message: `A date without a time names no instant; send ${instead}` },
        ],
      },
    );
  }
  throw new BillingError(
    'BILLING_INVALID_INPUT',
    `Invalid ${field}: ${first?.message ?? 'invalid input'}${typeof offending === 'string' ? ` (got ${JSON.stringify(offending.slice(0, 40))})` : ''}`,
    {
      field,
      issues: parsed.error.issues.map((issue) => ({
        path: [...root, ...issue.path].map(String),
        message: issue.message,
      })),
    },
  );
}

// Transitions read the same few instants again and again (period bounds, the change date): strings
// already accepted are remembered (a pure function of the string; refusals are not cached).
const MAX_ACCEPTED = 1024;
const accepted = new Set<string>();

/**
 * `value` when it is an ISO-8601 instant with a time and an offset inside {@link INSTANT_RANGE}; else
 * the caller's error naming `field` (a date alone: `BILLING_DATE_WITHOUT_TIME`).
 *
 * @example instantInput('2026-04-01', 'startAt', 'America/Chicago') // throws, suggesting 2026-04-01T00:00:00-05:00
 */
export function instantInput(value: unknown, field: string, timeZone?: string): string {
  if (typeof value === 'string' && accepted.has(value)) return value;
  const instant = parseInput(inputInstantSchema, value, [field], timeZone);
  if (accepted.size >= MAX_ACCEPTED) accepted.clear();
  accepted.add(instant);
  return instant;
}

/**
 * Refuses an instant a caller passed that is not an ISO-8601 instant with an offset inside
 * {@link INSTANT_RANGE}, with `BILLING_INVALID_INPUT` (or `BILLING_DATE_WITHOUT_TIME`) naming `field`
 * (the input's own key, e.g. `startAt`).
 *
 * @example assertInstantInRange('1000-01-01T00:00:00Z', 'startAt') // throws BILLING_INVALID_INPUT
 */
export function assertInstantInRange(iso: string, field: string): void {
  instantInput(iso, field);
}
