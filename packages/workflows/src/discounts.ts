import type { Deps } from './context.js';

/** Discount definitions and promotion codes. */
export function discountOperations(_deps: Deps) {
  return {};
}
