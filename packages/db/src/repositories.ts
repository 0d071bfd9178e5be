import { type EncryptionKeys, loadEncryptionKeys } from './encryption.js';
import { type AuditLogRepository, auditLogRepository } from './repositories/audit-log.js';
import {
  type BillingRunRepository,
  billingRunRepository,
  type SubscriptionChangeInput,
  type SubscriptionChangeResult,
  writeSubscriptionChange,
} from './repositories/billing-run.js';
import {
  type PriceRepository,
  type ProductRepository,
  priceRepository,
  productRepository,
} from './repositories/catalog.js';
import { type CreditNoteRepository, creditNoteRepository } from './repositories/credit-notes.js';
import {
  type CustomerBalanceRepository,
  customerBalanceRepository,
} from './repositories/customer-balance.js';
import { type CustomerRepository, customerRepository } from './repositories/customers.js';
import { type DiscountRepository, discountRepository } from './repositories/discounts.js';
import {
  type GatewayCredentialRepository,
  gatewayCredentialRepository,
} from './repositories/gateway-credentials.js';
import { type InvoiceRepository, invoiceRepository } from './repositories/invoices.js';
import {
  type ApiKeyRepository,
  apiKeyRepository,
  type IdempotencyRepository,
  idempotencyRepository,
  type PaymentRepository,
  paymentRepository,
  type WebhookEventRepository,
  webhookEventRepository,
} from './repositories/operations.js';
import { type SubscriptionRepository, subscriptionRepository } from './repositories/subscriptions.js';
import { type TaxRateRepository, taxRateRepository } from './repositories/tax-rates.js';
import { type TenantRepository, tenantRepository } from './repositories/tenants.js';
import type { Scope } from './scope.js';

/** Every repository, bound to one client (the database or a transaction). All take `tenantId` first. */
export interface Repositories {
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly customers: CustomerRepository;
  /** Each customer's balance ledger: entries that move `Customer.balance`, with the balance after each. */
  readonly customerBalance: CustomerBalanceRepository;
  readonly products: ProductRepository;
  readonly prices: PriceRepository;
  readonly taxRates: TaxRateRepository;
  readonly discounts: DiscountRepository;
  readonly subscriptions: SubscriptionRepository;
  readonly invoices: InvoiceRepository;
  readonly creditNotes: CreditNoteRepository;
  readonly payments: PaymentRepository;
  readonly webhookEvents: WebhookEventRepository;
  readonly idempotency: IdempotencyRepository;
  readonly auditLog: AuditLogRepository;
  readonly billingRun: BillingRunRepository;
  /** Per-tenant payment-gateway credentials, secrets encrypted at rest (`BILLKIT_ENCRYPTION_KEY`). */
  readonly gatewayCredentials: GatewayCredentialRepository;
  /**
   * Writes a subscription change in one transaction: new state (version-checked → `DB_VERSION_CONFLICT`),
   * the invoice with its proration lines, redemption counts and audit events; all or nothing.
   */
  recordSubscriptionChange(
    tenantId: string,
    change: SubscriptionChangeInput,
  ): Promise<SubscriptionChangeResult>;
  /** Recomputes the tenant's audit hash chain (same as `auditLog.verifyChain`). */
  verifyAuditChain(tenantId: string): ReturnType<AuditLogRepository['verifyChain']>;
}

export interface RepositoryOptions {
  /** The key ring for encrypted columns; default: read from the environment when first needed. */
  encryptionKeys?: EncryptionKeys | undefined;
}

export function createRepositories(scope: Scope, options: RepositoryOptions = {}): Repositories {
  const auditLog = auditLogRepository(scope);
  const { encryptionKeys } = options;
  return {
    tenants: tenantRepository(scope),
    apiKeys: apiKeyRepository(scope),
    customers: customerRepository(scope),
    customerBalance: customerBalanceRepository(scope),
    products: productRepository(scope),
    prices: priceRepository(scope),
    taxRates: taxRateRepository(scope),
    discounts: discountRepository(scope),
    subscriptions: subscriptionRepository(scope),
    invoices: invoiceRepository(scope),
    creditNotes: creditNoteRepository(scope),
    payments: paymentRepository(scope),
    webhookEvents: webhookEventRepository(scope),
    idempotency: idempotencyRepository(scope),
    auditLog,
    billingRun: billingRunRepository(scope),
    gatewayCredentials: gatewayCredentialRepository(scope, () => encryptionKeys ?? loadEncryptionKeys()),
    recordSubscriptionChange: (tenantId, change) => writeSubscriptionChange(scope, tenantId, change),
    verifyAuditChain: (tenantId) => auditLog.verifyChain(tenantId),
  };
}
