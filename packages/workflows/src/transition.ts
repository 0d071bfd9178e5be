// Storing what billing-core's pure transitions return: new state, invoice, audit events — one transaction.
import type { BillingEvent, CallerDiscountState, Invoice, Subscription } from '@billkit/billing-core';
import type { InvoiceRecord, SubscriptionRecord, TenantReader, TenantTransaction } from '@billkit/db';
import type { AuditChange, Deps, Recorder } from './context.js';

export function invoiceRecord(invoice: Invoice, now: string): InvoiceRecord {
  return {
    ...invoice,
    paymentIntentId: null,
    lastPaymentError: null,
    paymentAttempts: 0,
    paymentMethodId: null,
    gatewayCustomerId: null,
    updatedAt: now,
  };
}

/** Redemption counts the discount engine checks limits against, from the stored discount records. */
export async function discountStateFor(
  reader: TenantReader,
  discountIds: readonly string[],
): Promise<CallerDiscountState> {
  const redemptions: Record<string, { total: number; customer: number }> = {};
  for (const id of discountIds) {
    const record = await reader.get('discount', id);
    if (record) redemptions[id] = { total: record.timesRedeemed, customer: 0 };
  }
  return { redemptions };
}

export interface TransitionLike {
  readonly subscription?: Subscription;
  readonly invoice: Invoice | null;
  readonly events: readonly BillingEvent[];
  readonly discounts?: {
    readonly applied: readonly { readonly discountId: string; readonly newRedemption: boolean }[];
  } | null;
}

/**
 * Writes a subscription transition: the subscription (version-checked against `expectedVersion`), the
 * invoice it produced, redemption counts, and one audit event per billing event.
 */
export async function persistTransition(
  deps: Pick<Deps, 'clock'> & { readonly observer?: Deps['observer'] },
  tx: TenantTransaction,
  record: Recorder,
  t: TransitionLike,
  options: { readonly before: SubscriptionRecord | null; readonly metadata?: Record<string, string> },
): Promise<{ subscription: SubscriptionRecord | null; invoice: InvoiceRecord | null }> {
  const now = deps.clock().toISOString();
  const invoice: InvoiceRecord | null = t.invoice ? invoiceRecord(t.invoice, now) : null;
  // Redemptions first: the rows written below reference these discounts (a foreign key takes a shared lock
  // on each), so locking them for update afterwards would be a lock upgrade that deadlocks with a twin.
  // A discount this subscription has already been billed with was redeemed then: the discount engine
  // calls a mid-period proration in the discount's first period a "new" redemption (it only sees that
  // period's count, 0), which must not count again.
  const redeemed = new Set(
    (options.before?.discounts ?? []).filter((d) => d.periodsApplied > 0).map((d) => String(d.discount.id)),
  );
  for (const applied of t.discounts?.applied ?? []) {
    if (!applied.newRedemption || redeemed.has(applied.discountId)) continue;
    const discount = await tx.get('discount', applied.discountId);
    if (discount)
      await tx.update('discount', { ...discount, timesRedeemed: discount.timesRedeemed + 1, updatedAt: now });
  }
  let subscription: SubscriptionRecord | null = null;
  if (t.subscription) {
    subscription = {
      ...t.subscription,
      latestInvoiceId: invoice?.id ?? t.subscription.latestInvoiceId,
      metadata: options.metadata ?? options.before?.metadata ?? {},
      updatedAt: now,
    };
    if (options.before) await tx.update('subscription', subscription, options.before.version);
    else await tx.insert('subscription', subscription);
  }
  // After the subscription: db's Invoice row references it (foreign key).
  if (invoice) {
    await tx.insert('invoice', invoice);
    deps.observer?.invoiceCreated?.({ tenantId: tx.tenantId, billingReason: invoice.billingReason });
  }
  for (const event of t.events) {
    const isSubscription = event.subjectType === 'subscription' && subscription !== null;
    await record({
      type: event.type,
      entityType: event.subjectType,
      entityId: event.subjectId,
      before: isSubscription ? options.before : null,
      after: isSubscription ? subscription : event.subjectType === 'invoice' ? invoice : null,
      extra: { event: event.data },
    });
  }
  if (invoice && !t.events.some((e) => e.type === 'invoice.created')) {
    await record({
      type: 'invoice.created',
      entityType: 'invoice',
      entityId: invoice.id,
      before: null,
      after: invoice,
    });
  }
  return { subscription, invoice };
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

/**
 * Stores an invoice after a billing-core transition (finalize, void, mark uncollectible): the invoice as
 * the transition left it, then one audit entry per event the transition caused. Returns what was stored.
 */
export async function persistInvoiceTransition(
  tx: TenantTransaction,
  record: Recorder,
  before: InvoiceRecord,
  t: { readonly invoice: Invoice; readonly events: readonly BillingEvent[] },
  at: string,
): Promise<InvoiceRecord> {
  const after: InvoiceRecord = { ...before, ...t.invoice, updatedAt: at };
  await tx.update('invoice', after);
  await recordTransitionEvents(record, t.events, {
    entityType: 'invoice',
    entityId: after.id,
    before,
    after,
  });
  return after;
}
