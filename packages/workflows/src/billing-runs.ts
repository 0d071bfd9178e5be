import type { CallerDiscountState } from '@billkit/billing-core';
import type {
  BillingRunClaim,
  BillingRunRecord,
  DbStore,
  Page,
  RenewalInput,
  StoreAuditEventInput,
  SubscriptionRecord,
} from '@billkit/db';
import { applyInvoiceToBalance } from './balance.js';
import { auditEntryOf, type Deps, mutate, type OperationContext, runClaimed, tenantOf } from './context.js';
import { billingFor, listAll, toCoreCustomer } from './environment.js';
import { notFound } from './errors.js';
import { newId } from './ids.js';
import { discountStateFor, invoiceRecord, persistTransition } from './transition.js';

/** Input of `billingRuns.create`: renew every subscription whose period ends at or before `upTo`. */
export interface CreateBillingRunInput {
  /** An ISO instant; default: the business clock's now. */
  readonly upTo?: string;
}

/** Input of `billingRuns.list`: one page of billing runs, oldest first. */
export interface ListBillingRunsInput {
  /** Page size (default 10). */
  readonly limit?: number;
  /** Cursor: the last id of the previous page. */
  readonly startingAfter?: string;
}

/** The code recorded for a renewal that failed with an error carrying no `code` of its own. */
export const BILLING_RUN_INTERNAL_ERROR = 'WORKFLOW_INTERNAL';

const RENEWABLE = new Set(['active', 'trialing', 'past_due']);
const MAX_PERIODS_PER_RUN = 120;

/**
 * Billing runs: renew every subscription whose period has ended, one period per transaction, and record
 * what the run did (`billing_run`).
 *
 * @example
 * const run = await billing.billingRuns.create({ tenantId: 'acme' }, { upTo: '2026-02-01T00:00:00Z' });
 * run.renewed; // periods renewed; a second run over the same period renews none
 */
export function billingRunOperations(deps: Deps) {
  return {
    /**
     * Renews every `active`, `trialing` or `past_due` subscription whose current period ends at or before
     * `upTo`, as many periods as it is behind, each period in its own version-checked transaction: a
     * concurrent run (or a retry) that already advanced a subscription makes this one skip it instead of
     * billing the period twice. A failed renewal is reported in the run (`errors`), not thrown; the run
     * itself is stored with a `billing_run.completed` audit event. Renewal invoices are drafts: the
     * customer's balance is their `startingBalance` and is spent when they are finalized. With an
     * idempotency key the key is claimed for the whole run (a twin gets `WORKFLOW_IDEMPOTENCY_IN_PROGRESS`).
     */
    async create(ctx: OperationContext, input: CreateBillingRunInput = {}): Promise<BillingRunRecord> {
      return runClaimed(deps, ctx, 'billingRuns.create', input, (step) => run(deps, step, input));
    },

    /** The billing run `id`, or `WORKFLOW_NOT_FOUND`. */
    async retrieve(ctx: OperationContext, id: string): Promise<BillingRunRecord> {
      const found = await tenantOf(deps, ctx).get('billing_run', id);
      if (!found) throw notFound('billing_run', id);
      return found;
    },

    /** One page of the tenant's billing runs, oldest first. */
    async list(ctx: OperationContext, input: ListBillingRunsInput = {}): Promise<Page<BillingRunRecord>> {
      return tenantOf(deps, ctx).list('billing_run', {
        limit: input.limit ?? 10,
        ...(input.startingAfter !== undefined ? { startingAfter: input.startingAfter } : {}),
      });
    },
  };
}

async function run(
  deps: Deps,
  ctx: OperationContext,
  input: CreateBillingRunInput,
): Promise<BillingRunRecord> {
  const upTo = new Date(input.upTo ?? deps.clock().toISOString()).toISOString();
  const reader = tenantOf(deps, ctx);
  const result = startRun(deps, upTo);
  const due = (await listAll(reader, 'subscription')).filter(
    (s) => RENEWABLE.has(s.status) && Date.parse(s.currentPeriodEnd) <= Date.parse(upTo),
  );
  result.considered = due.length;
  for (const candidate of due) {
    let renewedHere = 0;
    try {
      // One transaction per period: each renewal is version-checked, so a concurrent run (or a retry)
      // that already advanced the subscription makes this one skip instead of billing twice.
      for (let periods = 0; periods < MAX_PERIODS_PER_RUN; periods++) {
        const renewedInvoice = await renewOnce(deps, ctx, candidate.id, upTo);
        if (renewedInvoice === undefined) break;
        result.renewed += 1;
        renewedHere += 1;
        if (renewedInvoice) result.invoiceIds.push(renewedInvoice);
      }
      if (renewedHere === 0) result.skipped += 1;
    } catch (error) {
      recordFailure(result, candidate.id, error);
    }
  }
  return finishRun(deps, ctx, input, result);
}

/** A billing run's record before it has renewed anything. */
export function startRun(deps: Pick<Deps, 'clock'>, upTo: string): BillingRunRecord {
  const now = deps.clock().toISOString();
  return {
    id: newId('brun'),
    upTo,
    status: 'running',
    considered: 0,
    renewed: 0,
    skipped: 0,
    failed: 0,
    invoiceIds: [],
    errors: [],
    createdAt: now,
    completedAt: null,
    updatedAt: now,
  };
}

/** Counts a renewal that failed, with its error's code (or {@link BILLING_RUN_INTERNAL_ERROR}). */
export function recordFailure(result: BillingRunRecord, subscriptionId: string, error: unknown): void {
  result.failed += 1;
  const code = (error as { code?: string }).code ?? BILLING_RUN_INTERNAL_ERROR;
  result.errors.push({ subscriptionId, code, message: (error as Error).message });
}

/** Completes the run's record and stores it with its `billing_run.completed` audit event. */
export async function finishRun(
  deps: Deps,
  ctx: OperationContext,
  input: unknown,
  result: BillingRunRecord,
): Promise<BillingRunRecord> {
  result.status = result.failed > 0 ? 'failed' : 'completed';
  result.completedAt = deps.clock().toISOString();
  result.updatedAt = result.completedAt;
  await mutate(deps, ctx, 'billingRuns.create', input, async (tx, record) => {
    await tx.insert('billing_run', result);
    await record({
      type: 'billing_run.completed',
      entityType: 'billing_run',
      entityId: result.id,
      before: null,
      after: result,
    });
  });
  return result;
}

/**
 * Renews one claimed period (a worker's claim from db's `billingRun.claimDueSubscriptions`): subscription
 * `subscriptionId` is renewed exactly when its current period still ends at `periodStart` (the claimed
 * period) by `upTo`, in one version-checked transaction like every billing-run renewal. A second holder of
 * the same claim (one that took it over after the lease ran out while the first was only slow) finds the
 * period renewed and bills nothing: `undefined`. Otherwise the renewal invoice's id (`null` when the renewal
 * billed nothing).
 */
export function renewClaimedPeriod(
  deps: Deps,
  ctx: OperationContext,
  claim: { readonly subscriptionId: string; readonly periodStart: string },
  upTo: string,
): Promise<string | null | undefined> {
  return renewOnce(deps, ctx, claim.subscriptionId, upTo, claim.periodStart);
}

/**
 * Renews subscription `id` by one period if it is still due: the renewal invoice's id, `null` when the
 * renewal billed nothing (a cancellation at period end without pending items), `undefined` when there
 * was nothing to renew (no longer due, not renewable, gone, or — with `periodStart` — no longer in the
 * period ending there).
 */
async function renewOnce(
  deps: Deps,
  ctx: OperationContext,
  id: string,
  upTo: string,
  periodStart?: string,
): Promise<string | null | undefined> {
  return mutate(deps, ctx, 'billingRuns.renew', { subscription: id, upTo }, async (tx, record) => {
    const before = await tx.get('subscription', id);
    if (!before || !RENEWABLE.has(before.status) || Date.parse(before.currentPeriodEnd) > Date.parse(upTo)) {
      return undefined;
    }
    if (periodStart !== undefined && Date.parse(before.currentPeriodEnd) !== Date.parse(periodStart)) {
      return undefined;
    }
    const customer = await tx.get('customer', before.customerId);
    if (!customer) return undefined;
    const { billing } = await billingFor(tx);
    // The customer's current balance is the invoice's starting balance (a credit lowers `amountDue`).
    const t = billing.renewSubscription(before, {
      customer: toCoreCustomer(customer),
      invoiceId: newId('in'),
      discountState: await discountStateFor(
        tx,
        before.discounts.map((d) => String(d.discount.id)),
      ),
    });
    // The subscription is stored as billing-core returned it: its discounts carry what is left of each
    // credit (`creditRemaining`), so a credit is spent once.
    const saved = await persistTransition(deps, tx, record, t, {
      before,
    });
    // A draft does not touch the balance yet; a renewal invoice finalized here moves it to `endingBalance`.
    if (saved.invoice && saved.invoice.status !== 'draft') {
      await applyInvoiceToBalance(deps, tx, record, saved.invoice);
    }
    return saved.invoice?.id ?? null;
  });
}

/**
 * What became of one claim of {@link renewClaimedBatch}. `settled`: the batch's transaction already completed
 * the claim with its invoice (else the caller settles it: db's `billingRun.settleClaims`).
 */
export type ClaimedRenewal =
  /** Renewed by this call: `invoiceId` is its renewal invoice (null when the renewal billed nothing). */
  | {
      readonly claimId: string;
      readonly outcome: 'renewed';
      readonly invoiceId: string | null;
      readonly settled?: boolean;
    }
  /** Nothing to bill (renewed by another holder, no longer due, gone, or its claim was given up). */
  | { readonly claimId: string; readonly outcome: 'skipped' }
  /** The renewal failed: nothing of it was written. */
  | { readonly claimId: string; readonly outcome: 'failed'; readonly error: unknown };

/**
 * Renews a worker's batch of claimed periods (db's `billingRun.claimDueSubscriptions`) with as few statements
 * as the batch allows: the subscriptions, their customers, the discounts and the tenant's billing environment
 * are read once for the batch, each period is renewed in memory (billing-core's `renewSubscription`, as
 * `renewClaimedPeriod` does), and the renewals are written in ONE transaction by db's
 * `billingRun.completeRenewals` (subscriptions version-checked under lock, invoices with multi-row INSERTs,
 * the claims completed, the audit chain extended once with the same events as the single path). A renewal
 * that does more than write a subscription and its draft (a discount redeemed for the first time, a
 * cancellation that bills nothing) is renewed through `renewClaimedPeriod` instead, as is one whose
 * subscription changed since it was read (its claim was released: it is renewed from the fresh state), and,
 * if the batch's write fails as a whole, every renewal of it: one bad subscription fails alone. A period
 * another holder already billed is skipped, never billed again. Results come in the order of `claims`.
 */
export async function renewClaimedBatch(
  deps: Deps,
  ctx: OperationContext,
  store: DbStore,
  claims: readonly BillingRunClaim[],
  upTo: string,
): Promise<ClaimedRenewal[]> {
  const reader = tenantOf(deps, ctx);
  const results = new Map<string, ClaimedRenewal>();
  const single: BillingRunClaim[] = [];
  const subscriptions = new Map(
    (
      await reader.getMany(
        'subscription',
        claims.map((c) => c.subscriptionId),
      )
    ).map((s) => [s.id, s]),
  );
  const due = claims.filter((claim) => {
    const s = subscriptions.get(claim.subscriptionId);
    const current =
      s !== undefined &&
      RENEWABLE.has(s.status) &&
      Date.parse(s.currentPeriodEnd) <= Date.parse(upTo) &&
      Date.parse(s.currentPeriodEnd) === Date.parse(claim.periodStart);
    if (!current) results.set(claim.id, { claimId: claim.id, outcome: 'skipped' });
    return current;
  });
  const [customers, discounts, { billing }] = await Promise.all([
    reader.getMany('customer', [
      ...new Set(due.map((c) => (subscriptions.get(c.subscriptionId) as SubscriptionRecord).customerId)),
    ]),
    reader.getMany('discount', [
      ...new Set(
        due.flatMap((c) =>
          (subscriptions.get(c.subscriptionId) as SubscriptionRecord).discounts.map((d) =>
            String(d.discount.id),
          ),
        ),
      ),
    ]),
    billingFor(reader),
  ]);
  const customerById = new Map(customers.map((c) => [c.id, c]));
  const timesRedeemed = new Map(discounts.map((d) => [d.id, d.timesRedeemed]));
  const now = deps.clock().toISOString();
  const renewals: RenewalInput[] = [];
  const byClaim = new Map<string, { claim: BillingRunClaim; invoice: ReturnType<typeof invoiceRecord> }>();
  for (const claim of due) {
    const before = subscriptions.get(claim.subscriptionId) as SubscriptionRecord;
    const customer = customerById.get(before.customerId);
    if (!customer) {
      results.set(claim.id, { claimId: claim.id, outcome: 'skipped' });
      continue;
    }
    // Redemption counts as `discountStateFor` reads them, from the batch's one read of the discounts.
    const redemptions: Record<string, { total: number; customer: number }> = {};
    for (const d of before.discounts) {
      const total = timesRedeemed.get(String(d.discount.id));
      if (total !== undefined) redemptions[String(d.discount.id)] = { total, customer: 0 };
    }
    const discountState: CallerDiscountState = { redemptions };
    let t: ReturnType<typeof billing.renewSubscription>;
    try {
      t = billing.renewSubscription(before, {
        customer: toCoreCustomer(customer),
        invoiceId: newId('in'),
        discountState,
      });
    } catch (error) {
      results.set(claim.id, { claimId: claim.id, outcome: 'failed', error });
      continue;
    }
    // Only a renewal that writes exactly a subscription and its draft goes into the batch (see above).
    const redeemed = new Set(
      before.discounts.filter((d) => d.periodsApplied > 0).map((d) => String(d.discount.id)),
    );
    const redeems = (t.discounts?.applied ?? []).some((a) => a.newRedemption && !redeemed.has(a.discountId));
    if (t.invoice?.status !== 'draft' || redeems) {
      single.push(claim);
      continue;
    }
    const invoice = invoiceRecord(t.invoice, now);
    const subscription: SubscriptionRecord = {
      ...t.subscription,
      latestInvoiceId: invoice.id,
      metadata: before.metadata,
      updatedAt: now,
    };
    renewals.push({
      claimId: claim.id,
      subscription,
      expectedVersion: before.version,
      invoice,
      auditEvents: renewalAuditEvents(ctx, now, t.events, before, subscription, invoice),
    });
    byClaim.set(claim.id, { claim, invoice });
  }

  if (renewals.length > 0) {
    let written: Awaited<ReturnType<DbStore['db']['billingRun']['completeRenewals']>> | null = null;
    try {
      written = await store.exclusive(() => store.db.billingRun.completeRenewals(ctx.tenantId, renewals));
    } catch {
      // The batch as a whole was refused (nothing of it written): each renewal on its own, so a bad one fails alone.
      for (const r of renewals) single.push((byClaim.get(r.claimId) as { claim: BillingRunClaim }).claim);
    }
    for (const r of written ?? []) {
      const { claim, invoice } = byClaim.get(r.claimId) as {
        claim: BillingRunClaim;
        invoice: { billingReason: string };
      };
      if (r.outcome === 'renewed') {
        results.set(r.claimId, {
          claimId: r.claimId,
          outcome: 'renewed',
          invoiceId: r.invoiceId,
          settled: true,
        });
        deps.observer.invoiceCreated?.({ tenantId: ctx.tenantId, billingReason: invoice.billingReason });
      } else if (r.outcome === 'conflict' && r.reason === 'version_conflict') {
        // Changed since it was read (its claim was released): renewed from the fresh state if still due.
        single.push(claim);
      } else results.set(r.claimId, { claimId: r.claimId, outcome: 'skipped' });
    }
  }

  for (const claim of single) {
    try {
      const invoiceId = await renewClaimedPeriod(deps, ctx, claim, upTo);
      results.set(
        claim.id,
        invoiceId === undefined
          ? { claimId: claim.id, outcome: 'skipped' }
          : { claimId: claim.id, outcome: 'renewed', invoiceId },
      );
    } catch (error) {
      results.set(claim.id, { claimId: claim.id, outcome: 'failed', error });
    }
  }
  return claims.map((c) => results.get(c.id) as ClaimedRenewal);
}

/**
 * The audit events of one renewal, as `persistTransition` records them through a transaction's recorder:
 * one per billing event (the subscription before and after it, or the invoice), actor, request id and the
 * business clock's time on each.
 */
function renewalAuditEvents(
  ctx: OperationContext,
  occurredAt: string,
  events: readonly { type: string; subjectType: string; subjectId: string; data?: unknown }[],
  before: SubscriptionRecord,
  after: SubscriptionRecord,
  invoice: ReturnType<typeof invoiceRecord>,
): StoreAuditEventInput[] {
  const entry = (type: string, entityType: string, entityId: string, data: Record<string, unknown>) => ({
    type,
    actor: ctx.actor ?? 'system',
    entityType,
    entityId,
    occurredAt,
    data: { ...data, ...(ctx.requestId !== undefined ? { requestId: ctx.requestId } : {}) },
  });
  const out = events.map((event) => {
    const isSubscription = event.subjectType === 'subscription';
    const change = auditEntryOf({
      type: event.type,
      entityType: event.subjectType,
      entityId: event.subjectId,
      before: isSubscription ? before : null,
      after: isSubscription ? after : event.subjectType === 'invoice' ? invoice : null,
    });
    return entry(change.type, change.entityType, change.entityId, {
      before: change.before ?? null,
      after: change.after ?? null,
      event: event.data,
    });
  });
  if (!events.some((e) => e.type === 'invoice.created')) {
    const change = auditEntryOf({
      type: 'invoice.created',
      entityType: 'invoice',
      entityId: invoice.id,
      before: null,
      after: invoice,
    });
    out.push(entry(change.type, change.entityType, change.entityId, { before: null, after: change.after }));
  }
  return out;
}
