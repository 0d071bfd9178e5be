import type { ApiKeyScope, Store } from '@billkit/db';
import type { Billing, GatewayAccountRoute, GatewayResolver, OperationContext } from '@billkit/workflows';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { authOf } from '../http/auth.js';
import { camelize } from '../http/casing.js';
import { transactionFor } from '../http/idempotency.js';
import { idParams, listOf, listQuery, page } from '../http/schemas.js';
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
  /** Real time, for transport checks (webhook signature freshness). */
  readonly wallClock: () => Date;
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

/** What the OpenAPI document says of a route, and the scope its key needs (default: by method). */
export interface RouteDoc {
  readonly tags: string[];
  readonly operationId: string;
  readonly summary: string;
  readonly scope?: ApiKeyScope;
}

/** `GET <path>/:id`: the object with that id, presented. */
export function retrieveRoute<T>(
  app: TypedApp,
  ctx: RouteContext,
  path: string,
  { scope, ...doc }: RouteDoc,
  response: z.ZodType,
  retrieve: (op: OperationContext, id: string) => Promise<T>,
  present: (record: T) => unknown,
): void {
  app.get(
    `${path}/:id`,
    {
      ...(scope ? { config: { scope } } : {}),
      schema: { ...doc, params: idParams, response: { 200: response } },
    },
    async (request) => present(await retrieve(operationOf(ctx, request), request.params.id)),
  );
}

/**
 * `GET <path>`: a page of objects, presented. The list query and `filters` reach `list` in camelCase,
 * `active=true|false` as a boolean.
 */
export function listRoute<T extends { id: string }>(
  app: TypedApp,
  ctx: RouteContext,
  path: string,
  { scope, ...doc }: RouteDoc,
  item: z.ZodType,
  filters: z.ZodRawShape,
  list: (op: OperationContext, query: ListInput) => Promise<{ data: T[]; hasMore: boolean }>,
  present: (record: T) => unknown,
): void {
  app.get(
    path,
    {
      ...(scope ? { config: { scope } } : {}),
      schema: { ...doc, querystring: listQuery.extend(filters), response: { 200: listOf(item) } },
    },
    async (request) => {
      const query = camelize<ListInput & { active?: unknown }>(request.query);
      if (query.active !== undefined) query.active = query.active === 'true';
      return page(await list(operationOf(ctx, request), query), present);
    },
  );
}

interface ListInput {
  readonly limit: number;
}
