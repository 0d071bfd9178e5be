// Dunning: retrying failed invoice payments on a schedule, then giving up per policy.
import { markInvoiceUncollectible } from '@billkit/billing-core';
import type { InvoiceRecord, TenantReader, TenantTransaction } from '@billkit/db';
import { type DunningStep, nextDunningStep } from '@billkit/tilled';
import {
  type AuditChange,
  auditEntryOf,
  type Deps,
  type DunningPolicy,
  mutate,
  type OperationContext,
  runClaimed,
  tenantOf,
} from './context.js';
import { billingFor, toCoreCustomer } from './environment.js';
import { isWorkflowError } from './errors.js';
import { newId } from './ids.js';
import { attemptInFlight, reserveAttempt, runAttempt } from './payment-attempts.js';
import { persistInvoiceTransition, persistTransition } from './transition.js';

/** When the dunning pass runs (default: the business clock's now). */
export interface RunDunningInput {
  readonly now?: Date | string | undefined;
}

/** What dunning did with one invoice. */
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

/** One dunning pass: its instant, the invoices considered and what happened to each. */
export interface DunningRunSummary {
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

/** Dunning's audit entries: actor `system:dunning`, at the pass's instant. */
function auditWriter(tx: TenantTransaction, at: string) {
  return async (change: AuditChange) => {
    const entry = auditEntryOf(change);
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
 * Retries the invoice's payment through the same reservation as `pay`: under the invoice's lock, only while
 * no payment of it is in flight and no other pass (or payment) attempted it since this pass listed it, so
 * parallel passes and a `pay` beside them charge it at most once.
 */
async function retry(
  deps: Deps,
  ctx: OperationContext,
  invoice: InvoiceRecord,
  retryNumber: number,
): Promise<DunningOutcome> {
  const gateway = await deps.gateways(ctx.tenantId);
  if (!gateway || !invoice.paymentMethodId) {
    return {
      invoiceId: invoice.id,
      action: 'skipped',
      reason: gateway ? 'no payment method on the invoice' : 'no payment gateway for the tenant',
    };
  }
  // The attempt's own audit events (reserved, paid, failed) are dunning's too.
  const step: OperationContext = { ...ctx, actor: ACTOR };
  let reservation: Awaited<ReturnType<typeof reserveAttempt>>;
  try {
    reservation = await reserveAttempt(deps, step, invoice.id, {
      gateway: 'tilled',
      expectedPaymentAttempts: invoice.paymentAttempts,
    });
  } catch (error) {
    if (!isWorkflowError(error) || !['WORKFLOW_CONFLICT', 'WORKFLOW_INVALID_STATE'].includes(error.code))
      throw error;
    return { invoiceId: invoice.id, action: 'skipped', reason: error.message };
  }
  const { attempt } = reservation;
  const at = deps.clock().toISOString();
  const { outcome } = await runAttempt(deps, step, gateway, attempt, { dunningRetry: String(retryNumber) });
  await mutate(deps, ctx, 'dunning.retry', { invoiceId: invoice.id, retryNumber }, async (tx) => {
    const record = auditWriter(tx, at);
    await record({
      type: 'dunning.retry',
      entityType: 'invoice',
      entityId: invoice.id,
      before: null,
      after: null,
      extra: {
        retryNumber,
        attemptId: attempt.id,
        paymentIntentId: outcome.paymentIntentId,
        result: outcome.status,
      },
    });
  });
  return { invoiceId: invoice.id, action: 'retried', retryNumber, result: outcome.status };
}

async function giveUp(
  deps: Deps,
  ctx: OperationContext,
  invoiceId: string,
  failedAttempts: number,
  policy: DunningPolicy,
  at: string,
): Promise<DunningOutcome> {
  return mutate(deps, ctx, 'dunning.giveUp', { invoiceId }, async (tx) => {
    const record = auditWriter(tx, at);
    const before = await tx.getForUpdate('invoice', invoiceId);
    if (before?.status !== 'open') {
      return { invoiceId, action: 'skipped', reason: `invoice is ${before?.status ?? 'gone'}` } as const;
    }
    // A payment in flight may still pay it: give up on a later pass, if at all.
    if (await attemptInFlight(tx, invoiceId)) {
      return { invoiceId, action: 'skipped', reason: 'a payment of the invoice is in flight' } as const;
    }
    const t = markInvoiceUncollectible(before, { at });
    await persistInvoiceTransition(tx, record, before, t, at);
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
        await persistTransition(deps, tx, record, canceled, { before: subscription });
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

/**
 * Dunning: one pass over the tenant's open invoices whose payment failed. Each is retried through the
 * gateway (its last payment method, a new attempt id) when `nextDunningStep` says a retry is due per the
 * policy's `scheduleDays`; after the last retry fails the invoice becomes `uncollectible` and its
 * subscription is canceled or left `past_due` per `finalAction`. Passes may run in parallel (and beside
 * `invoices.pay`): a retry reserves the invoice's payment attempt first, so an invoice is charged at most
 * once; an invoice another pass or payment is handling is reported `skipped`.
 *
 * @example
 * const summary = await billing.dunning.run({ tenantId }, { now: '2026-03-05T00:00:00Z' });
 */
export function dunningOperations(deps: Deps) {
  return {
    /**
     * Runs one dunning pass at `input.now` (default: the business clock). Every attempt and outcome is an
     * audit event (`dunning.retry`, `dunning.exhausted`, plus the invoice's own `invoice.payment_failed` /
     * `invoice.paid` / `invoice.marked_uncollectible`), by actor `system:dunning`, one transaction per
     * invoice step. Safe to call repeatedly: a retry not yet due is only reported.
     */
    async run(ctx: OperationContext, input: RunDunningInput = {}): Promise<DunningRunSummary> {
      const now = input.now !== undefined ? new Date(input.now) : deps.clock();
      // Gateway calls and one transaction per invoice step: a key is claimed before and completed after.
      const fingerprinted = { now: input.now !== undefined ? now.toISOString() : null };
      return runClaimed(deps, ctx, 'dunning.run', fingerprinted, async (step) => {
        // The pass's instant is its business clock: settlements and cancellations happen at `now`.
        const at = now.toISOString();
        const runDeps: Deps = { ...deps, clock: () => now };
        const policy = deps.dunning;
        const tenant = tenantOf(deps, step);
        const invoices = await dunnedInvoices(tenant);
        const outcomes: DunningOutcome[] = [];
        for (const invoice of invoices) {
          const failures = await failedAttemptTimes(tenant, invoice.id);
          if (failures.length === 0) {
            outcomes.push({ invoiceId: invoice.id, action: 'skipped', reason: 'no failed attempt recorded' });
            continue;
          }
          let next: DunningStep = nextDunningStep(failures, policy.scheduleDays);
          if (next.action === 'retry') {
            if (next.retryAt.getTime() > now.getTime()) {
              outcomes.push({
                invoiceId: invoice.id,
                action: 'waiting',
                retryAt: next.retryAt.toISOString(),
              });
              continue;
            }
            const retried = await retry(runDeps, step, invoice, next.retryNumber);
            outcomes.push(retried);
            if (retried.action !== 'retried' || retried.result !== 'failed') continue;
            next = nextDunningStep([...failures, now], policy.scheduleDays);
            if (next.action === 'retry') continue;
          }
          outcomes.push(await giveUp(runDeps, step, invoice.id, next.failedAttempts, policy, at));
        }
        return { now: at, considered: invoices.length, outcomes };
      });
    },
  };
}
