import type { BillingRunRecord, Page } from '@billkit/db';
import { applyInvoiceToBalance } from './balance.js';
import { type Deps, mutate, type OperationContext, runClaimed, tenantOf } from './context.js';
import { billingFor, listAll, toCoreCustomer } from './environment.js';
import { notFound } from './errors.js';
import { newId } from './ids.js';
import { discountStateFor, persistTransition } from './transition.js';

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
    const saved = await persistTransition(deps, tx, record, t, { before });
    // A draft does not touch the balance yet; a renewal invoice finalized here moves it to `endingBalance`.
    if (saved.invoice && saved.invoice.status !== 'draft') {
      await applyInvoiceToBalance(deps, tx, record, saved.invoice);
    }
    return saved.invoice?.id ?? null;
  });
}
