import type { BillingClient } from './client.js';
import { type EncryptionKeys, loadEncryptionKeys } from './encryption.js';
import { DbError, driverFailure, toDbError } from './errors.js';
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

/**
 * Every repository over `scope`. Each method's failures go through one mapping (`failureOf`): a caller never
 * sees a raw Prisma or driver error, only a {@link DbError}.
 */
export function createRepositories(scope: Scope, options: RepositoryOptions = {}): Repositories {
  const auditLog = auditLogRepository(scope);
  const { encryptionKeys } = options;
  const repositories: Repositories = {
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
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repositories)) {
    out[name] =
      typeof value === 'function'
        ? guardedMethod(scope, value as Method, undefined, name)
        : guardedRepository(scope, name, value as Record<string, unknown>);
  }
  return out as unknown as Repositories;
}

type Method = (...args: unknown[]) => unknown;

/** Methods whose first argument is not a tenant id (every other repository method takes `tenantId` first). */
const NOT_TENANT_FIRST = new Set([
  'tenants.create',
  'tenants.get',
  'tenants.list',
  'apiKeys.authenticate',
  'gatewayCredentials.findByAccountId',
  'gatewayCredentials.reencryptAll',
  'idempotency.purgeExpired',
]);

function guardedRepository(scope: Scope, name: string, repository: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(repository)) {
    out[key] =
      typeof value === 'function'
        ? guardedMethod(scope, value as Method, repository, `${name}.${key}`)
        : value;
  }
  return out;
}

/**
 * `method` with every failure it raises passed through {@link failureOf}: the one point where a driver or
 * Prisma error leaving `@billkit/db` becomes a {@link DbError}.
 */
function guardedMethod(scope: Scope, method: Method, self: unknown, name: string): Method {
  const tenantFirst = !NOT_TENANT_FIRST.has(name);
  return (...args) => {
    const tenantId = tenantFirst && typeof args[0] === 'string' ? args[0] : null;
    try {
      const result = method.apply(self, args);
      return result instanceof Promise
        ? result.catch(async (error: unknown) => {
            throw await failureOf(scope, tenantId, error);
          })
        : result;
    } catch (error) {
      // Synchronous: a billkit or caller error (goes up unchanged), as no driver call completes synchronously.
      throw toDbError(error, { final: true });
    }
  };
}

/**
 * The error a repository call fails with: billkit's own errors as they are, a driver or Prisma failure as
 * its {@link DbError} (`toDbError`, deadlocks and duplicates included; a write for a tenant that does not
 * exist: see {@link missingTenant}).
 */
async function failureOf(scope: Scope, tenantId: string | null, error: unknown): Promise<unknown> {
  if (driverFailure(error) === null) return error;
  return (
    (tenantId === null ? null : await missingTenant(scope.client, tenantId, error)) ??
    toDbError(error, { final: true })
  );
}

/**
 * `DB_NOT_FOUND` naming the tenant when `error` is a foreign-key failure of a write for `tenantId` and no such
 * tenant exists (SQLite does not say which key failed, so the tenant is looked up); null otherwise.
 * @internal
 */
export async function missingTenant(
  client: BillingClient,
  tenantId: string,
  error: unknown,
): Promise<DbError | null> {
  if (driverFailure(error)?.kind !== 'missing_reference') return null;
  const tenant = await client.tenant
    .findUnique({ where: { id: tenantId }, select: { id: true } })
    .catch(() => undefined);
  if (tenant !== null) return null;
  return new DbError(
    'DB_NOT_FOUND',
    `No tenant ${tenantId}: create it first (db.tenants.create, or store.addTenant)`,
    { entity: 'tenant', tenantId },
    { cause: error },
  );
}
