import type { z } from 'zod';
import { ProrationError, type ProrationErrorCode } from './errors.js';
import { dateWithoutTime, dateWithoutTimeError, fieldName, valueAt } from './instant.js';

function codeFor(issue: z.core.$ZodIssue): ProrationErrorCode {
  const path = issue.path.map(String);
  if (path.includes('quantity') && issue.code === 'too_small') return 'PRORATION_NEGATIVE_QUANTITY';
  if (path.includes('interval') || path.includes('intervalCount')) return 'PRORATION_UNKNOWN_INTERVAL';
  if (path[path.length - 1] === 'timeZone') return 'PRORATION_INVALID_TIME_ZONE';
  return 'PRORATION_INVALID_REQUEST';
}

/**
 * Parses external input with its zod schema and turns a failure into a {@link ProrationError} whose
 * code names the broken precondition (negative quantity, unknown interval, a date without a time, …)
 * and whose `details.field` is the caller's path to the first offending value (`billed[0].quantity`).
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  root: readonly PropertyKey[] = [],
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const first = issues[0];
  const path = first === undefined ? root : [...root, ...first.path];
  const field = fieldName(path) || '(root)';
  const value = first === undefined ? undefined : valueAt(input, first.path);
  if (first !== undefined && dateWithoutTime(value)) throw dateWithoutTimeError(field, value, path);
  const specific = issues.map(codeFor).find((code) => code !== 'PRORATION_INVALID_REQUEST');
  const where = first === undefined ? '' : ` at ${field}: ${first.message}`;
  throw new ProrationError(specific ?? 'PRORATION_INVALID_REQUEST', `Invalid ${what}${where}`, {
    field,
    issues: issues.map((issue) => ({
      path: [...root, ...issue.path].map(String),
      message: issue.message,
      code: issue.code,
    })),
  });
}
