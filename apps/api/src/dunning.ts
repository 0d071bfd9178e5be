// Dunning: retrying failed invoice payments on a schedule, then giving up per policy.
import { markInvoiceUncollectible } from '@billkit/billing-core';
import { type DunningStep, nextDunningStep } from '@billkit/tilled';
import { billingFor, toCoreCustomer } from '@billkit/workflows';
import { newId } from '@billkit/workflows';
import { persistTransition } from '@billkit/workflows';
import { type AuditChange, type RouteContext, recordTransitionEvents } from './routes/context.js';
import { settleInvoicePayment } from './routes/invoices.js';
import type { TenantReader, TenantTransaction } from '@billkit/db';
import type { InvoiceRecord } from '@billkit/db';

export interface DunningPolicy {
  /** Days between retries, counted from the latest failure (`[1, 3, 5]`: three retries). */
  readonly scheduleDays: readonly number[];
  /** After the last failed retry: cancel the subscription now, or leave it `past_due`. */
  readonly finalAction: 'cancel' | 'leave_past_due';
}

export type DunningOutcome =
  | { readonly invoiceId: string; readonly action: 'waiting'; readonly retryAt: string }
  | {
      readonly invoiceId: string;
      readonly action: 'retried';
      readonly retryNumber: number;
      readonly result: 'succeeded' | 'failed' | 'pending';
    }
  | {
      readonly invoiceId: string;
      readonly action: 'uncollectible';
      readonly failedAttempts: number;
      readonly subscription: 'canceled' | 'left_past_due' | null;
    }
  | { readonly invoiceId: string; readonly action: 'skipped'; readonly reason: string };

export interface DunningSummary {
  readonly now: string;
  readonly considered: number;
  readonly outcomes: readonly DunningOutcome[];
}

const ACTOR = 'system:dunning';

/** Every failed payment attempt of the invoice, from the audit trail (the record of truth for attempts). */
async function failedAttemptTimes(reader: TenantReader, invoiceId: string): Promise<Date[]> {
  // One gateway attempt may be reported twice (the API's own answer and the payment_failed webhook):
  // attempts are counted once each, by attempt id, at their first report.
  const byAttempt = new Map<string, Date>();
  let afterSeq: number | undefined;
  for (;;) {
    const page = await reader.listAudit({
      limit: 500,
      entityType: 'invoice',
      entityId: invoiceId,
      ...(afterSeq !== undefined ? { afterSeq } : {}),
    });
    for (const event of page.data) {
      if (event.type !== 'invoice.payment_failed') continue;
      const attemptId = (event.data.event as { attemptId?: unknown } | undefined)?.attemptId;
      const key = typeof attemptId === 'string' ? attemptId : event.id;
      if (!byAttempt.has(key)) byAttempt.set(key, new Date(event.occurredAt));
    }
    if (!page.hasMore) return [...byAttempt.values()];
    afterSeq = page.data.at(-1)?.seq;
  }
}

/** Open invoices with at least one failed payment, in id order. */
async function dunnedInvoices(reader: TenantReader): Promise<InvoiceRecord[]> {
  const out: InvoiceRecord[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await reader.list('invoice', {
      limit: 100,
      where: { status: 'open' },
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    out.push(...page.data.filter((i) => i.lastPaymentError !== null));
    if (!page.hasMore) return out;
    startingAfter = page.data.at(-1)?.id;
  }
}

function auditWriter(tx: TenantTransaction, at: string) {
  return async (entry: AuditChange) => {
    await tx.appendAudit({
      type: entry.type,
      actor: ACTOR,
      entityType: entry.entityType,
      entityId: entry.entityId,
      occurredAt: at,
      data: { before: entry.before ?? null, after: entry.after ?? null, ...(entry.extra ?? {}) },
    });
  };
}

/**
 * Runs one dunning pass for a tenant at the explicit instant `now`: every open invoice whose payment
 * failed is retried through the gateway when `nextDunningStep` says a retry is due; after the last
 * retry fails the invoice becomes `uncollectible` and its subscription is canceled or left `past_due`
 * per `policy`. Every attempt and outcome is an audit event (`dunning.retry`, `dunning.exhausted`, plus
 * the invoice's own `invoice.payment_failed` / `invoice.paid` / `invoice.marked_uncollectible`). Safe to
 * call repeatedly: a retry not yet due is only reported.
 *
 * @example
 * await runDunning(ctx, 'ten_a', { now: new Date('2026-03-05T00:00:00Z'), policy: { scheduleDays: [1, 3, 5], finalAction: 'cancel' } });
 */
export async function runDunning(
  baseCtx: RouteContext,
  tenantId: string,
  options: { readonly now: Date; readonly policy: DunningPolicy },
): Promise<DunningSummary> {
  const ctx: RouteContext = { ...baseCtx, clock: () => options.now };
  const at = options.now.toISOString();
  const tenant = ctx.store.forTenant(tenantId);
  const invoices = await dunnedInvoices(tenant);
  const outcomes: DunningOutcome[] = [];
  for (const invoice of invoices) {
    const failures = await failedAttemptTimes(tenant, invoice.id);
    if (failures.length === 0) {
      outcomes.push({ invoiceId: invoice.id, action: 'skipped', reason: 'no failed attempt recorded' });
      continue;
    }
    let step: DunningStep = nextDunningStep(failures, options.policy.scheduleDays);
    if (step.action === 'retry') {
      if (step.retryAt.getTime() > options.now.getTime()) {
        outcomes.push({ invoiceId: invoice.id, action: 'waiting', retryAt: step.retryAt.toISOString() });
        continue;
      }
      const retried = await retry(ctx, tenantId, invoice, step.retryNumber);
      outcomes.push(retried);
      if (retried.action !== 'retried' || retried.result !== 'failed') continue;
      step = nextDunningStep([...failures, options.now], options.policy.scheduleDays);
      if (step.action === 'retry') continue;
    }
    outcomes.push(await giveUp(ctx, tenantId, invoice.id, step.failedAttempts, options.policy, at));
  }
  return { now: at, considered: invoices.length, outcomes };
}

async function retry(
  ctx: RouteContext,
  tenantId: string,
  invoice: InvoiceRecord,
  retryNumber: number,
): Promise<DunningOutcome> {
  const gateway = ctx.gatewayFor(tenantId);
  if (!gateway || !invoice.paymentMethodId) {
    return {
      invoiceId: invoice.id,
      action: 'skipped',
      reason: gateway ? 'no payment method on the invoice' : 'no payment gateway for the tenant',
    };
  }
  const attemptId = `${invoice.id}_attempt_${invoice.paymentAttempts + 1}`;
  const intent = await gateway.createPaymentIntent({
    gatewayCustomerId: invoice.gatewayCustomerId ?? '',
    paymentMethodId: invoice.paymentMethodId,
    amount: invoice.amountRemaining,
    metadata: { invoiceId: invoice.id, attemptId, dunningRetry: String(retryNumber) },
    idempotencyKey: attemptId,
  });
  const outcome =
    intent.status === 'succeeded'
      ? ({ status: 'succeeded', paymentIntentId: intent.id, attemptId } as const)
      : intent.status === 'processing' || intent.status === 'requires_action'
        ? ({ status: 'pending', paymentIntentId: intent.id, attemptId } as const)
        : ({
            status: 'failed',
            paymentIntentId: intent.id,
            attemptId,
            failure: intent.failureCode ?? intent.failureMessage ?? intent.status,
          } as const);
  const at = ctx.clock().toISOString();
  await ctx.store.forTenant(tenantId).transaction(async (tx) => {
    const record = auditWriter(tx, at);
    const before = await tx.getForUpdate('invoice', invoice.id);
    if (!before) return;
    await record({
      type: 'dunning.retry',
      entityType: 'invoice',
      entityId: invoice.id,
      before: null,
      after: null,
      extra: { retryNumber, attemptId, paymentIntentId: intent.id, result: outcome.status },
    });
    if (before.status !== 'open') return; // a webhook settled it meanwhile
    await settleInvoicePayment(
      ctx,
      tx,
      record,
      { ...before, paymentAttempts: before.paymentAttempts + 1 },
      outcome,
    );
  });
  return { invoiceId: invoice.id, action: 'retried', retryNumber, result: outcome.status };
}

async function giveUp(
  ctx: RouteContext,
  tenantId: string,
  invoiceId: string,
  failedAttempts: number,
  policy: DunningPolicy,
  at: string,
): Promise<DunningOutcome> {
  return ctx.store.forTenant(tenantId).transaction(async (tx) => {
    const record = auditWriter(tx, at);
    const before = await tx.getForUpdate('invoice', invoiceId);
    if (before?.status !== 'open') {
      return { invoiceId, action: 'skipped', reason: `invoice is ${before?.status ?? 'gone'}` } as const;
    }
    const t = markInvoiceUncollectible(before, { at });
    const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
    await tx.update('invoice', after);
    await recordTransitionEvents(record, t.events, {
      entityType: 'invoice',
      entityId: invoiceId,
      before,
      after,
    });
    let subscriptionOutcome: 'canceled' | 'left_past_due' | null = null;
    const subscription = before.subscriptionId ? await tx.get('subscription', before.subscriptionId) : null;
    if (subscription && subscription.status !== 'canceled') {
      if (policy.finalAction === 'cancel') {
        const customer = await tx.get('customer', subscription.customerId);
        if (!customer)
          throw new Error(`Customer ${subscription.customerId} of ${subscription.id} is missing`);
        const { billing } = await billingFor(tx);
        const canceled = billing.cancelSubscription(subscription, {
          at,
          atPeriodEnd: false,
          prorate: false,
          customer: toCoreCustomer(customer),
          invoiceId: newId('in'),
        });
        await persistTransition(ctx, tx, record, canceled, { before: subscription });
        subscriptionOutcome = 'canceled';
      } else {
        subscriptionOutcome = 'left_past_due';
      }
    }
    await record({
      type: 'dunning.exhausted',
      entityType: 'invoice',
      entityId: invoiceId,
      before: null,
      after: null,
      extra: { failedAttempts, finalAction: policy.finalAction, subscription: subscriptionOutcome },
    });
    return { invoiceId, action: 'uncollectible', failedAttempts, subscription: subscriptionOutcome } as const;
  });
}
