import type { Deps } from './context.js';

/** Subscriptions: create, preview a change, change, cancel, pause, resume, attach a discount. */
export function subscriptionOperations(_deps: Deps) {
  return {};
}
