import type { Deps } from './context.js';

/** A customer's balance ledger (Stripe's customer balance transactions): list, adjust. */
export function balanceOperations(_deps: Deps) {
  return {};
}
