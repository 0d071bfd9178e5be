import { apiKeyOperations } from './api-keys.js';
import { auditOperations } from './audit.js';
import { balanceOperations } from './balance.js';
import { billingRunOperations } from './billing-runs.js';
import { catalogOperations } from './catalog.js';
import { type BillingOptions, resolveDeps } from './context.js';
import { customerOperations } from './customers.js';
import { discountOperations } from './discounts.js';
import { dunningOperations } from './dunning.js';
import { gatewayEventOperations } from './gateway-events.js';
import { invoiceOperations } from './invoices.js';
import { subscriptionOperations } from './subscriptions.js';
import { taxRateOperations } from './tax-rates.js';

/**
 * billkit's workflows over one billing_db: every operation takes an {@link OperationContext} (tenant, actor,
 * optional idempotency key) and plain input, runs in one transaction with its audit events, and returns
 * plain data. Business rules come from @billkit/billing-core; this does I/O and orchestration only.
 *
 * @example
 * const db = await openStore({ url: 'file:./data/billing.db' });
 * const billing = createBilling({ db, gateways: (tenantId) => gatewayFor(tenantId) });
 * const customer = await billing.customers.create({ tenantId: 'acme' }, { currency: 'USD', address: { country: 'US' } });
 */
export function createBilling(options: BillingOptions) {
  const deps = resolveDeps(options);
  return {
    customers: customerOperations(deps),
    balance: balanceOperations(deps),
    catalog: catalogOperations(deps),
    taxRates: taxRateOperations(deps),
    discounts: discountOperations(deps),
    subscriptions: subscriptionOperations(deps),
    invoices: invoiceOperations(deps),
    gatewayEvents: gatewayEventOperations(deps),
    dunning: dunningOperations(deps),
    billingRuns: billingRunOperations(deps),
    audit: auditOperations(deps),
    apiKeys: apiKeyOperations(deps),
  };
}

/** What {@link createBilling} returns. */
export type Billing = ReturnType<typeof createBilling>;
