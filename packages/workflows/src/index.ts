// The public door: createBilling, its option and input/output types, and the error class.

export type {
  CreateApiKeyInput,
  CreatedApiKey,
  ListApiKeysInput,
} from './api-keys.js';
export type { ListAuditEventsInput } from './audit.js';
export type {
  BalanceTransactionEntry,
  CreateBalanceTransactionInput,
  ListBalanceTransactionsInput,
} from './balance.js';
export { type Billing, createBilling } from './billing.js';
export type {
  CreateBillingRunInput,
  ListBillingRunsInput,
} from './billing-runs.js';
export { BILLING_RUN_INTERNAL_ERROR } from './billing-runs.js';
export type {
  CreatePriceInput,
  CreateProductInput,
  ListPricesInput,
  ListProductsInput,
  UpdatePriceInput,
  UpdateProductInput,
} from './catalog.js';
export type {
  AuditChange,
  BillingObserver,
  BillingOptions,
  DunningPolicy,
  GatewayResolver,
  OperationContext,
} from './context.js';
export type {
  CreateCustomerInput,
  ListCustomersInput,
  UpdateCustomerInput,
} from './customers.js';
export type {
  CreateDiscountInput,
  CreatePromotionCodeInput,
  ListDiscountsInput,
  ListPromotionCodesInput,
  PreviewDiscountsInput,
} from './discounts.js';
export type {
  DunningOutcome,
  DunningRunSummary,
  RunDunningInput,
} from './dunning.js';
export {
  isWorkflowError,
  WorkflowError,
  type WorkflowErrorCode,
  type WorkflowErrorDetails,
  type WorkflowErrorField,
} from './errors.js';
export type {
  GatewayAccountRoute,
  GatewayEventApplication,
  GatewayEventReceipt,
  GatewayEventRejection,
  GatewayEventReplaySummary,
  ReceiveGatewayEventInput,
  ReplayGatewayEventsInput,
} from './gateway-events.js';
export type {
  CreateCreditNoteInput,
  CreateInvoiceInput,
  FinalizeInvoiceInput,
  InvoicePaymentOutcome,
  ListCreditNotesInput,
  ListInvoicesInput,
  PayInvoiceInput,
  UpcomingInvoiceInput,
} from './invoices.js';
export type {
  AttachSubscriptionDiscountInput,
  CancelSubscriptionInput,
  ChangeSubscriptionInput,
  CreateSubscriptionInput,
  ListSubscriptionsInput,
  PreviewSubscriptionChangeInput,
  SubscriptionChangePreview,
  SubscriptionItemInput,
  SubscriptionTransitionResult,
} from './subscriptions.js';
export type {
  QuoteTaxInput,
  ReplaceTaxRateTableInput,
} from './tax-rates.js';
export {
  type StoredTilledCredentials,
  type TilledAccount,
  type TilledGateways,
  type TilledGatewaysOptions,
  tilledGateways,
} from './tilled-gateways.js';
export {
  createWorker,
  type Worker,
  type WorkerEvent,
  type WorkerOptions,
  type WorkerTotals,
} from './worker.js';
