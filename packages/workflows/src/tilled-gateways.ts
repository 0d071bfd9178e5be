import type { PaymentGateway } from '@billkit/billing-core';
import type { GatewayCredential } from '@billkit/db';
import { TilledClient, TilledGateway } from '@billkit/tilled';
import type { GatewayResolver } from './context.js';
import type { GatewayAccountRoute } from './gateway-events.js';

/** One tenant's Tilled merchant account, as configuration (environment variables) gives it. */
export interface TilledAccount {
  readonly tenantId: string;
  readonly accountId: string;
  readonly secretKey: string;
  /** Every accepted webhook signing secret, newest first (several during a rotation). */
  readonly webhookSecrets: readonly string[];
  /** Tilled's sandbox host (default) or production; ignored when `baseUrl` is set. */
  readonly sandbox?: boolean;
}

/** Where stored credentials come from: db's encrypted `gatewayCredentials` repository (or a stand-in). */
export interface StoredTilledCredentials {
  get(tenantId: string, provider: 'tilled'): Promise<GatewayCredential | null>;
  findByAccountId(provider: 'tilled', accountId: string): Promise<GatewayCredential | null>;
}

export interface TilledGatewaysOptions {
  /** Per-tenant credentials stored encrypted in billing_db (`db.gatewayCredentials`); they win. */
  readonly credentials?: StoredTilledCredentials | null;
  /** Accounts from configuration, used for a tenant (or account id) with no stored credentials. */
  readonly fallback?: readonly TilledAccount[];
  /** Overrides Tilled's host (the local fake Tilled in tests and the demo). */
  readonly baseUrl?: string;
  /**
   * How long a resolved gateway, and a webhook route (the tenant and secrets of an account id), is reused
   * before the credentials are read again (default 30 s): a rotated or deleted credential stops being used
   * within this time. An account no tenant has is never cached, so a newly connected one routes at once.
   */
  readonly cacheMs?: number;
  /** Time for the cache (default `Date.now`). */
  readonly now?: () => number;
}

/** The gateway of each tenant and the routing of Tilled's webhooks, for `createBilling` and `gatewayEvents.receive`. */
export interface TilledGateways {
  readonly gateways: GatewayResolver;
  /**
   * The tenant and accepted secrets of a Tilled account id (an event's `account_id`); null when unknown.
   * A known account's route is reused for `cacheMs`, so a webhook does not read and decrypt its credentials.
   */
  readonly routing: (accountId: string) => Promise<GatewayAccountRoute | null>;
}

function accountOf(credential: GatewayCredential): TilledAccount {
  return {
    tenantId: credential.tenantId,
    accountId: credential.accountId,
    secretKey: credential.secretKey.reveal(),
    webhookSecrets: credential.webhookSecrets.map((s) => s.reveal()),
    sandbox: credential.sandbox,
  };
}

/**
 * Tilled gateways per tenant: credentials stored (encrypted) in billing_db first, configured accounts as
 * the fallback. A resolved gateway and a webhook route are cached for `cacheMs` (by tenant and by account
 * id), so neither a payment nor a webhook reads and decrypts the credentials each time, and a rotated
 * (or deleted) credential is picked up within that time.
 *
 * @example
 * const tilled = tilledGateways({ credentials: database.gatewayCredentials, fallback: accountsFromEnv });
 * const billing = createBilling({ db, gateways: tilled.gateways });
 * await billing.gatewayEvents.receive({ rawBody, signature, routing: tilled.routing });
 */
export function tilledGateways(options: TilledGatewaysOptions): TilledGateways {
  const cacheMs = options.cacheMs ?? 30_000;
  const now = options.now ?? Date.now;
  const fallback = options.fallback ?? [];
  const cache = new Map<string, { readonly gateway: PaymentGateway | null; readonly until: number }>();
  // By account id; only accounts that resolved (the ids come from unauthenticated requests, so unknown
  // ones are neither kept nor allowed to grow the map).
  const routes = new Map<string, { readonly route: GatewayAccountRoute; readonly until: number }>();

  const gatewayFor = (account: TilledAccount): PaymentGateway => {
    const client = new TilledClient({
      secretKey: account.secretKey,
      accountId: account.accountId,
      ...(options.baseUrl !== undefined
        ? { baseUrl: options.baseUrl }
        : { sandbox: account.sandbox ?? true }),
    });
    return new TilledGateway({ client, tenantId: account.tenantId });
  };

  const gateways: GatewayResolver = async (tenantId) => {
    const cached = cache.get(tenantId);
    if (cached && cached.until > now()) return cached.gateway;
    const stored = (await options.credentials?.get(tenantId, 'tilled')) ?? null;
    const account = stored ? accountOf(stored) : fallback.find((a) => a.tenantId === tenantId);
    const gateway = account ? gatewayFor(account) : null;
    cache.set(tenantId, { gateway, until: now() + cacheMs });
    return gateway;
  };

  const routing = async (accountId: string): Promise<GatewayAccountRoute | null> => {
    const cached = routes.get(accountId);
    if (cached && cached.until > now()) return cached.route;
    const stored = (await options.credentials?.findByAccountId('tilled', accountId)) ?? null;
    const account = stored ? accountOf(stored) : fallback.find((a) => a.accountId === accountId);
    if (!account) {
      routes.delete(accountId);
      return null;
    }
    const route: GatewayAccountRoute = Object.freeze({
      tenantId: account.tenantId,
      secrets: Object.freeze([...account.webhookSecrets]),
    });
    routes.set(accountId, { route, until: now() + cacheMs });
    return route;
  };

  return { gateways, routing };
}
