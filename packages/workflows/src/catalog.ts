import type { Deps } from './context.js';

/** Products and prices. */
export function catalogOperations(_deps: Deps) {
  return {};
}
