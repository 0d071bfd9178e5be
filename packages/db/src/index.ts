export { canonicalJson, requestFingerprints } from './canonical-json.js';
export type { Provider } from './client.js';
export type { Metadata } from './codec.js';
export {
  type DatabaseTarget,
  DEFAULT_SQLITE_FILE,
  type PoolOptions,
  resolveDatabaseTarget,
} from './database-url.js';
export {
  createEncryptionKeys,
  DEFAULT_ENCRYPTION_KEY_ID,
  ENCRYPTION_ENV,
  type EncryptionKeyInput,
  EncryptionKeys,
  type EncryptionKeysOptions,
  loadEncryptionKeys,
} from './encryption.js';
export {
  DbError,
  type DbErrorCode,
  type DriverFailure,
  driverFailure,
  isDbError,
  toDbError,
  type UnavailableReason,
} from './errors.js';
export {
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
  type MigrationState,
  type MigrationStatus,
  migrate,
  migrationStatus,
  readMigrations,
} from './migrate.js';
export { type BillingDatabase, type OpenDatabaseOptions, openDatabase } from './open-database.js';
export {
  type AuditChainBreak,
  type AuditChainVerification,
  type AuditEvent,
  type AuditEventInput,
  type AuditEventLike,
  type AuditLogRepository,
  auditHash,
  auditHashForm,
  GENESIS_HASH,
  toAuditEventInput,
} from './repositories/audit-log.js';
export {
  BILLABLE_STATUSES,
  type BillingRunClaim,
  type BillingRunRepository,
  type ClaimOptions,
  type ClaimSettlement,
  DEFAULT_CLAIM_LEASE_MS,
  type RenewalFinalizer,
  type RenewalInput,
  type RenewalOptions,
  type RenewalResult,
  type SubscriptionChangeInput,
  type SubscriptionChangeResult,
} from './repositories/billing-run.js';
export type {
  Price,
  PriceRepository,
  PriceTier,
  Product,
  ProductRepository,
} from './repositories/catalog.js';
export {
  assertCreditNoteAddsUp,
  type CreditNote,
  type CreditNoteContext,
  type CreditNoteLine,
  type CreditNoteRepository,
} from './repositories/credit-notes.js';
export {
  CUSTOMER_BALANCE_TRANSACTION_TYPES,
  type CustomerBalanceRepository,
  type CustomerBalanceTransaction,
  type CustomerBalanceTransactionInput,
  type CustomerBalanceTransactionType,
} from './repositories/customer-balance.js';
export type { BillingAddress, Customer, CustomerRepository, ListOptions } from './repositories/customers.js';
export type {
  DiscountDefinitionRecord,
  DiscountRedemption,
  DiscountRepository,
  PromotionCode,
  RedeemInput,
} from './repositories/discounts.js';
export {
  GATEWAY_PROVIDERS,
  type GatewayCredential,
  type GatewayCredentialInput,
  type GatewayCredentialRepository,
  type GatewayProvider,
  type ReencryptResult,
} from './repositories/gateway-credentials.js';
export {
  assertInvoiceAddsUp,
  type BillingReason,
  type Invoice,
  type InvoiceLine,
  type InvoiceRepository,
  type InvoiceStatus,
} from './repositories/invoices.js';
export type {
  ApiKey,
  ApiKeyRepository,
  IdempotencyBegin,
  IdempotencyRecord,
  IdempotencyRepository,
  Payment,
  PaymentRepository,
  PaymentStatus,
  WebhookEvent,
  WebhookEventRepository,
} from './repositories/operations.js';
export { IDEMPOTENCY_LEASE_SECONDS } from './repositories/operations.js';
export type {
  PendingInvoiceItem,
  Subscription,
  SubscriptionDiscount,
  SubscriptionItem,
  SubscriptionRepository,
  SubscriptionStatus,
} from './repositories/subscriptions.js';
export type {
  JurisdictionLevel,
  TaxJurisdiction,
  TaxRate,
  TaxRateRepository,
} from './repositories/tax-rates.js';
export type { Tenant, TenantRepository } from './repositories/tenants.js';
export type { Repositories } from './repositories.js';
export { lockFailure, newId, newSortableId } from './scope.js';
export { Secret } from './secret.js';
export { type SeedSummary, seedDemoTenant } from './seed.js';
export * from './store/index.js';
