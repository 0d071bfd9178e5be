import type { PaymentGateway } from '@billkit/billing-core';
import { TilledClient, TilledGateway } from '@billkit/tilled';
import type { PaymentGatewayResolver, WebhookRouting } from './routes/context.js';

/** One tenant's Tilled merchant account. */
export interface TenantTilledAccount {
  readonly tenantId: string;
  readonly secretKey: string;
  readonly accountId: string;
  readonly webhookSecrets: readonly string[];
}

/**
 * The gateway resolver and webhook routing for a set of tenants' Tilled accounts. `baseUrl` points at
 * the local fake in tests and the demo; otherwise `sandbox` picks Tilled's host.
 */
export function tilledWiring(
  accounts: readonly TenantTilledAccount[],
  options: { readonly baseUrl?: string | undefined; readonly sandbox?: boolean } = {},
): { gatewayFor: PaymentGatewayResolver; webhookRouting: WebhookRouting } {
  const gateways = new Map<string, PaymentGateway>();
  for (const account of accounts) {
    const client = new TilledClient({
      secretKey: account.secretKey,
      accountId: account.accountId,
      ...(options.baseUrl !== undefined
        ? { baseUrl: options.baseUrl }
        : { sandbox: options.sandbox ?? true }),
    });
    gateways.set(account.tenantId, new TilledGateway({ client, tenantId: account.tenantId }));
  }
  return {
    gatewayFor: (tenantId) => gateways.get(tenantId) ?? null,
    webhookRouting: (accountId) => {
      const account = accounts.find((a) => a.accountId === accountId);
      return account ? { tenantId: account.tenantId, secrets: account.webhookSecrets } : null;
    },
  };
}
