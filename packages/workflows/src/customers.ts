import type { Deps } from './context.js';

/** Customers: create, retrieve, list, update, delete. */
export function customerOperations(_deps: Deps) {
  return {};
}
