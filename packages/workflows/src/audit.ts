import type { Deps } from './context.js';

/** The audit trail: list, verify. */
export function auditOperations(_deps: Deps) {
  return {};
}
