import type { Deps } from './context.js';

/** Invoices: upcoming preview, one-off, finalize, void, pay, mark uncollectible; credit notes. */
export function invoiceOperations(_deps: Deps) {
  return {};
}
