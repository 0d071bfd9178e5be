import type { Deps } from './context.js';

/** The tenant's tax rate table (categories, treatments, jurisdictions, rates, sources). */
export function taxRateOperations(_deps: Deps) {
  return {};
}
