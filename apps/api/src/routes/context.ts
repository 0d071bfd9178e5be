import type { Store, TenantStore, TenantTransaction } from '@billkit/db';
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

export interface AuditChange {
  readonly type: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly extra?: Record<string, unknown>;
}

/**
 * Records each billing event a billing-core transition caused as one audit entry about the same entity,
 * with the entity's state before and after the transition and the event's own data.
 */
export async function recordTransitionEvents(
  record: (entry: AuditChange) => Promise<void>,
  events: readonly { readonly type: string; readonly data?: unknown }[],
  entity: {
    readonly entityType: string;
    readonly entityId: string;
    readonly before: unknown;
    readonly after: unknown;
  },
): Promise<void> {
  for (const event of events) await record({ ...entity, type: event.type, extra: { event: event.data } });
}

/** The tenant's store for this request (the only way routes reach data: tenant scoping by construction). */
export function tenantOf(ctx: RouteContext, request: FastifyRequest): TenantStore {
  return ctx.store.forTenant(authOf(request).tenantId);
}

/**
 * Runs a change in one transaction with its audit events (and, for a request with an Idempotency-Key,
 * the key and the response that will be sent: see `transactionFor`): `record(...)` appends an event (actor = the
 * API key, request id, before/after) that commits or rolls back with the change.
 */
export async function change<T>(
  ctx: RouteContext,
  request: FastifyRequest,
  work: (tx: TenantTransaction, record: (entry: AuditChange) => Promise<void>) => Promise<T>,
): Promise<T> {
  const auth = authOf(request);
  return transactionFor(request, ctx.store.forTenant(auth.tenantId), (tx) =>
    work(tx, async (entry) => {
      await tx.appendAudit({
        type: entry.type,
        actor: auth.keyId,
        entityType: entry.entityType,
        entityId: entry.entityId,
        occurredAt: ctx.clock().toISOString(),
        data: {
          before: entry.before ?? null,
          after: entry.after ?? null,
          requestId: request.id,
          ...(entry.extra ?? {}),
        },
      });
    }),
  );
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
