// Payment attempts: one charge per invoice, by construction.
//
// An attempt is a row of billing_db (db's `Payment`, the store's `payment_attempt`), reserved under the
// invoice's row lock before the gateway is called, so an invoice has at most one attempt in flight
// (`pending` while its holder waits on the gateway, `processing` while the gateway settles it, e.g. ACH),
// whatever the payment method and whoever asks (`pay`, dunning). Its id, `<invoice>_attempt_<n>`, is the
// gateway's idempotency key: the gateway is asked for the attempt's intent by that id before it creates
// one (TilledGateway looks up the invoice + attempt metadata), so an attempt resumed after a crash finds
// the first charge instead of making a second. A holder keeps a lease on its pending attempt while it
// waits on the gateway; an attempt whose lease ran out (its process died) is resumed with the same id.
// Void, credit notes, dunning and out-of-band payments take the same lock and refuse while an attempt is
// in flight. A charge that lands on an invoice that can no longer take it is refunded and audited.

import {
  markSubscriptionPastDue,
  markSubscriptionRecovered,
  type PaymentGateway,
  type PaymentIntent,
  payInvoice,
  recordInvoicePaymentFailure,
} from '@billkit/billing-core';
import type { InvoiceRecord, PaymentAttemptRecord, TenantReader, TenantTransaction } from '@billkit/db';
import { money } from '@billkit/money';
import { type Deps, mutate, type OperationContext, type Recorder } from './context.js';
import { notFound, WorkflowError } from './errors.js';
import { persistTransition, recordTransitionEvents } from './transition.js';

/** What a payment attempt came to, as applied by {@link settleInvoicePayment}. */
export interface InvoicePaymentOutcome {
  readonly status: 'succeeded' | 'failed' | 'pending';
  readonly paymentIntentId: string | null;
  readonly attemptId: string;
  /** What a success paid, in minor units (default: all that remains on the invoice). */
  readonly amount?: number;
  readonly failure?: string;
}

/**
 * Applies a successful (or failed, or pending) payment to the invoice and its subscription, with audit
 * events: a success pays the invoice (its `amount`, default all that remains) and recovers a `past_due`
 * subscription; a failure records it on the invoice and makes the subscription `past_due`. The caller has
 * locked `before` (`getForUpdate`) in `tx`. Payments through a gateway go through
 * {@link applyAttemptOutcome}, which calls this for the attempt's invoice.
 *
 * @example
 * await settleInvoicePayment(deps, tx, record, invoice, { status: 'succeeded', paymentIntentId: 'pi_1', attemptId: 'in_1_attempt_1' });
 */
export async function settleInvoicePayment(
  deps: Pick<Deps, 'clock'> & { readonly observer?: Deps['observer'] },
  tx: TenantTransaction,
  record: Recorder,
  before: InvoiceRecord,
  outcome: InvoicePaymentOutcome,
): Promise<InvoiceRecord> {
  const at = deps.clock().toISOString();
  const base = {
    ...before,
    paymentIntentId: outcome.paymentIntentId ?? before.paymentIntentId,
    updatedAt: at,
  };
  if (outcome.status === 'pending') {
    await tx.update('invoice', base);
    await record({
      type: 'invoice.payment_pending',
      entityType: 'invoice',
      entityId: before.id,
      before,
      after: base,
    });
    return base;
  }
  const t =
    outcome.status === 'succeeded'
      ? payInvoice(before, {
          at,
          ...(outcome.amount !== undefined ? { amount: money(outcome.amount, before.currency) } : {}),
        })
      : recordInvoicePaymentFailure(before, {
          at,
          attemptId: outcome.attemptId,
          ...(outcome.failure !== undefined ? { failureCode: outcome.failure } : {}),
        });
  const after: InvoiceRecord = {
    ...base,
    ...t.invoice,
    paymentIntentId: base.paymentIntentId,
    updatedAt: at,
    lastPaymentError: outcome.status === 'failed' ? (outcome.failure ?? 'payment_failed') : null,
  };
  await tx.update('invoice', after);
  await recordTransitionEvents(record, t.events, {
    entityType: 'invoice',
    entityId: before.id,
    before,
    after,
  });
  if (before.subscriptionId) {
    const subscription = await tx.get('subscription', before.subscriptionId);
    if (subscription) {
      if (outcome.status === 'succeeded' && after.status === 'paid' && subscription.status === 'past_due') {
        await persistTransition(
          deps,
          tx,
          record,
          markSubscriptionRecovered(subscription, { at, invoiceId: before.id }),
          { before: subscription },
        );
      }
      if (outcome.status === 'failed' && ['active', 'trialing', 'past_due'].includes(subscription.status)) {
        await persistTransition(
          deps,
          tx,
          record,
          markSubscriptionPastDue(subscription, { at, invoiceId: before.id }),
          { before: subscription },
        );
      }
    }
  }
  return after;
}

/**
 * How long a holder may wait on the gateway for its pending attempt without renewing its lease. Holders
 * renew every {@link LEASE_RENEWAL_MS} while they wait, so only a dead (or frozen) process loses its lease.
 */
export const PAYMENT_ATTEMPT_LEASE_MS = 60_000;
const LEASE_RENEWAL_MS = 15_000;

const IN_FLIGHT: ReadonlySet<PaymentAttemptRecord['status']> = new Set(['pending', 'processing']);
const SETTLED: ReadonlySet<PaymentAttemptRecord['status']> = new Set([
  'succeeded',
  'failed',
  'canceled',
  'refunded',
]);

/** Every attempt of the invoice, oldest first. */
export async function attemptsOf(reader: TenantReader, invoiceId: string): Promise<PaymentAttemptRecord[]> {
  const out: PaymentAttemptRecord[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page = await reader.list('payment_attempt', {
      limit: 100,
      where: { invoiceId },
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    out.push(...page.data);
    if (!page.hasMore) return out.sort((a, b) => attemptNumber(a.id) - attemptNumber(b.id));
    startingAfter = page.data.at(-1)?.id;
  }
}

const attemptNumber = (id: string): number => Number(/_attempt_(\d+)$/.exec(id)?.[1] ?? 0);

/** The invoice's attempt in flight (pending or processing), if any. */
export async function attemptInFlight(
  reader: TenantReader,
  invoiceId: string,
): Promise<PaymentAttemptRecord | null> {
  return (await attemptsOf(reader, invoiceId)).find((a) => IN_FLIGHT.has(a.status)) ?? null;
}

/** `WORKFLOW_CONFLICT` (retryable): the invoice has a payment in flight. */
export function paymentInFlight(attempt: PaymentAttemptRecord, refused?: string): WorkflowError {
  const where = attempt.status === 'processing' ? 'processing at the gateway' : 'waiting for the gateway';
  return new WorkflowError(
    'WORKFLOW_CONFLICT',
    `${refused ? `Cannot ${refused} invoice ${attempt.invoiceId}: a` : 'A'} payment of this invoice is in flight (${attempt.id}, ${where}); retry once it has settled`,
    { reason: 'payment_in_flight', invoice: attempt.invoiceId, attempt: attempt.id, retryable: true },
  );
}

/**
 * Refuses (`WORKFLOW_CONFLICT`) while the invoice has a payment in flight. Call it holding the invoice's
 * row lock (`getForUpdate`), in the transaction that then changes the invoice: void, mark uncollectible,
 * credit notes and out-of-band payments.
 *
 * @example
 * const invoice = await tx.getForUpdate('invoice', id);
 * await refuseWhilePaymentInFlight(tx, id, 'void');
 */
export async function refuseWhilePaymentInFlight(
  tx: TenantTransaction,
  invoiceId: string,
  action: string,
): Promise<void> {
  const inFlight = await attemptInFlight(tx, invoiceId);
  if (inFlight) throw paymentInFlight(inFlight, action);
}

/** What to charge for a new attempt; the invoice's own last payment method when none is given (dunning). */
export interface AttemptRequest {
  readonly gateway: string;
  readonly paymentMethodId?: string | undefined;
  /** Default: the invoice's (for its own payment method) or the customer's `tilled_customer_id` metadata. */
  readonly gatewayCustomerId?: string | undefined;
  /**
   * Reserve only while the invoice still counts this many settled attempts (dunning: only if no other
   * pass retried it since this one decided to); else `WORKFLOW_CONFLICT` with reason `attempted_meanwhile`.
   */
  readonly expectedPaymentAttempts?: number | undefined;
}

/** A reserved attempt: new, or resumed after its holder's lease ran out (the same id, never a new one). */
export interface Reservation {
  readonly attempt: PaymentAttemptRecord;
  readonly resumed: boolean;
}

const auditAttempt = (
  record: Recorder,
  type: string,
  invoice: InvoiceRecord,
  attempt: PaymentAttemptRecord,
  extra: Record<string, unknown> = {},
) =>
  record({
    type,
    entityType: 'invoice',
    entityId: invoice.id,
    before: null,
    after: null,
    extra: { attempt, ...extra },
  });

/**
 * Reserves the invoice's next payment attempt, under the invoice's row lock, before any gateway call: the
 * invoice must be open, and no other attempt may be in flight (`WORKFLOW_CONFLICT`, retryable) unless it
 * is a pending attempt whose lease ran out, which is resumed instead (same id, same payment method and
 * amount, so the gateway finds the intent it may already have made).
 */
export async function reserveAttempt(
  deps: Deps,
  ctx: OperationContext,
  invoiceId: string,
  request: AttemptRequest,
): Promise<Reservation> {
  return mutate(deps, ctx, 'payments.reserve', { invoiceId, request }, async (tx, record) => {
    const invoice = await tx.getForUpdate('invoice', invoiceId);
    if (!invoice) throw notFound('invoice', invoiceId);
    if (invoice.status !== 'open') {
      throw new WorkflowError(
        'WORKFLOW_INVALID_STATE',
        `Invoice ${invoice.id} is ${invoice.status}, not open`,
        {
          invoice: invoice.id,
          status: invoice.status,
        },
      );
    }
    const attempts = await attemptsOf(tx, invoice.id);
    const now = Date.now();
    const inFlight = attempts.find((a) => IN_FLIGHT.has(a.status));
    if (inFlight) {
      const stale =
        inFlight.status === 'pending' &&
        (inFlight.leaseUntil === null || Date.parse(inFlight.leaseUntil) <= now);
      if (!stale) throw paymentInFlight(inFlight);
      const resumed: PaymentAttemptRecord = {
        ...inFlight,
        gatewayCalls: inFlight.gatewayCalls + 1,
        leaseUntil: new Date(now + PAYMENT_ATTEMPT_LEASE_MS).toISOString(),
        updatedAt: deps.clock().toISOString(),
      };
      await tx.update('payment_attempt', resumed);
      await auditAttempt(record, 'invoice.payment_attempt_resumed', invoice, resumed, {
        leaseExpiredAt: inFlight.leaseUntil,
      });
      return { attempt: resumed, resumed: true };
    }
    if (
      request.expectedPaymentAttempts !== undefined &&
      invoice.paymentAttempts !== request.expectedPaymentAttempts
    ) {
      throw new WorkflowError(
        'WORKFLOW_CONFLICT',
        `Invoice ${invoice.id} was attempted meanwhile (${invoice.paymentAttempts} attempts, not ${request.expectedPaymentAttempts})`,
        { reason: 'attempted_meanwhile', invoice: invoice.id },
      );
    }
    if (invoice.amountRemaining.amount <= 0) {
      throw new WorkflowError('WORKFLOW_INVALID_STATE', `Invoice ${invoice.id} has nothing left to pay`, {
        invoice: invoice.id,
      });
    }
    const ownMethod = request.paymentMethodId === undefined;
    const paymentMethodId = request.paymentMethodId ?? invoice.paymentMethodId ?? null;
    if (paymentMethodId === null) {
      throw new WorkflowError(
        'WORKFLOW_INVALID_STATE',
        `Invoice ${invoice.id} has no payment method to charge`,
        {
          invoice: invoice.id,
          reason: 'no_payment_method',
        },
      );
    }
    let gatewayCustomerId =
      request.gatewayCustomerId ?? (ownMethod ? (invoice.gatewayCustomerId ?? null) : null);
    if (gatewayCustomerId === null && !ownMethod) {
      gatewayCustomerId = (await tx.get('customer', invoice.customerId))?.metadata.tilled_customer_id ?? null;
    }
    // Numbered after every attempt so far (and after attempts counted before attempts had rows).
    let n = Math.max(attempts.length, invoice.paymentAttempts) + 1;
    while (attempts.some((a) => a.id === `${invoice.id}_attempt_${n}`)) n += 1;
    const at = deps.clock().toISOString();
    const attempt: PaymentAttemptRecord = {
      id: `${invoice.id}_attempt_${n}`,
      invoiceId: invoice.id,
      customerId: invoice.customerId,
      gateway: request.gateway,
      status: 'pending',
      amount: invoice.amountRemaining.amount,
      currency: invoice.currency,
      paymentMethodId,
      gatewayCustomerId,
      paymentIntentId: null,
      gatewayCalls: 1,
      leaseUntil: new Date(now + PAYMENT_ATTEMPT_LEASE_MS).toISOString(),
      lastError: null,
      createdAt: at,
      updatedAt: at,
    };
    try {
      await tx.insert('payment_attempt', attempt);
    } catch (error) {
      // The database's own guard (one attempt in flight per invoice) agrees with the check above.
      if ((error as { code?: unknown }).code === 'DB_UNIQUE_VIOLATION') {
        throw new WorkflowError(
          'WORKFLOW_CONFLICT',
          `A payment of invoice ${invoice.id} is in flight; retry once it has settled`,
          {
            reason: 'payment_in_flight',
            invoice: invoice.id,
            retryable: true,
          },
        );
      }
      throw error;
    }
    await auditAttempt(record, 'invoice.payment_attempt_reserved', invoice, attempt);
    return { attempt, resumed: false };
  });
}

/** A gateway error as a short, secret-free summary (its code, e.g. TILLED_TIMEOUT, or a generic label). */
export function gatewayErrorSummary(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'gateway_error';
}

/**
 * The settlement a gateway's answer to a payment intent means: `succeeded` (for the intent's amount),
 * `pending` while it is processing or needs customer action, otherwise `failed` with the gateway's code.
 */
export function paymentOutcomeOf(
  intent: Pick<PaymentIntent, 'id' | 'status' | 'failureCode' | 'failureMessage'> & {
    readonly amount?: PaymentIntent['amount'];
  },
  attemptId: string,
): InvoicePaymentOutcome {
  const amount = intent.amount !== undefined ? { amount: intent.amount.amount } : {};
  return intent.status === 'succeeded'
    ? { status: 'succeeded', paymentIntentId: intent.id, attemptId, ...amount }
    : intent.status === 'processing' || intent.status === 'requires_action'
      ? { status: 'pending', paymentIntentId: intent.id, attemptId, ...amount }
      : {
          status: 'failed',
          paymentIntentId: intent.id,
          attemptId,
          failure: intent.failureCode ?? intent.failureMessage ?? intent.status,
        };
}

/** What applying an outcome to an attempt did; `refund`: a charge the invoice could not take, to give back. */
export interface AttemptSettlement {
  readonly invoice: InvoiceRecord;
  readonly attempt: PaymentAttemptRecord;
  /** False when the attempt had been settled already (by the gateway's event, or another holder). */
  readonly applied: boolean;
  readonly refund: {
    readonly paymentIntentId: string;
    readonly amount: number;
    readonly currency: string;
    readonly reason: string;
  } | null;
}

/**
 * Applies a gateway outcome to an attempt and its invoice, in `tx`, holding the invoice's row lock
 * (callers lock the invoice, then the attempt). Idempotent: an attempt already settled is left alone. A
 * success is paid onto the invoice (for the charged amount) while the invoice can take it; otherwise the
 * attempt is marked and the charge handed back for a refund (see {@link refundUnapplied}).
 */
export async function applyAttemptOutcome(
  deps: Pick<Deps, 'clock'> & { readonly observer?: Deps['observer'] },
  tx: TenantTransaction,
  record: Recorder,
  invoice: InvoiceRecord,
  attempt: PaymentAttemptRecord,
  outcome: InvoicePaymentOutcome,
): Promise<AttemptSettlement> {
  const unchanged = { invoice, attempt, applied: false, refund: null };
  if (SETTLED.has(attempt.status)) return unchanged;
  if (attempt.status === 'processing' && outcome.status === 'pending') return unchanged;
  const at = deps.clock().toISOString();
  const paymentIntentId = outcome.paymentIntentId ?? attempt.paymentIntentId;
  // The attempt is counted on the invoice once, when the gateway first answers for it.
  const counted: InvoiceRecord =
    attempt.status === 'pending'
      ? {
          ...invoice,
          paymentAttempts: invoice.paymentAttempts + 1,
          paymentMethodId: attempt.paymentMethodId ?? invoice.paymentMethodId ?? null,
          gatewayCustomerId: attempt.gatewayCustomerId ?? invoice.gatewayCustomerId ?? null,
        }
      : invoice;
  if (outcome.status === 'succeeded') {
    const amount = outcome.amount ?? attempt.amount;
    const takes =
      invoice.status === 'open' &&
      amount > 0 &&
      amount <= invoice.amountRemaining.amount &&
      attempt.currency === invoice.currency;
    if (!takes) {
      const reason =
        invoice.status !== 'open'
          ? `invoice_${invoice.status}`
          : `amount_${amount}_exceeds_remaining_${invoice.amountRemaining.amount}`;
      const after: PaymentAttemptRecord = {
        ...attempt,
        status: 'succeeded',
        paymentIntentId,
        leaseUntil: null,
        lastError: `unapplied: ${reason}`,
        updatedAt: at,
      };
      await tx.update('payment_attempt', after);
      await auditAttempt(record, 'invoice.payment_unapplied', invoice, after, { reason, amount });
      return {
        invoice,
        attempt: after,
        applied: true,
        refund: paymentIntentId ? { paymentIntentId, amount, currency: attempt.currency, reason } : null,
      };
    }
    const after: PaymentAttemptRecord = {
      ...attempt,
      status: 'succeeded',
      paymentIntentId,
      leaseUntil: null,
      lastError: null,
      updatedAt: at,
    };
    await tx.update('payment_attempt', after);
    const paid = await settleInvoicePayment(deps, tx, record, counted, { ...outcome, amount });
    return { invoice: paid, attempt: after, applied: true, refund: null };
  }
  const after: PaymentAttemptRecord = {
    ...attempt,
    status: outcome.status === 'pending' ? 'processing' : 'failed',
    paymentIntentId,
    leaseUntil: null,
    lastError: outcome.status === 'failed' ? (outcome.failure ?? 'payment_failed') : null,
    updatedAt: at,
  };
  await tx.update('payment_attempt', after);
  // Only an open invoice records the outcome (a processing payment, a decline).
  const settled =
    invoice.status === 'open' ? await settleInvoicePayment(deps, tx, record, counted, outcome) : invoice;
  return { invoice: settled, attempt: after, applied: true, refund: null };
}

/**
 * Gives back a charge the invoice could not take (refunded in full at the gateway, idempotency key
 * `<attempt>_refund`) and audits it on the invoice: `invoice.payment_refunded`, or
 * `invoice.payment_refund_failed` with the attempt left `succeeded` and the error on it, for an operator.
 */
export async function refundUnapplied(
  deps: Deps,
  ctx: OperationContext,
  gateway: PaymentGateway,
  unapplied: {
    readonly invoiceId: string;
    readonly attemptId: string;
    readonly refund: NonNullable<AttemptSettlement['refund']>;
  },
): Promise<void> {
  const { invoiceId, attemptId, refund } = unapplied;
  let outcome: { ok: true; refundId: string } | { ok: false; error: string };
  try {
    const made = await gateway.refund({
      paymentIntentId: refund.paymentIntentId,
      amount: money(refund.amount, refund.currency),
      reason: 'duplicate',
      idempotencyKey: `${attemptId}_refund`,
    });
    outcome = { ok: true, refundId: made.id };
  } catch (error) {
    outcome = { ok: false, error: gatewayErrorSummary(error) };
  }
  await mutate(deps, ctx, 'payments.refundUnapplied', { attemptId }, async (tx, record) => {
    const invoice = await tx.getForUpdate('invoice', invoiceId);
    if (!invoice) return;
    const locked = await tx.getForUpdate('payment_attempt', attemptId);
    const at = deps.clock().toISOString();
    const after: PaymentAttemptRecord | null =
      locked === null
        ? null
        : outcome.ok
          ? { ...locked, status: 'refunded', lastError: `refunded: ${refund.reason}`, updatedAt: at }
          : { ...locked, lastError: `refund_failed: ${outcome.error} (${refund.reason})`, updatedAt: at };
    if (after) await tx.update('payment_attempt', after);
    await record({
      type: outcome.ok ? 'invoice.payment_refunded' : 'invoice.payment_refund_failed',
      entityType: 'invoice',
      entityId: invoice.id,
      before: null,
      after: null,
      extra: {
        attemptId,
        ...(after ? { attempt: after } : {}),
        paymentIntentId: refund.paymentIntentId,
        amount: refund.amount,
        reason: refund.reason,
        ...(outcome.ok ? { refundId: outcome.refundId } : { error: outcome.error }),
      },
    });
  });
}

/** Renews the holder's lease on its pending attempt while it waits on the gateway; stops once it has lost it. */
function keepLease(deps: Deps, ctx: OperationContext, attempt: PaymentAttemptRecord): () => void {
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const renew = async () => {
    try {
      const kept = await mutate(deps, ctx, 'payments.renewLease', { id: attempt.id }, async (tx) => {
        await tx.getForUpdate('invoice', attempt.invoiceId);
        const current = await tx.getForUpdate('payment_attempt', attempt.id);
        if (current?.status !== 'pending' || current.gatewayCalls !== attempt.gatewayCalls) return false;
        await tx.update('payment_attempt', {
          ...current,
          leaseUntil: new Date(Date.now() + PAYMENT_ATTEMPT_LEASE_MS).toISOString(),
        });
        return true;
      });
      if (!kept) stop();
    } catch {
      // The next renewal tries again; the lease outlasts a missed one.
    }
  };
  timer = setInterval(() => void renew(), LEASE_RENEWAL_MS);
  timer.unref?.();
  return stop;
}

/** The result of running a reserved attempt at the gateway. */
export interface AttemptResult {
  readonly invoice: InvoiceRecord;
  readonly outcome: InvoicePaymentOutcome;
  readonly attempt: PaymentAttemptRecord;
}

/**
 * Runs a reserved attempt: asks the gateway for the attempt's intent (created and confirmed unless it
 * exists: the attempt id is the idempotency key), holding the lease meanwhile, then settles the attempt and
 * its invoice in one transaction. A gateway error is kept on the attempt and the invoice and rethrown; the
 * attempt stays pending with its lease released, so the next payment of the invoice resumes it (same id)
 * and the gateway finds any intent it had made. A charge the invoice can no longer take is refunded.
 */
export async function runAttempt(
  deps: Deps,
  ctx: OperationContext,
  gateway: PaymentGateway,
  attempt: PaymentAttemptRecord,
  metadata: Readonly<Record<string, string>> = {},
): Promise<AttemptResult> {
  const release = keepLease(deps, ctx, attempt);
  let intent: PaymentIntent;
  try {
    intent = await gateway.createPaymentIntent({
      gatewayCustomerId: attempt.gatewayCustomerId ?? '',
      paymentMethodId: attempt.paymentMethodId ?? '',
      amount: money(attempt.amount, attempt.currency),
      metadata: { ...metadata, invoiceId: attempt.invoiceId, attemptId: attempt.id },
      idempotencyKey: attempt.id,
    });
  } catch (error) {
    release();
    await recordGatewayError(deps, ctx, attempt, error);
    throw error;
  }
  release();
  const outcome = paymentOutcomeOf(intent, attempt.id);
  const settled = await mutate(deps, ctx, 'payments.settle', { id: attempt.id }, async (tx, record) => {
    const invoice = await tx.getForUpdate('invoice', attempt.invoiceId);
    const current = await tx.getForUpdate('payment_attempt', attempt.id);
    if (!invoice || !current) throw notFound('invoice', attempt.invoiceId);
    return applyAttemptOutcome(deps, tx, record, invoice, current, outcome);
  });
  if (settled.refund) {
    await refundUnapplied(deps, ctx, gateway, {
      invoiceId: attempt.invoiceId,
      attemptId: attempt.id,
      refund: settled.refund,
    });
  }
  return { invoice: settled.invoice, outcome, attempt: settled.attempt };
}

/**
 * The gateway failed or timed out: the charge may or may not exist. The error is kept on the attempt and
 * the invoice (the attempt is not counted), and the lease released so a retry resumes the attempt at once.
 */
async function recordGatewayError(
  deps: Deps,
  ctx: OperationContext,
  attempt: PaymentAttemptRecord,
  error: unknown,
): Promise<void> {
  const summary = gatewayErrorSummary(error);
  await mutate(deps, ctx, 'payments.gatewayError', { id: attempt.id }, async (tx, record) => {
    const before = await tx.getForUpdate('invoice', attempt.invoiceId);
    const current = await tx.getForUpdate('payment_attempt', attempt.id);
    if (!before || current?.status !== 'pending' || current.gatewayCalls !== attempt.gatewayCalls) return;
    const at = deps.clock().toISOString();
    await tx.update('payment_attempt', {
      ...current,
      lastError: summary,
      leaseUntil: new Date(Date.now()).toISOString(),
      updatedAt: at,
    });
    const after: InvoiceRecord = { ...before, lastPaymentError: summary, updatedAt: at };
    await tx.update('invoice', after);
    await record({
      type: 'invoice.payment_attempt_errored',
      entityType: 'invoice',
      entityId: after.id,
      before,
      after,
      extra: { attemptId: attempt.id, error: summary },
    });
  });
}
