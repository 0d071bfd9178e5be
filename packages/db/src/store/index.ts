// The tenant-scoped record store: what @billkit/workflows reads and writes through (one transaction per
// operation, with its audit events, document numbers and idempotency claim).

export { generateApiKey, hashApiKey } from './api-key-secret.js';
export { type IdempotencyLease, keepIdempotencyLease } from './idempotency-lease.js';
export type {
  AuditQuery,
  AuditVerification,
  IdempotencyBegin as StoreIdempotencyBegin,
  IdempotencyClaim,
  ListQuery,
  Page,
  Store,
  StoredIdempotency,
  StoreErrorCode,
  TenantReader,
  TenantStore,
  TenantTransaction,
  TransactionOptions,
} from './port.js';
export { StoreError } from './port.js';
export {
  type ApiKeyRecord,
  type ApiKeySummary,
  type AuditEventInput as StoreAuditEventInput,
  type AuditEventRecord,
  type BillingRunRecord,
  type CreditNoteRecord,
  type CustomerBalanceTransactionRecord,
  type CustomerRecord,
  type DiscountRecord,
  type EntityKind,
  type EntityMap,
  ID_PREFIX,
  type InvoiceRecord,
  type PaymentAttemptRecord,
  type PaymentAttemptStatus,
  type PriceRecord,
  type ProductRecord,
  type PromotionCodeRecord,
  type Scope as ApiKeyScope,
  type SubscriptionRecord,
  type TaxTableRecord,
  type TenantRecord,
  type WebhookEventRecord,
} from './records.js';
export {
  type DbStore,
  type DbStoreOptions as StoreOptions,
  openDbStore as openStore,
} from './tenant-store.js';
