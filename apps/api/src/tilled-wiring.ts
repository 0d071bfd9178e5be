import type { DbStore } from '@billkit/db';
import { type StoredTilledCredentials, type TilledAccount, tilledGateways } from '@billkit/workflows';
import { type Config, tilledCredentialsFromEnv } from './config.js';
import type { PaymentGatewayResolver, WebhookRouting } from './routes/context.js';

/** One tenant's Tilled merchant account, from configuration. */
export type TenantTilledAccount = Omit<TilledAccount, 'sandbox'>;

/**
 * The gateway resolver and webhook routing: a tenant's credentials stored encrypted in billing_db
 * (`credentials`) win, `accounts` from the environment are the fallback. `baseUrl` points at the local
 * fake in tests and the demo; otherwise `sandbox` picks Tilled's host for the configured accounts.
 */
export function tilledWiring(
  accounts: readonly TenantTilledAccount[],
  options: {
    readonly baseUrl?: string | undefined;
    readonly sandbox?: boolean;
    readonly credentials?: StoredTilledCredentials;
  } = {},
): { gatewayFor: PaymentGatewayResolver; webhookRouting: WebhookRouting } {
  const tilled = tilledGateways({
    fallback: accounts.map((account) => ({ ...account, sandbox: options.sandbox ?? true })),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  });
  return { gatewayFor: tilled.gateways, webhookRouting: tilled.routing };
}

/** The server's and the CLI's wiring: TILLED_* accounts from the environment, credentials stored in billing_db. */
export function configuredTilledWiring(
  config: Config,
  store: DbStore,
  accounts = tilledCredentialsFromEnv(),
) {
  return tilledWiring(
    accounts.map((c) => ({ ...c, tenantId: c.tenantKey.toLowerCase() })),
    {
      baseUrl: config.TILLED_BASE_URL,
      sandbox: config.TILLED_SANDBOX,
      credentials: store.db.gatewayCredentials,
    },
  );
}
