import type { Deps } from './context.js';

/** The tenant's API keys: create, list, revoke. */
export function apiKeyOperations(_deps: Deps) {
  return {};
}
