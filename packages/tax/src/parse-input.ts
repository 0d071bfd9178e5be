import { z } from 'zod';
import { TaxError, type TaxErrorCode } from './errors.js';

/** A zod issue path as the caller writes it: `lines[0].amount`. */
function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const key of path) {
    if (typeof key === 'number') name += `[${key}]`;
    else name += name === '' ? String(key) : `.${String(key)}`;
  }
  return name;
}

/**
 * The {@link TaxError} for input `error` refused: `details.field` is the caller's path to the first
 * offending value (`root` prefixes it, e.g. `['location']`), `details.issues` zod's issues.
 */
export function invalidInput(
  error: z.ZodError,
  what: string,
  code: TaxErrorCode = 'TAX_INVALID_REQUEST',
  root: readonly PropertyKey[] = [],
): TaxError {
  const first = error.issues[0];
  const field = fieldName([...root, ...(first?.path ?? [])]) || '(root)';
  return new TaxError(code, `Invalid ${what} at ${field}: ${z.prettifyError(error)}`, {
    field,
    issues: error.issues.map((issue) => ({ ...issue, path: [...root, ...issue.path] })),
  });
}

/** Parse external input with `schema`, or throw {@link invalidInput}'s error. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: TaxErrorCode = 'TAX_INVALID_REQUEST',
  root: readonly PropertyKey[] = [],
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error, what, code, root);
  return parsed.data;
}
