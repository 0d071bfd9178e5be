import type { Deps } from './context.js';

/** Dunning: retry failed payments on a schedule, then give up per policy. */
export function dunningOperations(_deps: Deps) {
  return {};
}
