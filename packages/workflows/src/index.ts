export { type Billing, createBilling } from './billing.js';
export type {
  AuditChange,
  BillingObserver,
  BillingOptions,
  DunningPolicy,
  GatewayResolver,
  OperationContext,
} from './context.js';
export {
  isWorkflowError,
  WorkflowError,
  type WorkflowErrorCode,
  type WorkflowErrorDetails,
  type WorkflowErrorField,
} from './errors.js';
// Building blocks (also used by apps/api while its routes move onto the operations above).
export {
  billingFor,
  discountDefinition,
  environmentFor,
  forgetRateTable,
  listAll,
  loadCatalogFor,
  loadRateTable,
  loadVersionedRateTable,
  referencedPriceIds,
  toCoreCustomer,
} from './environment.js';
export { newId } from './ids.js';
export { discountStateFor, invoiceRecord, persistTransition, recordTransitionEvents } from './transition.js';
export * from './customers.js';
export * from './balance.js';
export * from './catalog.js';
export * from './tax-rates.js';
export * from './discounts.js';
export * from './subscriptions.js';
export * from './invoices.js';
export * from './gateway-events.js';
export * from './dunning.js';
export * from './billing-runs.js';
export * from './audit.js';
export * from './api-keys.js';
