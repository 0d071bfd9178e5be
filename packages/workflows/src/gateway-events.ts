import type { Deps } from './context.js';

/** Gateway events: apply a verified Tilled event; replay stored ones. */
export function gatewayEventOperations(_deps: Deps) {
  return {};
}
