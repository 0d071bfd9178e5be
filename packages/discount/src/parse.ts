import type { z } from 'zod';
import { DiscountError } from './errors.js';

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

/**
 * Parse external input with a schema, turning zod's error into `DISCOUNT_INVALID_INPUT` whose
 * `details.field` is the caller's path to the first offending value (`root` prefixes it, e.g.
 * `['codes', 2]` for the third code of a list). An instant given as a date alone (`2025-03-01`) is
 * `DISCOUNT_DATE_WITHOUT_TIME`: it names a day, not an instant, and billkit never guesses its zone.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  root: readonly PropertyKey[] = [],
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: fieldName([...root, ...issue.path]),
    message: issue.message,
  }));
  const first = result.error.issues[0];
  const field = fieldName([...root, ...(first?.path ?? [])]) || '(root)';
  const value = first === undefined ? undefined : valueAt(input, first.path);
  if (typeof value === 'string' && DATE_ONLY.test(value)) {
    throw new DiscountError(
      'DISCOUNT_DATE_WITHOUT_TIME',
      `${field} is a date without a time (${JSON.stringify(value)}): pass an instant with a time and an offset, such as the customer's midnight ${value}T00:00:00-05:00`,
      { field, value, issues: [{ path: field, message: 'A date without a time names no instant' }] },
    );
  }
  throw new DiscountError(
    'DISCOUNT_INVALID_INPUT',
    `Invalid ${what}${first ? `: ${field}: ${first.message}` : ''}`,
    { field, issues },
  );
}
