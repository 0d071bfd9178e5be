import type { PaymentGateway } from '@billkit/billing-core';
import {
  keepIdempotencyLease,
  requestFingerprints,
  type Store,
  type TenantStore,
  type TenantTransaction,
} from '@billkit/db';
import { WorkflowError } from './errors.js';

/** The payment gateway of a tenant (Tilled in production, a fake in tests); null: payments are disabled. */
export type GatewayResolver = (tenantId: string) => PaymentGateway | null | Promise<PaymentGateway | null>;

/** What happened, for a host's metrics and logs. Every callback is optional and must not throw. */
export interface BillingObserver {
  invoiceCreated?(event: { readonly tenantId: string; readonly billingReason: string }): void;
  gatewayEventReceived?(event: {
    readonly tenantId: string;
    readonly type: string;
    readonly outcome: string;
    readonly lagSeconds: number | null;
  }): void;
}

/** Dunning: days after the first failure on which a failed invoice is retried, and what happens after the last. */
export interface DunningPolicy {
  readonly scheduleDays: readonly number[];
  readonly finalAction: 'cancel' | 'leave_past_due';
}

export interface BillingOptions {
  /** billing_db's tenant store: `await openStore({ url })` from @billkit/db. */
  readonly db: Store;
  /** The payment gateway of a tenant; default: none (paying and refunding fail with `WORKFLOW_PAYMENTS_DISABLED`). */
  readonly gateways?: GatewayResolver;
  /** The business clock (periods, due dates, audit times). Default: the system clock. */
  readonly clock?: () => Date;
  readonly dunning?: Partial<DunningPolicy>;
  readonly observer?: BillingObserver;
  /** How long an idempotency key is remembered (default 24 h). */
  readonly idempotencyTtlMs?: number;
}

/** Who is asking and how: passed to every operation. */
export interface OperationContext {
  readonly tenantId: string;
  /** Recorded on the operation's audit events (an API key id, a user id; default `system`). */
  readonly actor?: string;
  /** Recorded on the operation's audit events, for correlating with logs. */
  readonly requestId?: string;
  /**
   * The same key and the same input return the first call's result without running again (in the same
   * transaction as the change, so a crash leaves either both or neither); the same key with another input
   * is `WORKFLOW_IDEMPOTENCY_KEY_REUSED`.
   */
  readonly idempotencyKey?: string;
  /**
   * Advanced: runs the operation's transaction instead of the default runner (an HTTP layer that stores
   * its serialised response with the change passes its own). Must call `work` in a transaction of the
   * tenant's store, at most once per attempt.
   */
  readonly transaction?: <T>(work: (tx: TenantTransaction) => Promise<T>) => Promise<T>;
}

/** One audit entry about an entity: its state before and after, and any extra data. */
export interface AuditChange {
  readonly type: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly extra?: Record<string, unknown>;
}

export type Recorder = (entry: AuditChange) => Promise<void>;

/** Resolved options shared by every operation. */
export interface Deps {
  readonly store: Store;
  readonly gateways: GatewayResolver;
  readonly clock: () => Date;
  readonly dunning: DunningPolicy;
  readonly observer: BillingObserver;
  readonly idempotencyTtlMs: number;
}

export function resolveDeps(options: BillingOptions): Deps {
  return {
    store: options.db,
    gateways: options.gateways ?? (() => null),
    clock: options.clock ?? (() => new Date()),
    dunning: {
      scheduleDays: options.dunning?.scheduleDays ?? [1, 3, 5],
      finalAction: options.dunning?.finalAction ?? 'cancel',
    },
    observer: options.observer ?? {},
    idempotencyTtlMs: options.idempotencyTtlMs ?? 24 * 60 * 60 * 1000,
  };
}

export const tenantOf = (deps: Deps, ctx: OperationContext): TenantStore =>
  deps.store.forTenant(ctx.tenantId);

/** The tenant's gateway, or `WORKFLOW_PAYMENTS_DISABLED`. */
export async function gatewayOf(deps: Deps, tenantId: string): Promise<PaymentGateway> {
  const gateway = await deps.gateways(tenantId);
  if (!gateway) {
    throw new WorkflowError('WORKFLOW_PAYMENTS_DISABLED', 'Payments are not configured for this tenant');
  }
  return gateway;
}

/** An audit recorder for `tx`: actor, request id and the business clock's time on every entry. */
export function recorderFor(deps: Deps, ctx: OperationContext, tx: TenantTransaction): Recorder {
  return async (change) => {
    const entry = auditEntryOf(change);
    await tx.appendAudit({
      type: entry.type,
      actor: ctx.actor ?? 'system',
      entityType: entry.entityType,
      entityId: entry.entityId,
      occurredAt: deps.clock().toISOString(),
      data: {
        before: entry.before ?? null,
        after: entry.after ?? null,
        ...(ctx.requestId !== undefined ? { requestId: ctx.requestId } : {}),
        ...(entry.extra ?? {}),
      },
    });
  };
}

/**
 * Runs one mutating operation: `work` in one transaction of the tenant with an audit recorder. With an
 * idempotency key (and no caller-supplied runner), the key is claimed in the same transaction and the
 * result stored with the change; a repeat with the same input returns the stored result.
 */
export async function mutate<T>(
  deps: Deps,
  ctx: OperationContext,
  operation: string,
  input: unknown,
  work: (tx: TenantTransaction, record: Recorder) => Promise<T>,
): Promise<T> {
  const run = (tx: TenantTransaction) => work(tx, recorderFor(deps, ctx, tx));
  if (ctx.transaction) return ctx.transaction(run);
  const tenant = tenantOf(deps, ctx);
  const key = ctx.idempotencyKey;
  if (key === undefined) return tenant.transaction(run);
  // The idempotency key is bound to the operation and its input; a second fingerprint matches pre-RFC 8785 claims.
  const requestHashes = requestFingerprints(operation, input);
  const [requestHash] = requestHashes;
  const claim = { key, requestHash, method: 'WORKFLOW', path: operation, ttlMs: deps.idempotencyTtlMs };
  const outcome = await tenant.transaction(async (tx) => {
    const found = await tx.claimIdempotent(claim);
    if (found) return { replay: storedResult<T>(found, requestHashes) };
    const result = await run(tx);
    await tx.completeIdempotent(key, 200, JSON.stringify(result ?? null));
    return { result };
  });
  return 'replay' in outcome ? outcome.replay : outcome.result;
}

function storedResult<T>(
  found: { readonly requestHash: string; readonly body: string | null },
  requestHashes: readonly string[],
): T {
  if (!requestHashes.includes(found.requestHash)) {
    throw new WorkflowError(
      'WORKFLOW_IDEMPOTENCY_KEY_REUSED',
      'This idempotency key was already used with a different input; use a new key for a new operation',
    );
  }
  if (found.body === null) {
    throw new WorkflowError(
      'WORKFLOW_IDEMPOTENCY_IN_PROGRESS',
      'An operation with this idempotency key is still running',
    );
  }
  return JSON.parse(found.body) as T;
}

/**
 * Runs an operation that spans several transactions and calls a gateway between them (paying, dunning)
 * with "claim" idempotency: with `ctx.idempotencyKey` (and no caller-supplied transaction runner, which
 * means the caller keeps the key itself, as the HTTP layer does), the key is claimed before `work`, the
 * result stored after it; a repeat with the same input returns that result, a failure releases the key.
 * The claim is leased and renewed while `work` runs: if this process dies, a repeat takes the key over
 * once the lease has run out and runs `work` again, so `work` must be safe to run again after a crash
 * anywhere in it (paying asks the gateway for its attempt's charge before making one).
 * `work` gets the context without the key, for its own single-transaction steps.
 */
export async function runClaimed<T>(
  deps: Deps,
  ctx: OperationContext,
  operation: string,
  input: unknown,
  work: (step: OperationContext) => Promise<T>,
): Promise<T> {
  const { idempotencyKey: key, ...step } = ctx;
  if (key === undefined || ctx.transaction) return work(step);
  const tenant = tenantOf(deps, ctx);
  const [requestHash, formerRequestHash] = requestFingerprints(operation, input);
  const begin = (hash: string) =>
    tenant.beginIdempotent(key, hash, 'WORKFLOW', operation, deps.idempotencyTtlMs);
  let begun = await begin(requestHash);
  // A key claimed before RFC 8785 holds the former fingerprint of the same input.
  if (begun.state === 'mismatch' && formerRequestHash !== undefined) begun = await begin(formerRequestHash);
  if (begun.state === 'replay') return JSON.parse(begun.body) as T;
  if (begun.state === 'mismatch') {
    throw new WorkflowError(
      'WORKFLOW_IDEMPOTENCY_KEY_REUSED',
      'This idempotency key was already used with a different input; use a new key for a new operation',
    );
  }
  if (begun.state === 'in_progress') {
    throw new WorkflowError(
      'WORKFLOW_IDEMPOTENCY_IN_PROGRESS',
      'An operation with this idempotency key is still running',
      begun.retryAfterMs !== undefined ? { retryAfterSeconds: Math.ceil(begun.retryAfterMs / 1000) } : {},
    );
  }
  const lease = keepIdempotencyLease(tenant, key);
  let result: T;
  try {
    result = await work(step);
  } catch (error) {
    lease.stop();
    await tenant.releaseIdempotent(key);
    throw error;
  }
  lease.stop();
  await tenant.completeIdempotent(key, 200, JSON.stringify(result ?? null));
  return result;
}

/**
 * What an audit entry keeps (every recorder writes through this): of a subscription, the fields the
 * operation changed (with its id and version, before and after; a list that only grew, such as a period's
 * billed lines, as `{ length }` before and `{ length, appended }` after); of an invoice, before and after, its ids, dates and amounts
 * (each line's id and amount), not the lines' detail and the explanation, which the stored invoice itself
 * carries. The trail records what changed and references the invoice rather than copying both states
 * whole, so appending to it (canonicalised and hashed under the tenant's chain lock) stays cheap.
 */
export function auditEntryOf(entry: AuditChange): AuditChange {
  if (entry.entityType === 'subscription' && isRecord(entry.before) && isRecord(entry.after)) {
    const before: Record<string, unknown> = { id: entry.before.id, version: entry.before.version };
    const after: Record<string, unknown> = { id: entry.after.id, version: entry.after.version };
    for (const key of new Set([...Object.keys(entry.before), ...Object.keys(entry.after)])) {
      const was = entry.before[key];
      const is = entry.after[key];
      if (was === is) continue;
      // A list whose old elements are all still there, the same objects (what billing-core hands over):
      // unchanged, or only grown, without serialising it.
      if (
        Array.isArray(was) &&
        Array.isArray(is) &&
        is.length >= was.length &&
        was.every((element, i) => element === is[i])
      ) {
        if (is.length === was.length) continue;
        if (was.length > 0) {
          before[key] = { length: was.length };
          after[key] = { length: is.length, appended: is.slice(was.length) };
          continue;
        }
      }
      const wasJson = JSON.stringify(was);
      const isJson = JSON.stringify(is);
      if (wasJson === isJson) continue;
      // A list that only grew (a period's billed lines, change after change): its length and the new tail.
      if (
        Array.isArray(was) &&
        Array.isArray(is) &&
        was.length > 0 &&
        is.length > was.length &&
        isJson.startsWith(`${wasJson.slice(0, -1)},`)
      ) {
        before[key] = { length: was.length };
        after[key] = { length: is.length, appended: is.slice(was.length) };
        continue;
      }
      before[key] = was ?? null;
      after[key] = is ?? null;
    }
    return { ...entry, before, after };
  }
  if (entry.entityType === 'invoice') {
    const before = slimInvoice(entry.before);
    const after = slimInvoice(entry.after);
    if (before === entry.before && after === entry.after) return entry;
    return { ...entry, before, after };
  }
  return entry;
}

/** An invoice as the audit keeps it: without the explanation, each line as its id and amount. */
function slimInvoice(invoice: unknown): unknown {
  if (!isRecord(invoice) || !Array.isArray(invoice.lines)) return invoice;
  const { explanation: _, lines, ...rest } = invoice;
  return {
    ...rest,
    lines: (lines as { id: string; amount: unknown }[]).map((l) => ({ id: l.id, amount: l.amount })),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
