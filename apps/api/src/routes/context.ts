import type { Store } from '@billkit/db';
import type { Billing, GatewayAccountRoute, GatewayResolver, OperationContext } from '@billkit/workflows';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { authOf } from '../http/auth.js';
import { transactionFor } from '../http/idempotency.js';
import type { ApiMetrics } from '../metrics.js';

/** The payment gateway of a tenant (null: payments disabled); may read stored credentials. */
export type PaymentGatewayResolver = GatewayResolver;

/** Where a gateway account's webhooks go: the tenant and the secrets accepted (several during rotation). */
export type WebhookRouting = (
  accountId: string,
) => GatewayAccountRoute | null | Promise<GatewayAccountRoute | null>;

export interface RouteContext {
  /** The workflows every route calls (one per route). */
  readonly billing: Billing;
  readonly store: Store;
  readonly config: Config;
  readonly metrics: ApiMetrics;
  readonly clock: () => Date;
  /** Real time, for transport checks (webhook signature freshness). */
  readonly wallClock: () => Date;
  readonly gatewayFor: PaymentGatewayResolver;
  readonly webhookRouting: WebhookRouting;
  shuttingDown: boolean;
}

export type TypedApp = ReturnType<typeof typed>;
export function typed(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>();
}

/**
 * The workflow context of a request: its tenant, the API key as actor, the request id, and a transaction
 * runner that keeps an Idempotency-Key's stored response in the change's own transaction (`transactionFor`).
 */
export function operationOf(ctx: RouteContext, request: FastifyRequest): OperationContext {
  const auth = authOf(request);
  const tenant = ctx.store.forTenant(auth.tenantId);
  return {
    tenantId: auth.tenantId,
    actor: auth.keyId,
    requestId: String(request.id),
    transaction: (work) => transactionFor(request, tenant, work),
  };
}
