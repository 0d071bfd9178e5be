import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { authOf } from '../http/auth.js';
import { transactionFor } from '../http/idempotency.js';
import type { ApiMetrics } from '../metrics.js';
import type { PaymentGatewayLike } from '../payments.js';
import type { Store, TenantStore, TenantTransaction } from '@billkit/db';

export type PaymentGatewayResolver = (tenantId: string) => PaymentGatewayLike | null;

/** Where a gateway account's webhooks go: the tenant and the secrets accepted (several during rotation). */
export type WebhookRouting = (
  accountId: string,
) => { readonly tenantId: string; readonly secrets: readonly string[] } | null;

export interface RouteContext {
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
