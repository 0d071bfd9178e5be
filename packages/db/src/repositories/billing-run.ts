import {
  ident,
  inChunks,
  insertRows,
  placeholders,
  rowsOf,
  type SqlValue,
  updateRowsByKey,
} from '../bulk.js';
import { toDate, toIso } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, lockFailure, newId, type Scope } from '../scope.js';
import { type AuditEvent, type AuditEventLike, appendAuditEvents } from './audit-log.js';
import { type DiscountRedemption, insertRedemption, type RedeemInput } from './discounts.js';
import {
  duplicateInvoiceError,
  type Invoice,
  type InvoiceRecords,
  insertInvoice,
  invoiceRecords,
  isCycleInvoice,
  TRANSITION_FIELDS,
  takeDocumentNumbers,
  transitionColumns,
} from './invoices.js';
import {
  lockSubscriptionVersions,
  type Subscription,
  saveSubscription,
  writeSubscriptionsBatch,
} from './subscriptions.js';

/** Statuses a billing run renews when their period has ended. */
export const BILLABLE_STATUSES = ['trialing', 'active', 'past_due'] as const;

/** How long a claim is its worker's unless extended (5 minutes): see {@link ClaimOptions.leaseMs}. */
export const DEFAULT_CLAIM_LEASE_MS = 5 * 60_000;

/**
 * A worker's claim on one subscription period: the period starting at `periodStart` is this worker's to bill
 * until `leaseUntil`. After that (the worker died, hangs, or lost its connection) the next claimer takes the
 * claim over; the worker can keep it longer with {@link BillingRunRepository.extendClaims}.
 */
export interface BillingRunClaim {
  id: string;
  subscriptionId: string;
  /** The start of the period to bill (the subscription's `currentPeriodEnd` when claimed). */
  periodStart: string;
  workerId: string;
  /** When this worker claimed it (or took it over). */
  claimedAt: string;
  /** Until when the claim is this worker's. */
  leaseUntil: string;
  /** How many workers have held the claim: 1, plus one per takeover. */
  attempts: number;
}

/** Options of {@link BillingRunRepository.claimDueSubscriptions}. */
export interface ClaimOptions {
  /** Periods that ended at or before this instant are due (the business clock). */
  asOf: string;
  /** Names the claimer: unique per worker process (a takeover and an extension check it). */
  workerId: string;
  /** At most this many claims (default 100, at most 1000). */
  limit?: number;
  /**
   * How long the claims are the worker's (default {@link DEFAULT_CLAIM_LEASE_MS}). Longer than a batch takes,
   * or extend them; the workers' clocks must agree to well within it.
   */
  leaseMs?: number;
  /** The instant leases are measured from (default: this process's clock). Not the business clock. */
  now?: string;
}

/**
 * What became of one claim of {@link BillingRunRepository.settleClaims}:
 * - `completed`: a cycle invoice for the claimed period exists (`invoiceId`); the claim is done.
 * - `released`: the period is not billed; the claim was given back, so the period is claimable again.
 * - `taken_over`: not billed, and another worker holds the claim now (its lease is live): left to it.
 * - `missing`: no such claim for the tenant (released before, or never existed).
 */
export type ClaimSettlement =
  | { claimId: string; outcome: 'completed'; invoiceId: string | null }
  | { claimId: string; outcome: 'released' | 'taken_over' | 'missing' };

export interface RenewalInput {
  claimId: string;
  /** The renewed subscription (new period) and the version it was loaded at. */
  subscription: Subscription;
  expectedVersion: number;
  /** The subscription_cycle invoice; `periodStart` must be the claim's period start. */
  invoice: Invoice;
  redemptions?: readonly RedeemInput[];
  auditEvents?: readonly AuditEventLike[];
}

/**
 * Turns a renewal's draft invoice into the invoice to store once its number is taken: pass billing-core's
 * `finalizeInvoice`, e.g. `(draft, number) => finalizeInvoice(draft, { number, at })`. It may return the
 * invoice, or `{ invoice, events }` (billing-core's `InvoiceTransition`), whose events are audited after the
 * renewal's own. The invoice must keep the draft's id, carry `number` and no longer be a draft.
 */
export type RenewalFinalizer = (
  draft: Invoice,
  number: string,
) => Invoice | { readonly invoice: Invoice; readonly events?: readonly AuditEventLike[] };

export interface RenewalOptions {
  /**
   * Number and finalize the renewal invoices in the same transaction. The numbers come from the tenant's
   * invoice counter (for a batch: one UPDATE of +N, consecutive in the order of the renewed entries), so a
   * rollback returns them and the sequence stays gap-free. Without it the invoice is stored as given.
   */
  finalize?: RenewalFinalizer;
}

/**
 * What became of one renewal of a {@link BillingRunRepository.completeRenewals} batch (same order as the input):
 * - `renewed`: subscription, invoice, redemptions, audit events written; the claim is completed.
 * - `conflict`: nothing written for it. `version_conflict`: the subscription is no longer at `expectedVersion`
 *   (changed since it was loaded) — its claim is released in the same transaction, so the next
 *   `claimDueSubscriptions` hands the period out again if it is still due (reload and renew then).
 *   `claim_not_found`: the claim does not exist (released, or not this tenant's).
 * - `already_billed`: the claim was already completed, or a cycle invoice for that subscription period
 *   exists (`invoiceId`); nothing written, the claim left as it is.
 */
export type RenewalResult =
  | {
      outcome: 'renewed';
      claimId: string;
      subscriptionId: string;
      invoiceId: string;
      /** The number taken from the counter when `finalize` was passed, else the invoice's own (usually null). */
      invoiceNumber: string | null;
      /** The subscription's stored version now (`expectedVersion + 1`). */
      version: number;
    }
  | {
      outcome: 'conflict';
      claimId: string;
      subscriptionId: string;
      reason: 'version_conflict' | 'claim_not_found';
      expectedVersion: number;
      /** The stored version (`version_conflict`), or null when the subscription is gone. */
      actualVersion: number | null;
    }
  | { outcome: 'already_billed'; claimId: string; subscriptionId: string; invoiceId: string | null };

export interface SubscriptionChangeInput {
  subscription: Subscription;
  expectedVersion: number;
  /** The invoice the change produced (subscription_update with proration lines, or a create invoice). */
  invoice?: Invoice | null;
  redemptions?: readonly RedeemInput[];
  auditEvents?: readonly AuditEventLike[];
}

export interface SubscriptionChangeResult {
  subscription: Subscription;
  invoiceId: string | null;
  redemptions: DiscountRedemption[];
  auditEvents: AuditEvent[];
}

export interface BillingRunRepository {
  /**
   * Claims up to `limit` subscription periods that ended by `asOf`, each leased to `workerId` for `leaseMs`.
   * First the open claims whose lease has run out: one whose period is still due is taken over (a
   * compare-and-set on its `attempts`, so two claimers never both get it); one whose period is no longer
   * due (its worker billed it and died before saying so, or the subscription changed) is settled as
   * {@link settleClaims} does. Then periods nobody has claimed. Safe with many workers: the unique
   * (subscription, periodStart) claim makes a double claim impossible. MySQL claims with one short
   * `INSERT IGNORE` and holds no lock afterwards, so concurrent workers get disjoint batches and a worker
   * gets an empty batch only when nothing due is left claimable; SQLite serialises writers.
   */
  claimDueSubscriptions(tenantId: string, options: ClaimOptions): Promise<BillingRunClaim[]>;
  /**
   * Extends the leases of `workerId`'s open claims to `now + leaseMs` (a heartbeat for a long batch). Returns
   * the ids still this worker's: a claim taken over after its lease ran out, completed or released is left
   * out (billing it anyway is safe, but wasted).
   */
  extendClaims(
    tenantId: string,
    claimIds: readonly string[],
    options: { workerId: string; leaseMs?: number; now?: string },
  ): Promise<string[]>;
  /**
   * Closes claims after their periods were renewed some other way than {@link completeRenewals} (a workflow
   * transaction per renewal): a claim whose period has a cycle invoice is completed with it; one whose period
   * is not billed is released when it is `workerId`'s or its lease has run out, so the period can be claimed
   * again while it is due. Each claim is one compare-and-set statement; the invoice decides, not the caller,
   * so settling a claim twice, or the same claim from two workers, gives the same answer. In the order given.
   */
  settleClaims(
    tenantId: string,
    claimIds: readonly string[],
    options: { workerId: string; now?: string },
  ): Promise<ClaimSettlement[]>;
  /**
   * Writes a renewal in one transaction: subscription (version-checked → `DB_VERSION_CONFLICT`), invoice
   * (numbered and finalized with `options.finalize`), redemptions, audit events, claim done. A completed
   * claim or an already invoiced period throws `DB_ALREADY_BILLED`, a missing claim `DB_NOT_FOUND`.
   */
  completeRenewal(
    tenantId: string,
    renewal: RenewalInput,
    options?: RenewalOptions,
  ): Promise<SubscriptionChangeResult>;
  /**
   * Writes a batch of renewals in ONE transaction with multi-row statements: the subscriptions (each
   * version-checked under a row lock), the invoices with their lines, taxes and discounts, the invoice numbers
   * (with `options.finalize`: one counter UPDATE of +N), the audit events (the tenant's chain extended once,
   * `seq`/`prevHash`/`hash` exactly as `auditLog.append` chains them) and the claims marked done in one
   * statement. A renewal that cannot be written is reported, not thrown: see {@link RenewalResult}; the others
   * are written. The transaction is all-or-nothing for what it writes: invalid input (a claim/subscription or
   * invoice/period mismatch, sums that do not add up, unknown customer or price, repeated claim or
   * subscription) throws a `DbError` and writes nothing. Deadlocks and lock wait timeouts rerun the batch
   * like every repository transaction. Results come in the order of `renewals`.
   */
  completeRenewals(
    tenantId: string,
    renewals: readonly RenewalInput[],
    options?: RenewalOptions,
  ): Promise<RenewalResult[]>;
  /**
   * Gives an unfinished claim back (the worker failed) so a later run can bill the period. With `workerId`,
   * only while the claim is still that worker's (not taken over by another after its lease ran out).
   */
  releaseClaim(tenantId: string, claimId: string, options?: { workerId?: string }): Promise<void>;
  /**
   * How many due periods (a billable subscription whose period ended by `asOf`) are claimable: nobody has
   * claimed them, or their open claim's lease ran out before `now` (default: this process's clock). 0 once
   * a run is through. A plain read, no locks; a worker that keeps getting empty claims can ask whether it is
   * done or only losing races.
   */
  countDueUnclaimed(tenantId: string, options: { asOf: string; now?: string }): Promise<number>;
}

/**
 * Writes a subscription change as one unit: the new subscription state (refused with `DB_VERSION_CONFLICT`
 * when `expectedVersion` is stale), the invoice with its proration lines, discount redemptions (counters
 * included) and audit events — all committed together or none. The audit append comes last, so the tenant's
 * chain head is locked only for the end of the transaction; a deadlock or lock wait timeout reruns the
 * transaction (see `atomicWithRetry`).
 */
export async function writeSubscriptionChange(
  scope: Scope,
  tenantId: string,
  change: SubscriptionChangeInput,
): Promise<SubscriptionChangeResult> {
  return atomicWithRetry(scope, async (tx) => {
    const written = await writeChangeRows(tx, tenantId, change);
    const auditEvents = await appendAuditEvents(tx, tenantId, change.auditEvents ?? []);
    return { ...written, auditEvents };
  });
}

/** Everything of a subscription change except its audit events, inside the caller's transaction. */
async function writeChangeRows(
  tx: Scope,
  tenantId: string,
  change: SubscriptionChangeInput,
  prepareInvoice?: (draft: Invoice) => Promise<Invoice>,
): Promise<Omit<SubscriptionChangeResult, 'auditEvents'>> {
  const draft = change.invoice ?? null;
  const next = draft ? { ...change.subscription, latestInvoiceId: draft.id } : change.subscription;
  const subscription = await saveSubscription(tx, tenantId, next, change.expectedVersion);
  const invoice = draft && prepareInvoice ? await prepareInvoice(draft) : draft;
  if (invoice) {
    if (invoice.subscriptionId !== subscription.id || invoice.customerId !== subscription.customerId) {
      throw new DbError(
        'DB_INVALID_DATA',
        `Invoice ${invoice.id} does not belong to subscription ${subscription.id}`,
      );
    }
    await insertInvoice(tx, tenantId, invoice);
  }
  const redemptions: DiscountRedemption[] = [];
  for (const redemption of change.redemptions ?? []) {
    redemptions.push(
      await insertRedemption(tx, tenantId, {
        subscriptionId: subscription.id,
        invoiceId: invoice?.id ?? null,
        ...redemption,
      }),
    );
  }
  return { subscription, invoiceId: invoice?.id ?? null, redemptions };
}

export function billingRunRepository(scope: Scope): BillingRunRepository {
  return {
    async claimDueSubscriptions(tenantId, options) {
      const { asOf, workerId, limit = 100 } = options;
      const at = toDate(asOf, 'asOf');
      const take = Math.min(Math.max(limit, 1), 1000);
      const lease = leaseOf(options);
      const takenOver = await takeOverExpired(scope, tenantId, at, workerId, take, lease);
      if (takenOver.length >= take) return takenOver;
      const rest = take - takenOver.length;
      if (scope.provider === 'mysql')
        return [...takenOver, ...(await claimOnMysql(scope, tenantId, at, workerId, rest, lease))];
      // SQLite: one writer at a time; a claim insert that loses the race hits the unique index and is skipped.
      const due = await scope.client.subscription.findMany({
        where: { tenantId, status: { in: [...BILLABLE_STATUSES] }, currentPeriodEnd: { lte: at } },
        select: { id: true, currentPeriodEnd: true },
        orderBy: [{ currentPeriodEnd: 'asc' }, { id: 'asc' }],
      });
      const existing = await scope.client.billingRunClaim.findMany({
        where: { tenantId, subscriptionId: { in: due.map((s) => s.id) } },
        select: { subscriptionId: true, periodStart: true },
      });
      const taken = new Set(existing.map((c) => `${c.subscriptionId}@${c.periodStart.getTime()}`));
      const claims: BillingRunClaim[] = [...takenOver];
      for (const subscription of due) {
        if (claims.length >= take) break;
        if (taken.has(`${subscription.id}@${subscription.currentPeriodEnd.getTime()}`)) continue;
        const claim = await insertClaim(
          scope,
          tenantId,
          subscription.id,
          subscription.currentPeriodEnd,
          workerId,
          lease,
        );
        if (claim) claims.push(claim);
      }
      return claims;
    },
    async extendClaims(tenantId, claimIds, options) {
      if (claimIds.length === 0) return [];
      const { until } = leaseOf(options);
      const held: string[] = [];
      // One primary-key UPDATE per claim: an IN-list UPDATE cannot be pinned to the primary key on MySQL
      // and might lock other workers' claims with a scan.
      for (const id of claimIds) {
        const n = await scope.client.billingRunClaim.updateMany({
          where: { id, tenantId, workerId: options.workerId, completedAt: null },
          data: { leaseUntil: until },
        });
        if (n.count === 1) held.push(id);
      }
      return held;
    },
    async settleClaims(tenantId, claimIds, options) {
      const now = options.now !== undefined ? toDate(options.now, 'now') : new Date();
      return settle(scope, tenantId, claimIds, options.workerId, now);
    },
    completeRenewal(tenantId, renewal, options = {}) {
      return atomicWithRetry(scope, async (tx) => {
        const claim = await tx.client.billingRunClaim.findFirst({ where: { id: renewal.claimId, tenantId } });
        if (!claim) throw new DbError('DB_NOT_FOUND', `No billing-run claim ${renewal.claimId}`);
        if (claim.completedAt !== null)
          throw new DbError('DB_ALREADY_BILLED', `Claim ${claim.id} is already completed`);
        assertClaimMatches({ subscriptionId: claim.subscriptionId, periodStart: claim.periodStart }, renewal);
        const finalizerEvents: AuditEventLike[] = [];
        const { finalize } = options;
        const written = await writeChangeRows(
          tx,
          tenantId,
          {
            subscription: renewal.subscription,
            expectedVersion: renewal.expectedVersion,
            invoice: renewal.invoice,
            ...(renewal.redemptions ? { redemptions: renewal.redemptions } : {}),
          },
          finalize
            ? async (draft) => {
                const [number] = await takeDocumentNumbers(tx, tenantId, 'invoice', 1);
                const done = applyFinalizer(finalize, draft, number as string);
                finalizerEvents.push(...done.events);
                return done.invoice;
              }
            : undefined,
        );
        await tx.client.billingRunClaim.update({
          where: { id: claim.id },
          data: { completedAt: new Date(), invoiceId: renewal.invoice.id },
        });
        // Last: the chain head stays locked only from here to the commit.
        const auditEvents = await appendAuditEvents(tx, tenantId, [
          ...(renewal.auditEvents ?? []),
          ...finalizerEvents,
        ]);
        return { ...written, auditEvents };
      });
    },
    completeRenewals(tenantId, renewals, options = {}) {
      if (renewals.length === 0) return Promise.resolve([]);
      return atomicWithRetry(scope, (tx) => writeRenewals(tx, tenantId, renewals, options));
    },
    async releaseClaim(tenantId, claimId, options = {}) {
      await scope.client.billingRunClaim.deleteMany({
        where: {
          id: claimId,
          tenantId,
          completedAt: null,
          ...(options.workerId !== undefined ? { workerId: options.workerId } : {}),
        },
      });
    },
    async countDueUnclaimed(tenantId, { asOf, now }) {
      const q = (name: string) => ident(scope, name);
      const [row] = await scope.client.$queryRawUnsafe<{ n: number | bigint }[]>(
        `SELECT COUNT(*) AS ${q('n')} FROM ${q('Subscription')} s WHERE s.${q('tenantId')} = ?
           AND s.${q('status')} IN (${BILLABLE_STATUSES.map(() => '?').join(', ')}) AND s.${q('currentPeriodEnd')} <= ?
           AND NOT EXISTS (SELECT 1 FROM ${q('BillingRunClaim')} c
             WHERE c.${q('subscriptionId')} = s.${q('id')} AND c.${q('periodStart')} = s.${q('currentPeriodEnd')}
               AND (c.${q('completedAt')} IS NOT NULL OR c.${q('leaseUntil')} >= ?))`,
        tenantId,
        ...BILLABLE_STATUSES,
        toDate(asOf, 'asOf'),
        now !== undefined ? toDate(now, 'now') : new Date(),
      );
      return Number(row?.n ?? 0);
    },
  };
}

interface Lease {
  /** The instant the lease is measured from (this process's clock unless given). */
  readonly now: Date;
  readonly until: Date;
}

function leaseOf(options: { leaseMs?: number; now?: string }): Lease {
  const leaseMs = options.leaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  if (!Number.isSafeInteger(leaseMs) || leaseMs < 1) {
    throw new DbError('DB_INVALID_DATA', 'leaseMs must be a positive whole number of milliseconds', {
      leaseMs,
    });
  }
  const now = options.now !== undefined ? toDate(options.now, 'now') : new Date();
  return { now, until: new Date(now.getTime() + leaseMs) };
}

const claimOf = (
  row: { id: string; subscriptionId: string; periodStart: Date; attempts: number },
  workerId: string,
  lease: Lease,
): BillingRunClaim => ({
  id: row.id,
  subscriptionId: row.subscriptionId,
  periodStart: toIso(row.periodStart),
  workerId,
  claimedAt: toIso(lease.now),
  leaseUntil: toIso(lease.until),
  attempts: row.attempts,
});

/**
 * Open claims whose lease ran out before `lease.now`, oldest lease first: one whose period is still due
 * (the subscription still starts its next period there, billable, by `at`) becomes this worker's with a
 * compare-and-set on `attempts` (a concurrent claimer, or the old worker extending, makes it miss); the
 * others are settled (their worker billed the period and died before saying so, or the subscription moved
 * on). Plain reads and single-row writes by primary key: no lock outlives its statement.
 */
async function takeOverExpired(
  scope: Scope,
  tenantId: string,
  at: Date,
  workerId: string,
  take: number,
  lease: Lease,
): Promise<BillingRunClaim[]> {
  const expired = await scope.client.billingRunClaim.findMany({
    where: { tenantId, completedAt: null, leaseUntil: { lt: lease.now } },
    select: { id: true, subscriptionId: true, periodStart: true, attempts: true },
    orderBy: [{ leaseUntil: 'asc' }, { id: 'asc' }],
    take,
  });
  if (expired.length === 0) return [];
  const subscriptions = new Map<string, { status: string; currentPeriodEnd: Date }>();
  for (const chunk of inChunks(scope, expired, 1)) {
    for (const row of await scope.client.subscription.findMany({
      where: { tenantId, id: { in: chunk.map((c) => c.subscriptionId) } },
      select: { id: true, status: true, currentPeriodEnd: true },
    }))
      subscriptions.set(row.id, row);
  }
  const mine: BillingRunClaim[] = [];
  const stale: string[] = [];
  for (const claim of expired) {
    const s = subscriptions.get(claim.subscriptionId);
    const due =
      s !== undefined &&
      (BILLABLE_STATUSES as readonly string[]).includes(s.status) &&
      s.currentPeriodEnd.getTime() === claim.periodStart.getTime() &&
      s.currentPeriodEnd.getTime() <= at.getTime();
    if (!due) {
      stale.push(claim.id);
      continue;
    }
    const { count } = await scope.client.billingRunClaim.updateMany({
      where: {
        id: claim.id,
        tenantId,
        completedAt: null,
        attempts: claim.attempts,
        leaseUntil: { lt: lease.now },
      },
      data: { workerId, claimedAt: lease.now, leaseUntil: lease.until, attempts: claim.attempts + 1 },
    });
    if (count === 1) mine.push(claimOf({ ...claim, attempts: claim.attempts + 1 }, workerId, lease));
  }
  if (stale.length > 0) await settle(scope, tenantId, stale, workerId, lease.now);
  return mine;
}

/**
 * Settles claims by what billing_db says about their periods (see `settleClaims`): completed with the
 * period's cycle invoice when there is one; else released when the claim is `workerId`'s or its lease ran
 * out before `now` (a compare-and-set on what was read, so a claim taken over meanwhile is left alone).
 */
async function settle(
  scope: Scope,
  tenantId: string,
  claimIds: readonly string[],
  workerId: string,
  now: Date,
): Promise<ClaimSettlement[]> {
  const ids = [...new Set(claimIds)];
  const rows = new Map<
    string,
    {
      id: string;
      subscriptionId: string;
      periodStart: Date;
      workerId: string;
      leaseUntil: Date;
      attempts: number;
      completedAt: Date | null;
      invoiceId: string | null;
    }
  >();
  for (const chunk of inChunks(scope, ids, 1)) {
    for (const row of await scope.client.billingRunClaim.findMany({
      where: { tenantId, id: { in: chunk } },
      select: {
        id: true,
        subscriptionId: true,
        periodStart: true,
        workerId: true,
        leaseUntil: true,
        attempts: true,
        completedAt: true,
        invoiceId: true,
      },
    }))
      rows.set(row.id, row);
  }
  // The cycle invoice of each open claim's period (unique per subscription and period start).
  const open = [...rows.values()].filter((r) => r.completedAt === null);
  const invoices = new Map<string, string>();
  const starts = [...new Set(open.map((r) => r.periodStart.getTime()))];
  for (const chunk of inChunks(scope, open, 2 + starts.length)) {
    for (const row of await scope.client.invoice.findMany({
      where: {
        tenantId,
        subscriptionId: { in: chunk.map((r) => r.subscriptionId) },
        cyclePeriodStart: { in: starts.map((t) => new Date(t)) },
      },
      select: { id: true, subscriptionId: true, cyclePeriodStart: true },
    }))
      invoices.set(`${row.subscriptionId}@${row.cyclePeriodStart?.getTime()}`, row.id);
  }
  const settled = new Map<string, ClaimSettlement>();
  for (const id of ids) {
    const row = rows.get(id);
    if (!row) {
      settled.set(id, { claimId: id, outcome: 'missing' });
      continue;
    }
    if (row.completedAt !== null) {
      settled.set(id, { claimId: id, outcome: 'completed', invoiceId: row.invoiceId });
      continue;
    }
    const invoiceId = invoices.get(`${row.subscriptionId}@${row.periodStart.getTime()}`);
    if (invoiceId !== undefined) {
      await scope.client.billingRunClaim.updateMany({
        where: { id, tenantId, completedAt: null },
        data: { completedAt: now, invoiceId },
      });
      // Completed by this statement or by another settler just before: either way, by this invoice.
      settled.set(id, { claimId: id, outcome: 'completed', invoiceId });
      continue;
    }
    const mayRelease = row.workerId === workerId || row.leaseUntil.getTime() < now.getTime();
    const { count } = mayRelease
      ? await scope.client.billingRunClaim.deleteMany({
          where: {
            id,
            tenantId,
            completedAt: null,
            workerId: row.workerId,
            attempts: row.attempts,
            ...(row.workerId === workerId ? {} : { leaseUntil: { lt: now } }),
          },
        })
      : { count: 0 };
    settled.set(id, { claimId: id, outcome: count === 1 ? 'released' : 'taken_over' });
  }
  return claimIds.map((id) => settled.get(id) as ClaimSettlement);
}

/**
 * MySQL claim without a long transaction: a plain (non-locking) read of due, unclaimed periods, then one
 * multi-row `INSERT IGNORE` into the claims. The unique (subscription, periodStart) index decides every race:
 * a period another worker claimed first is skipped, and the claim is ours exactly when our row went in. No
 * row stays locked beyond that one statement, so a concurrent claimer sees these claims at once and takes
 * the next periods. When every candidate went to another worker, the next candidates are tried, so a
 * claimer comes back empty only once no due, unclaimed period is left.
 */
async function claimOnMysql(
  scope: Scope,
  tenantId: string,
  at: Date,
  workerId: string,
  take: number,
  lease: Lease,
): Promise<BillingRunClaim[]> {
  // Each round either claims something or sees periods claimed by others; the bound is only a safety net.
  for (let round = 0; round < 20; round++) {
    // One branch per billable status: with `status = ?` the (tenantId, status, currentPeriodEnd) index (which
    // ends in the primary key) already yields (currentPeriodEnd, id) order, so each branch stops after `take`
    // unclaimed rows instead of testing and sorting every due subscription (an IN list over the statuses
    // forces a filesort of all of them, on every claim of a large run).
    const branch = `(SELECT s.id, s.currentPeriodEnd FROM \`Subscription\` s FORCE INDEX (\`Subscription_tenantId_status_currentPeriodEnd_idx\`)
       WHERE s.tenantId = ? AND s.status = ? AND s.currentPeriodEnd <= ?
         AND NOT EXISTS (SELECT 1 FROM \`BillingRunClaim\` c WHERE c.subscriptionId = s.id AND c.periodStart = s.currentPeriodEnd)
       ORDER BY s.currentPeriodEnd, s.id LIMIT ${take})`;
    const due = await scope.client.$queryRawUnsafe<{ id: string; currentPeriodEnd: Date }[]>(
      `${BILLABLE_STATUSES.map(() => branch).join(' UNION ALL ')} ORDER BY currentPeriodEnd, id LIMIT ${take}`,
      ...BILLABLE_STATUSES.flatMap((status) => [tenantId, status, at]),
    );
    if (due.length === 0) return [];
    const candidates = due.map((row) => ({
      id: newId('clm'),
      subscriptionId: row.id,
      periodStart: new Date(row.currentPeriodEnd),
    }));
    // Insert in the unique index's order, so two claimers lock the same keys in the same order.
    const ordered = [...candidates].sort((a, b) =>
      a.subscriptionId === b.subscriptionId
        ? a.periodStart.getTime() - b.periodStart.getTime()
        : a.subscriptionId < b.subscriptionId
          ? -1
          : 1,
    );
    let inserted: number;
    try {
      inserted = await scope.client.$executeRawUnsafe(
        `INSERT IGNORE INTO \`BillingRunClaim\` (id, tenantId, subscriptionId, periodStart, workerId, claimedAt, leaseUntil, attempts)
       VALUES ${ordered.map(() => '(?, ?, ?, ?, ?, ?, ?, 1)').join(', ')}`,
        ...ordered.flatMap((c) => [
          c.id,
          tenantId,
          c.subscriptionId,
          c.periodStart,
          workerId,
          lease.now,
          lease.until,
        ]),
      );
    } catch (error) {
      // Concurrent claimers inserting overlapping keys can deadlock on the unique index (duplicate-key
      // S locks against insert-intention locks). The statement ran on its own and was rolled back as a
      // whole: read the candidates again after a short random pause.
      if (lockFailure(error) === null || scope.inTransaction) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      continue;
    }
    let mine = candidates;
    if (inserted < candidates.length) {
      const kept = await scope.client.billingRunClaim.findMany({
        where: { id: { in: candidates.map((c) => c.id) } },
        select: { id: true },
      });
      const ids = new Set(kept.map((row) => row.id));
      mine = candidates.filter((c) => ids.has(c.id));
    }
    if (mine.length > 0) return mine.map((c) => claimOf({ ...c, attempts: 1 }, workerId, lease));
  }
  return [];
}

async function insertClaim(
  scope: Scope,
  tenantId: string,
  subscriptionId: string,
  periodStart: Date,
  workerId: string,
  lease: Lease,
): Promise<BillingRunClaim | null> {
  try {
    const row = await scope.client.billingRunClaim.create({
      data: {
        id: newId('clm'),
        tenantId,
        subscriptionId,
        periodStart,
        workerId,
        claimedAt: lease.now,
        leaseUntil: lease.until,
      },
    });
    return claimOf(row, workerId, lease);
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}

/** A renewal must be for the claimed subscription and period (a caller bug otherwise: `DB_INVALID_DATA`). */
function assertClaimMatches(
  claim: { subscriptionId: string; periodStart: Date },
  renewal: RenewalInput,
): void {
  if (
    claim.subscriptionId !== renewal.subscription.id ||
    toIso(claim.periodStart) !== toIso(toDate(renewal.invoice.periodStart))
  ) {
    throw new DbError('DB_INVALID_DATA', 'The renewal invoice is not for the claimed subscription period', {
      claimId: renewal.claimId,
      claimPeriodStart: toIso(claim.periodStart),
      invoicePeriodStart: renewal.invoice.periodStart,
    });
  }
  const { invoice, subscription } = renewal;
  if (invoice.subscriptionId !== subscription.id || invoice.customerId !== subscription.customerId) {
    throw new DbError(
      'DB_INVALID_DATA',
      `Invoice ${invoice.id} does not belong to subscription ${subscription.id}`,
    );
  }
}

/**
 * Runs the finalizer and checks what it returns: same invoice, the given number, no longer a draft, amounts
 * consistent. Like `invoices.finalize`, only the transition fields (status, number, dates, amounts paid and
 * remaining, ending balance) are taken from it: lines and totals stay the draft's.
 */
function applyFinalizer(
  finalize: RenewalFinalizer,
  draft: Invoice,
  number: string,
): { invoice: Invoice; events: readonly AuditEventLike[] } {
  const result = finalize(draft, number);
  const done =
    'invoice' in result
      ? { invoice: result.invoice, events: result.events ?? [] }
      : { invoice: result, events: [] };
  const invoice: Invoice = { ...draft };
  for (const field of TRANSITION_FIELDS) Object.assign(invoice, { [field]: done.invoice[field] });
  if (done.invoice.id !== draft.id || invoice.number !== number || invoice.status === 'draft') {
    throw new DbError(
      'DB_INVALID_DATA',
      `The finalizer must return invoice ${draft.id} numbered ${number}, not a draft`,
      {
        invoiceId: draft.id,
        number,
      },
    );
  }
  if (invoice.amountRemaining.amount !== invoice.amountDue.amount - invoice.amountPaid.amount) {
    throw new DbError(
      'DB_INVALID_DATA',
      `Invoice ${draft.id}: amountRemaining must be amountDue − amountPaid`,
      {
        invoiceId: draft.id,
      },
    );
  }
  return { invoice, events: done.events };
}

/**
 * The batched renewal write, inside the caller's transaction. Locks are taken in a fixed order — claims, then
 * subscriptions (both by primary key, ascending), then the invoice counter, then the audit chain head — the
 * same order the single-renewal path and the other repository writers use, so concurrent batches queue
 * instead of deadlocking; the two tenant-wide rows (counter, chain head) are taken as late as possible.
 */
async function writeRenewals(
  tx: Scope,
  tenantId: string,
  renewals: readonly RenewalInput[],
  options: RenewalOptions,
): Promise<RenewalResult[]> {
  const claimIds = new Set<string>();
  const subscriptionIds = new Set<string>();
  for (const r of renewals) {
    if (claimIds.has(r.claimId) || subscriptionIds.has(r.subscription.id)) {
      throw new DbError('DB_INVALID_DATA', 'A batch must not repeat a claim or a subscription', {
        claimId: r.claimId,
        subscriptionId: r.subscription.id,
      });
    }
    claimIds.add(r.claimId);
    subscriptionIds.add(r.subscription.id);
  }

  // 1. The claims, locked: a concurrent batch completing the same claim waits here and then sees it completed.
  const claims = new Map<
    string,
    { subscriptionId: string; periodStart: Date; completedAt: Date | null; invoiceId: string | null }
  >();
  for (const chunk of inChunks(tx, [...claimIds].sort(), 2)) {
    const rows =
      tx.provider === 'mysql'
        ? await tx.client.$queryRawUnsafe<
            {
              id: string;
              subscriptionId: string;
              periodStart: Date | string;
              completedAt: Date | string | null;
              invoiceId: string | null;
            }[]
          >(
            `SELECT id, subscriptionId, periodStart, completedAt, invoiceId FROM \`BillingRunClaim\` FORCE INDEX (PRIMARY) WHERE tenantId = ? AND id IN (${placeholders(chunk.length)}) ORDER BY id FOR UPDATE`,
            tenantId,
            ...chunk,
          )
        : await tx.client.billingRunClaim.findMany({
            where: { tenantId, id: { in: chunk } },
            select: { id: true, subscriptionId: true, periodStart: true, completedAt: true, invoiceId: true },
          });
    for (const row of rows) {
      claims.set(row.id, {
        subscriptionId: row.subscriptionId,
        periodStart: new Date(row.periodStart),
        completedAt: row.completedAt === null ? null : new Date(row.completedAt),
        invoiceId: row.invoiceId,
      });
    }
  }

  const results: (RenewalResult | undefined)[] = new Array(renewals.length);
  const candidates: number[] = [];
  for (const [n, r] of renewals.entries()) {
    const claim = claims.get(r.claimId);
    const base = { claimId: r.claimId, subscriptionId: r.subscription.id };
    if (!claim) {
      results[n] = {
        ...base,
        outcome: 'conflict',
        reason: 'claim_not_found',
        expectedVersion: r.expectedVersion,
        actualVersion: null,
      };
      continue;
    }
    if (claim.completedAt !== null) {
      results[n] = { ...base, outcome: 'already_billed', invoiceId: claim.invoiceId };
      continue;
    }
    assertClaimMatches(claim, r);
    candidates.push(n);
  }

  // 2. The subscriptions, locked, and their optimistic version check.
  const versions = await lockSubscriptionVersions(
    tx,
    tenantId,
    candidates.map((n) => (renewals[n] as RenewalInput).subscription.id),
  );
  const release: string[] = [];
  const checked: number[] = [];
  for (const n of candidates) {
    const r = renewals[n] as RenewalInput;
    const actual = versions.get(r.subscription.id);
    if (actual === r.expectedVersion) {
      checked.push(n);
      continue;
    }
    results[n] = {
      claimId: r.claimId,
      subscriptionId: r.subscription.id,
      outcome: 'conflict',
      reason: 'version_conflict',
      expectedVersion: r.expectedVersion,
      actualVersion: actual ?? null,
    };
    release.push(r.claimId);
  }

  // 3. Periods already invoiced some other way: reported, never billed again.
  const billed = new Map<string, string>();
  const cycle = checked.filter((n) => isCycleInvoice((renewals[n] as RenewalInput).invoice));
  const starts = [
    ...new Set(cycle.map((n) => toDate((renewals[n] as RenewalInput).invoice.periodStart).getTime())),
  ];
  for (const chunk of inChunks(tx, cycle, 2 + starts.length)) {
    for (const row of await tx.client.invoice.findMany({
      where: {
        subscriptionId: { in: chunk.map((n) => (renewals[n] as RenewalInput).subscription.id) },
        cyclePeriodStart: { in: starts.map((t) => new Date(t)) },
      },
      select: { id: true, subscriptionId: true, cyclePeriodStart: true },
    }))
      billed.set(`${row.subscriptionId}@${row.cyclePeriodStart?.getTime()}`, row.id);
  }
  const renew: number[] = [];
  for (const n of checked) {
    const r = renewals[n] as RenewalInput;
    const existing = billed.get(`${r.subscription.id}@${toDate(r.invoice.periodStart).getTime()}`);
    if (existing === undefined) renew.push(n);
    else
      results[n] = {
        claimId: r.claimId,
        subscriptionId: r.subscription.id,
        outcome: 'already_billed',
        invoiceId: existing,
      };
  }

  // 4. Customers must exist (the single path's DB_NOT_FOUND, not a foreign-key failure).
  const customerIds = [...new Set(renew.map((n) => (renewals[n] as RenewalInput).invoice.customerId))];
  let customers = 0;
  for (const chunk of inChunks(tx, customerIds, 2))
    customers += await tx.client.customer.count({ where: { tenantId, id: { in: chunk } } });
  if (customers !== customerIds.length) {
    throw new DbError('DB_NOT_FOUND', 'A renewal invoice names a customer this tenant does not have', {
      customerIds,
    });
  }

  // 5. Subscriptions (new period, version + 1), claims done, conflicting claims released.
  await writeSubscriptionsBatch(
    tx,
    tenantId,
    renew.map((n) => {
      const r = renewals[n] as RenewalInput;
      return {
        subscription: { ...r.subscription, latestInvoiceId: r.invoice.id },
        expectedVersion: r.expectedVersion,
      };
    }),
  );
  const completedAt = new Date();
  const completed = await updateRowsByKey(
    tx,
    'BillingRunClaim',
    'id',
    renew.map((n) => {
      const r = renewals[n] as RenewalInput;
      return { key: r.claimId, values: { completedAt, invoiceId: r.invoice.id } };
    }),
    {
      where: {
        sql: `${ident(tx, 'tenantId')} = ? AND ${ident(tx, 'completedAt')} IS NULL`,
        params: [tenantId],
      },
      mysqlIndex: 'PRIMARY',
    },
  );
  if (completed !== renew.length) {
    throw new DbError('DB_VERSION_CONFLICT', 'A claim of the batch changed while it was locked; retry', {
      expected: renew.length,
      completed,
    });
  }
  // One primary-key DELETE per released claim (conflicts are rare): an IN-list DELETE cannot be pinned to
  // the primary key on MySQL and might lock other workers' claims with a scan.
  for (const claimId of release)
    await tx.client.billingRunClaim.deleteMany({ where: { id: claimId, tenantId, completedAt: null } });

  // 6. The invoices as given (drafts, usually) with their lines, discounts and taxes.
  const drafts: Invoice[] = renew.map((n) => (renewals[n] as RenewalInput).invoice);
  const records: InvoiceRecords[] = drafts.map((invoice) => invoiceRecords(tenantId, invoice));
  const now = new Date();
  try {
    await insertRecords(tx, records, now);
  } catch (error) {
    if (isDuplicateKey(error)) {
      // Another writer inserted one of these invoices after our check: the whole batch rolls back.
      for (const invoice of drafts) {
        const found = await duplicateInvoiceError(tx, invoice);
        if (found.code === 'DB_ALREADY_BILLED') throw found;
      }
      throw new DbError(
        'DB_DUPLICATE',
        'An invoice of the batch or its number already exists',
        {},
        { cause: error },
      );
    }
    throw error;
  }

  // 7. Only now the tenant-wide rows, each held until the commit: the invoice counter (one UPDATE of +N),
  // the finalization written as one multi-row UPDATE of the transition columns, then the audit chain.
  const invoices = [...drafts];
  const finalizerEvents: (readonly AuditEventLike[])[] = invoices.map(() => []);
  if (options.finalize && invoices.length > 0) {
    const numbers = await takeDocumentNumbers(tx, tenantId, 'invoice', invoices.length);
    for (const [i, draft] of drafts.entries()) {
      const done = applyFinalizer(options.finalize, draft, numbers[i] as string);
      invoices[i] = done.invoice;
      finalizerEvents[i] = done.events;
    }
    const finalized = await updateRowsByKey(
      tx,
      'Invoice',
      'id',
      invoices.map((invoice) => ({
        key: invoice.id,
        values: { ...transitionColumns(invoice), updatedAt: now },
      })),
      { where: { sql: `${ident(tx, 'tenantId')} = ?`, params: [tenantId] }, mysqlIndex: 'PRIMARY' },
    );
    if (finalized !== invoices.length) {
      throw new DbError(
        'DB_VERSION_CONFLICT',
        'An invoice of the batch changed before it was finalized; retry',
        {
          expected: invoices.length,
          finalized,
        },
      );
    }
  }

  // 8. Redemptions (rare in renewals; each checks its limits), then the audit chain, extended once.
  for (const [i, n] of renew.entries()) {
    const r = renewals[n] as RenewalInput;
    for (const redemption of r.redemptions ?? []) {
      await insertRedemption(tx, tenantId, {
        subscriptionId: r.subscription.id,
        invoiceId: (invoices[i] as Invoice).id,
        ...redemption,
      });
    }
  }
  await appendAuditEvents(
    tx,
    tenantId,
    renew.flatMap((n, i) => [
      ...((renewals[n] as RenewalInput).auditEvents ?? []),
      ...(finalizerEvents[i] ?? []),
    ]),
  );

  for (const [i, n] of renew.entries()) {
    const r = renewals[n] as RenewalInput;
    const invoice = invoices[i] as Invoice;
    results[n] = {
      claimId: r.claimId,
      subscriptionId: r.subscription.id,
      outcome: 'renewed',
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      version: r.expectedVersion + 1,
    };
  }
  return results as RenewalResult[];
}

/** Multi-row INSERTs for invoices, then lines, then line discounts and taxes (foreign-key order). */
async function insertRecords(tx: Scope, records: readonly InvoiceRecords[], now: Date): Promise<void> {
  const tables: [string, Record<string, SqlValue>[]][] = [
    ['Invoice', records.map((r) => ({ ...r.invoice, updatedAt: now }))],
    ['InvoiceLine', records.flatMap((r) => r.lines)],
    ['InvoiceLineDiscount', records.flatMap((r) => r.discounts)],
    ['InvoiceLineTax', records.flatMap((r) => r.taxes)],
  ];
  for (const [table, objects] of tables) {
    const { columns, rows } = rowsOf(objects);
    await insertRows(tx, table, columns, rows);
  }
}

/** A unique-key violation, from a Prisma model query (P2002) or a raw statement (P2010 with 1062 / SQLite's code). */
function isDuplicateKey(error: unknown): boolean {
  if (isUniqueViolation(error)) return true;
  const e = error as { code?: unknown; meta?: { code?: unknown; message?: unknown } } | null;
  if (e?.code !== 'P2010') return false;
  const code = String(e.meta?.code ?? '');
  return (
    code === '1062' ||
    code === '2067' ||
    code === '1555' ||
    /UNIQUE constraint failed|Duplicate entry/i.test(String(e.meta?.message ?? ''))
  );
}
