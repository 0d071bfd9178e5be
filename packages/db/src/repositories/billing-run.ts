import { toDate, toIso } from '../codec.js';
import { DbError, isUniqueViolation } from '../errors.js';
import { atomicWithRetry, newId, type Scope } from '../scope.js';
import { type AuditEvent, type AuditEventLike, appendAuditEvents } from './audit-log.js';
import { type DiscountRedemption, insertRedemption, type RedeemInput } from './discounts.js';
import { type Invoice, insertInvoice } from './invoices.js';
import { type Subscription, saveSubscription } from './subscriptions.js';

/** Statuses a billing run renews when their period has ended. */
export const BILLABLE_STATUSES = ['trialing', 'active', 'past_due'] as const;

/** A worker's claim on one subscription period: the period starting at `periodStart` is this worker's to bill. */
export interface BillingRunClaim {
  id: string;
  subscriptionId: string;
  /** The start of the period to bill (the subscription's `currentPeriodEnd` when claimed). */
  periodStart: string;
  workerId: string;
  claimedAt: string;
}

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
   * Claims up to `limit` subscriptions whose period ended by `asOf` and that nobody has claimed for that
   * period. Safe with many workers: the unique (subscription, periodStart) claim makes a double claim
   * impossible. MySQL claims with one short `INSERT IGNORE` and holds no lock afterwards, so concurrent
   * workers get disjoint batches and a worker gets an empty batch only when nothing due is left unclaimed;
   * SQLite serialises writers.
   */
  claimDueSubscriptions(
    tenantId: string,
    options: { asOf: string; workerId: string; limit?: number },
  ): Promise<BillingRunClaim[]>;
  /** Writes a renewal in one transaction: subscription (version-checked), invoice, redemptions, audit, claim done. */
  completeRenewal(tenantId: string, renewal: RenewalInput): Promise<SubscriptionChangeResult>;
  /** Gives an unfinished claim back (the worker failed) so a later run can bill the period. */
  releaseClaim(tenantId: string, claimId: string): Promise<void>;
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
): Promise<Omit<SubscriptionChangeResult, 'auditEvents'>> {
  const invoice = change.invoice ?? null;
  const next = invoice ? { ...change.subscription, latestInvoiceId: invoice.id } : change.subscription;
  const subscription = await saveSubscription(tx, tenantId, next, change.expectedVersion);
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
    async claimDueSubscriptions(tenantId, { asOf, workerId, limit = 100 }) {
      const at = toDate(asOf, 'asOf');
      const take = Math.min(Math.max(limit, 1), 1000);
      if (scope.provider === 'mysql') return claimOnMysql(scope, tenantId, at, workerId, take);
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
      const claims: BillingRunClaim[] = [];
      for (const subscription of due) {
        if (claims.length >= take) break;
        if (taken.has(`${subscription.id}@${subscription.currentPeriodEnd.getTime()}`)) continue;
        const claim = await insertClaim(
          scope,
          tenantId,
          subscription.id,
          subscription.currentPeriodEnd,
          workerId,
        );
        if (claim) claims.push(claim);
      }
      return claims;
    },
    completeRenewal(tenantId, renewal) {
      return atomicWithRetry(scope, async (tx) => {
        const claim = await tx.client.billingRunClaim.findFirst({ where: { id: renewal.claimId, tenantId } });
        if (!claim) throw new DbError('DB_NOT_FOUND', `No billing-run claim ${renewal.claimId}`);
        if (claim.completedAt !== null)
          throw new DbError('DB_ALREADY_BILLED', `Claim ${claim.id} is already completed`);
        if (
          claim.subscriptionId !== renewal.subscription.id ||
          toIso(claim.periodStart) !== toIso(toDate(renewal.invoice.periodStart))
        ) {
          throw new DbError(
            'DB_INVALID_DATA',
            'The renewal invoice is not for the claimed subscription period',
            {
              claimPeriodStart: toIso(claim.periodStart),
              invoicePeriodStart: renewal.invoice.periodStart,
            },
          );
        }
        const written = await writeChangeRows(tx, tenantId, {
          subscription: renewal.subscription,
          expectedVersion: renewal.expectedVersion,
          invoice: renewal.invoice,
          ...(renewal.redemptions ? { redemptions: renewal.redemptions } : {}),
        });
        await tx.client.billingRunClaim.update({
          where: { id: claim.id },
          data: { completedAt: new Date(), invoiceId: renewal.invoice.id },
        });
        // Last: the chain head stays locked only from here to the commit.
        const auditEvents = await appendAuditEvents(tx, tenantId, renewal.auditEvents ?? []);
        return { ...written, auditEvents };
      });
    },
    async releaseClaim(tenantId, claimId) {
      await scope.client.billingRunClaim.deleteMany({ where: { id: claimId, tenantId, completedAt: null } });
    },
  };
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
): Promise<BillingRunClaim[]> {
  // Each round either claims something or sees periods claimed by others; the bound is only a safety net.
  for (let round = 0; round < 20; round++) {
    const due = await scope.client.$queryRawUnsafe<{ id: string; currentPeriodEnd: Date }[]>(
      `SELECT s.id, s.currentPeriodEnd FROM \`Subscription\` s
       WHERE s.tenantId = ? AND s.status IN ('trialing', 'active', 'past_due') AND s.currentPeriodEnd <= ?
         AND NOT EXISTS (SELECT 1 FROM \`BillingRunClaim\` c WHERE c.subscriptionId = s.id AND c.periodStart = s.currentPeriodEnd)
       ORDER BY s.currentPeriodEnd, s.id LIMIT ${take}`,
      tenantId,
      at,
    );
    if (due.length === 0) return [];
    const claimedAt = new Date();
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
    const inserted = await scope.client.$executeRawUnsafe(
      `INSERT IGNORE INTO \`BillingRunClaim\` (id, tenantId, subscriptionId, periodStart, workerId, claimedAt)
       VALUES ${ordered.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      ...ordered.flatMap((c) => [c.id, tenantId, c.subscriptionId, c.periodStart, workerId, claimedAt]),
    );
    let mine = candidates;
    if (inserted < candidates.length) {
      const kept = await scope.client.billingRunClaim.findMany({
        where: { id: { in: candidates.map((c) => c.id) } },
        select: { id: true },
      });
      const ids = new Set(kept.map((row) => row.id));
      mine = candidates.filter((c) => ids.has(c.id));
    }
    if (mine.length > 0) {
      return mine.map((c) => ({
        id: c.id,
        subscriptionId: c.subscriptionId,
        periodStart: toIso(c.periodStart),
        workerId,
        claimedAt: toIso(claimedAt),
      }));
    }
  }
  return [];
}

async function insertClaim(
  scope: Scope,
  tenantId: string,
  subscriptionId: string,
  periodStart: Date,
  workerId: string,
): Promise<BillingRunClaim | null> {
  try {
    const row = await scope.client.billingRunClaim.create({
      data: { id: newId('clm'), tenantId, subscriptionId, periodStart, workerId },
    });
    return {
      id: row.id,
      subscriptionId,
      periodStart: toIso(row.periodStart),
      workerId,
      claimedAt: toIso(row.claimedAt),
    };
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
}
