import type { Deps } from './context.js';

/** Billing runs: renew every subscription whose period has ended. */
export function billingRunOperations(_deps: Deps) {
  return {};
}
