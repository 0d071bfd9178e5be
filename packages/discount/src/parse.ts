import type { z } from 'zod';
import { DiscountError } from './errors.js';

/** Parse external input with a schema, turning zod's error into `DISCOUNT_INVALID_INPUT`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const first = issues[0];
    throw new DiscountError(
      'DISCOUNT_INVALID_INPUT',
      `Invalid ${what}${first ? `: ${first.path || '(root)'}: ${first.message}` : ''}`,
      { issues },
    );
  }
  return result.data;
}
