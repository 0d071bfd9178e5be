import { finalizeInvoice } from '@billkit/billing-core';
import { describe, expect, it } from 'vitest';
import { chunkByLimits, insertRows, updateRowsByKey } from '../../src/bulk.js';
import {
  type BillingDatabase,
  type BillingRunClaim,
  type Invoice,
  isDbError,
  newId,
  newSortableId,
  openDatabase,
  type RenewalInput,
  type Subscription,
} from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import type { Scope } from '../../src/scope.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, cycleInvoice, invoice, monthlyPrice, product, subscription } from './fixtures.js';

const AS_OF = '2026-02-01T06:00:00.000Z';
const NEXT_END = '2026-03-01T06:00:00.000Z';
const finalize = (draft: Invoice, number: string) => finalizeInvoice(draft, { number, at: AS_OF });

describe.each(providers)('batched billing run on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  async function tenantWithDueSubscriptions(count: number) {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({
      id: tenantId,
      name: 'Hauler',
      defaultCurrency: 'USD',
      invoicePrefix: 'RUN-',
    });
    const p = await ctx.db.products.save(tenantId, product());
    const price = await ctx.db.prices.save(tenantId, monthlyPrice(p.id));
    const subs: Subscription[] = [];
    for (let n = 0; n < count; n++) {
      const c = await ctx.db.customers.save(tenantId, customer());
      subs.push(await ctx.db.subscriptions.create(tenantId, subscription(c.id, price.id)));
    }
    return { tenantId, price, subs };
  }

  async function claimAll(db: BillingDatabase, tenantId: string): Promise<BillingRunClaim[]> {
    const claims = await db.billingRun.claimDueSubscriptions(tenantId, {
      asOf: AS_OF,
      workerId: 'w',
      limit: 1000,
    });
    // In subscription order, so results line up with `subs`.
    return claims.sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : 1));
  }

  /** What a worker computes for a claim: the next period, the cycle invoice, two audit events. */
  function renewalFor(claim: BillingRunClaim, current: Subscription, priceId: string): RenewalInput {
    return {
      claimId: claim.id,
      subscription: {
        ...current,
        currentPeriodStart: claim.periodStart,
        currentPeriodEnd: NEXT_END,
        periodsBilled: current.periodsBilled + 1,
        billedLines: [],
      },
      expectedVersion: current.version,
      invoice: cycleInvoice(
        { customerId: current.customerId, subscriptionId: current.id, priceId },
        claim.periodStart,
        NEXT_END,
      ),
      auditEvents: [
        { type: 'subscription.renewed', entityType: 'subscription', entityId: current.id, data: { n: 1 } },
        { type: 'invoice.created', entityType: 'invoice', entityId: current.id, data: { n: 2 } },
      ],
    };
  }

  async function renewalsFor(
    db: BillingDatabase,
    tenantId: string,
    claims: BillingRunClaim[],
    priceId: string,
  ) {
    const loaded = await db.subscriptions.getMany(
      tenantId,
      claims.map((c) => c.subscriptionId),
    );
    const byId = new Map(loaded.map((s) => [s.id, s]));
    return claims.map((claim) => renewalFor(claim, byId.get(claim.subscriptionId)!, priceId));
  }

  it('getMany loads the tenant’s subscriptions in the order asked, leaving out unknown and foreign ids', async () => {
    const { tenantId, subs } = await tenantWithDueSubscriptions(3);
    const other = await tenantWithDueSubscriptions(1);
    const [a, b, c] = subs as [Subscription, Subscription, Subscription];
    const got = await ctx.db.subscriptions.getMany(tenantId, [
      c.id,
      'sub_missing',
      a.id,
      other.subs[0]!.id,
      c.id,
    ]);
    expect(got.map((s) => s.id)).toEqual([c.id, a.id]);
    expect(got[0]).toEqual(await ctx.db.subscriptions.get(tenantId, c.id));
    expect(got[1]!.items).toEqual(a.items);
    expect(await ctx.db.subscriptions.getMany(tenantId, [])).toEqual([]);
    expect(b.id).not.toBe(c.id);
  });

  it('renews a whole batch in one transaction: consecutive numbers, claims done, a valid audit chain', async () => {
    const { tenantId, price, subs } = await tenantWithDueSubscriptions(7);
    const claims = await claimAll(ctx.db, tenantId);
    expect(claims).toHaveLength(7);
    const renewals = await renewalsFor(ctx.db, tenantId, claims, price.id);

    const results = await ctx.db.billingRun.completeRenewals(tenantId, renewals, { finalize });

    expect(results).toEqual(
      renewals.map((r, n) => ({
        outcome: 'renewed',
        claimId: r.claimId,
        subscriptionId: r.subscription.id,
        invoiceId: r.invoice.id,
        invoiceNumber: `RUN-${String(n + 1).padStart(6, '0')}`,
        version: 1,
      })),
    );
    for (const [n, r] of renewals.entries()) {
      const stored = (await ctx.db.invoices.get(tenantId, r.invoice.id))!;
      expect(stored).toMatchObject({
        status: 'open',
        number: `RUN-${String(n + 1).padStart(6, '0')}`,
        finalizedAt: AS_OF,
        billingReason: 'subscription_cycle',
        periodStart: AS_OF,
        periodEnd: NEXT_END,
        total: { amount: 3499, currency: 'USD' },
        amountRemaining: { amount: 3499, currency: 'USD' },
      });
      expect(stored.lines).toEqual(r.invoice.lines);
      const sub = (await ctx.db.subscriptions.get(tenantId, r.subscription.id))!;
      expect(sub).toMatchObject({
        version: 1,
        currentPeriodStart: AS_OF,
        currentPeriodEnd: NEXT_END,
        periodsBilled: 1,
        latestInvoiceId: r.invoice.id,
      });
      expect(sub.items).toEqual(subs.find((s) => s.id === sub.id)!.items);
    }
    const rows = await prismaOf(ctx.db).billingRunClaim.findMany({ where: { tenantId } });
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      expect(row.completedAt).not.toBeNull();
      expect(row.invoiceId).toBe(renewals.find((r) => r.claimId === row.id)!.invoice.id);
    }
    const counter = await prismaOf(ctx.db).documentCounter.findUniqueOrThrow({
      where: { tenantId_kind: { tenantId, kind: 'invoice' } },
    });
    expect(counter.nextNumber).toBe(8);
    // 2 events per renewal, then finalizeInvoice's invoice.finalized, chained in input order.
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 21 });
    const events = await ctx.db.auditLog.list(tenantId);
    expect(events.slice(0, 3).map((e) => [e.seq, e.type, e.entityId])).toEqual([
      [1, 'subscription.renewed', renewals[0]!.subscription.id],
      [2, 'invoice.created', renewals[0]!.subscription.id],
      [3, 'invoice.finalized', renewals[0]!.invoice.id],
    ]);
    // Nothing is due any more.
    expect(await ctx.db.billingRun.claimDueSubscriptions(tenantId, { asOf: AS_OF, workerId: 'x' })).toEqual(
      [],
    );
  });

  it('stores exactly what completeRenewal stores for the same input (lines, taxes, discounts, totals, number)', async () => {
    // Two identical tenants: one renewal through each path, with the two-line invoice that has per-line
    // discounts and taxes.
    const one = await tenantWithDueSubscriptions(1);
    const batch = await tenantWithDueSubscriptions(1);
    const inputFor = async (t: typeof one) => {
      const [claim] = await claimAll(ctx.db, t.tenantId);
      const current = (await ctx.db.subscriptions.get(t.tenantId, claim!.subscriptionId))!;
      const base = renewalFor(claim!, current, t.price.id);
      return {
        ...base,
        subscription: { ...base.subscription, pendingInvoiceItems: [], cancelAtPeriodEnd: true },
        invoice: invoice(
          { customerId: current.customerId, subscriptionId: current.id, priceId: t.price.id },
          { billingReason: 'subscription_cycle', periodStart: claim!.periodStart, periodEnd: NEXT_END },
        ),
      };
    };
    const single = await inputFor(one);
    const batched = await inputFor(batch);
    const written = await ctx.db.billingRun.completeRenewal(one.tenantId, single, { finalize });
    const [result] = await ctx.db.billingRun.completeRenewals(batch.tenantId, [batched], { finalize });
    expect(result).toMatchObject({ outcome: 'renewed', invoiceNumber: 'RUN-000001', version: 1 });
    expect(written.subscription.version).toBe(1);

    const a = (await ctx.db.invoices.get(one.tenantId, single.invoice.id))!;
    const b = (await ctx.db.invoices.get(batch.tenantId, batched.invoice.id))!;
    // Ids differ between the tenants (invoice, lines, customer, subscription, price); everything else must not.
    const neutral = (inv: Invoice, priceId: string) =>
      JSON.parse(
        JSON.stringify({ ...inv, id: 'in', customerId: 'cus', subscriptionId: 'sub' })
          .replaceAll(new RegExp(inv.lines.map((l) => l.id).join('|'), 'g'), 'line')
          .replaceAll(priceId, 'price'),
      );
    expect(b.number).toBe('RUN-000001');
    expect(b.status).toBe('open');
    expect(b.total).toEqual({ amount: 2339, currency: 'USD' });
    expect(b.lines[0]!.taxAmounts).toHaveLength(2);
    expect(b.lines[0]!.discountAmounts).toEqual([
      { discountId: 'senior', amount: { amount: 350, currency: 'USD' } },
    ]);
    expect(neutral(b, batch.price.id)).toEqual(neutral(a, one.price.id));
    // Row for row, the raw tables agree too (ids aside).
    const rows = async (tenantId: string) => ({
      invoice: await prismaOf(ctx.db).invoice.findMany({
        where: { tenantId },
        omit: {
          id: true,
          customerId: true,
          subscriptionId: true,
          tenantId: true,
          createdAt: true,
          updatedAt: true,
        },
      }),
      taxes: await prismaOf(ctx.db).invoiceLineTax.findMany({
        where: { tenantId },
        omit: { id: true, invoiceLineId: true, tenantId: true },
        orderBy: { id: 'asc' },
      }),
      discounts: await prismaOf(ctx.db).invoiceLineDiscount.findMany({
        where: { tenantId },
        omit: { id: true, invoiceLineId: true, tenantId: true },
      }),
    });
    const rowsA = await rows(one.tenantId);
    const rowsB = await rows(batch.tenantId);
    expect(rowsB.taxes).toHaveLength(3);
    expect(rowsB).toEqual(rowsA);
    const subA = (await ctx.db.subscriptions.get(one.tenantId, single.subscription.id))!;
    const subB = (await ctx.db.subscriptions.get(batch.tenantId, batched.subscription.id))!;
    const strip = (s: Subscription) => ({
      ...s,
      id: 'sub',
      customerId: 'cus',
      latestInvoiceId: 'in',
      items: s.items.map((i) => ({ ...i, id: 'si', priceId: 'price' })),
    });
    expect(strip(subB)).toEqual(strip(subA));
    expect(subB.cancelAtPeriodEnd).toBe(true);
    const events = async (tenantId: string) =>
      (await ctx.db.auditLog.list(tenantId)).map((e) => [e.seq, e.type, e.entityType, e.data]);
    expect(await events(batch.tenantId)).toEqual(await events(one.tenantId));
  });

  it('reports a version conflict in the middle, releases that claim and writes the rest', async () => {
    const { tenantId, price } = await tenantWithDueSubscriptions(5);
    const claims = await claimAll(ctx.db, tenantId);
    const renewals = await renewalsFor(ctx.db, tenantId, claims, price.id);
    // Someone changes the third subscription after the worker loaded it.
    const stale = renewals[2]!;
    const current = (await ctx.db.subscriptions.get(tenantId, stale.subscription.id))!;
    await ctx.db.subscriptions.save(
      tenantId,
      { ...current, cancelAtPeriodEnd: true },
      { expectedVersion: 0 },
    );

    const results = await ctx.db.billingRun.completeRenewals(tenantId, renewals, { finalize });

    expect(results.map((r) => r.outcome)).toEqual(['renewed', 'renewed', 'conflict', 'renewed', 'renewed']);
    expect(results[2]).toEqual({
      outcome: 'conflict',
      reason: 'version_conflict',
      claimId: stale.claimId,
      subscriptionId: stale.subscription.id,
      expectedVersion: 0,
      actualVersion: 1,
    });
    // The numbers of what was written have no gap.
    expect(results.flatMap((r) => (r.outcome === 'renewed' ? [r.invoiceNumber] : []))).toEqual([
      'RUN-000001',
      'RUN-000002',
      'RUN-000003',
      'RUN-000004',
    ]);
    expect(await ctx.db.invoices.list(tenantId, { limit: 100 })).toHaveLength(4);
    expect(await ctx.db.invoices.get(tenantId, stale.invoice.id)).toBeNull();
    expect(await ctx.db.subscriptions.get(tenantId, stale.subscription.id)).toMatchObject({
      version: 1,
      cancelAtPeriodEnd: true,
      currentPeriodEnd: AS_OF,
    });
    expect(await prismaOf(ctx.db).billingRunClaim.findUnique({ where: { id: stale.claimId } })).toBeNull();
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 12 });
    // The released period is handed out again, and renews once reloaded.
    const [again] = await ctx.db.billingRun.claimDueSubscriptions(tenantId, { asOf: AS_OF, workerId: 'w2' });
    expect(again?.subscriptionId).toBe(stale.subscription.id);
    const [retry] = await ctx.db.billingRun.completeRenewals(
      tenantId,
      await renewalsFor(ctx.db, tenantId, [again!], price.id),
      { finalize },
    );
    expect(retry).toMatchObject({ outcome: 'renewed', invoiceNumber: 'RUN-000005', version: 2 });
  });

  it('never bills a completed claim twice, reports a missing claim, and writes nothing for them', async () => {
    const { tenantId, price } = await tenantWithDueSubscriptions(3);
    const claims = await claimAll(ctx.db, tenantId);
    const renewals = await renewalsFor(ctx.db, tenantId, claims, price.id);
    const first = await ctx.db.billingRun.completeRenewal(tenantId, renewals[0]!);
    expect(first.invoiceId).toBe(renewals[0]!.invoice.id);
    await ctx.db.billingRun.releaseClaim(tenantId, renewals[1]!.claimId);

    // The same claim again (a worker that retried), with a fresh invoice id.
    const again = { ...renewals[0]!, invoice: { ...renewals[0]!.invoice, id: newId('in') } };
    const results = await ctx.db.billingRun.completeRenewals(tenantId, [again, renewals[1]!, renewals[2]!]);

    expect(results).toEqual([
      {
        outcome: 'already_billed',
        claimId: again.claimId,
        subscriptionId: again.subscription.id,
        invoiceId: renewals[0]!.invoice.id,
      },
      {
        outcome: 'conflict',
        reason: 'claim_not_found',
        claimId: renewals[1]!.claimId,
        subscriptionId: renewals[1]!.subscription.id,
        expectedVersion: 0,
        actualVersion: null,
      },
      {
        outcome: 'renewed',
        claimId: renewals[2]!.claimId,
        subscriptionId: renewals[2]!.subscription.id,
        invoiceId: renewals[2]!.invoice.id,
        invoiceNumber: null, // no finalizer: stored as the draft it is
        version: 1,
      },
    ]);
    const invoices = await ctx.db.invoices.list(tenantId, { limit: 100 });
    expect(invoices.map((i) => i.id).sort()).toEqual(
      [renewals[0]!.invoice.id, renewals[2]!.invoice.id].sort(),
    );
    expect(invoices.every((i) => i.status === 'draft' && i.number === null)).toBe(true);
    expect(await ctx.db.subscriptions.get(tenantId, renewals[1]!.subscription.id)).toMatchObject({
      version: 0,
    });

    // The whole batch once more: everything is already billed, nothing changes.
    const before = await ctx.db.verifyAuditChain(tenantId);
    const replay = await ctx.db.billingRun.completeRenewals(tenantId, [renewals[0]!, renewals[2]!]);
    expect(replay.map((r) => r.outcome)).toEqual(['already_billed', 'already_billed']);
    expect(await ctx.db.invoices.list(tenantId, { limit: 100 })).toHaveLength(2);
    expect(await ctx.db.verifyAuditChain(tenantId)).toEqual(before);
    expect(before).toMatchObject({ valid: true, events: 4 });
  });

  it('reports a period already invoiced another way as already billed', async () => {
    const { tenantId, price } = await tenantWithDueSubscriptions(2);
    const claims = await claimAll(ctx.db, tenantId);
    const renewals = await renewalsFor(ctx.db, tenantId, claims, price.id);
    const existing = cycleInvoice(
      {
        customerId: renewals[0]!.subscription.customerId,
        subscriptionId: renewals[0]!.subscription.id,
        priceId: price.id,
      },
      AS_OF,
      NEXT_END,
    );
    await ctx.db.invoices.create(tenantId, existing);
    const results = await ctx.db.billingRun.completeRenewals(tenantId, renewals);
    expect(results.map((r) => [r.outcome, r.outcome === 'already_billed' ? r.invoiceId : null])).toEqual([
      ['already_billed', existing.id],
      ['renewed', null],
    ]);
    expect(await ctx.db.invoices.list(tenantId, { limit: 100 })).toHaveLength(2);
  });

  it('refuses an invalid batch as a whole and writes nothing', async () => {
    const { tenantId, price } = await tenantWithDueSubscriptions(2);
    const claims = await claimAll(ctx.db, tenantId);
    const renewals = await renewalsFor(ctx.db, tenantId, claims, price.id);
    const wrongPeriod = {
      ...renewals[1]!,
      invoice: { ...renewals[1]!.invoice, periodStart: '2026-01-01T06:00:00.000Z' },
    };
    await expect(ctx.db.billingRun.completeRenewals(tenantId, [renewals[0]!, wrongPeriod])).rejects.toSatisfy(
      (e) => isDbError(e, 'DB_INVALID_DATA'),
    );
    await expect(
      ctx.db.billingRun.completeRenewals(tenantId, [renewals[0]!, renewals[0]!]),
    ).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
    const badSum = {
      ...renewals[1]!,
      invoice: { ...renewals[1]!.invoice, subtotal: { amount: 1, currency: 'USD' } },
    };
    await expect(
      ctx.db.billingRun.completeRenewals(tenantId, [renewals[0]!, badSum], { finalize }),
    ).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
    const notOpen = (draft: Invoice) => draft;
    await expect(
      ctx.db.billingRun.completeRenewals(tenantId, [renewals[0]!], { finalize: notOpen }),
    ).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
    // Nothing of those batches was written: no invoice, no number taken, versions unchanged, claims open.
    expect(await ctx.db.invoices.list(tenantId)).toEqual([]);
    const counter = await prismaOf(ctx.db).documentCounter.findUniqueOrThrow({
      where: { tenantId_kind: { tenantId, kind: 'invoice' } },
    });
    expect(counter.nextNumber).toBe(1);
    expect(
      (
        await ctx.db.subscriptions.getMany(
          tenantId,
          renewals.map((r) => r.subscription.id),
        )
      ).map((s) => s.version),
    ).toEqual([0, 0]);
    expect(await prismaOf(ctx.db).billingRunClaim.count({ where: { tenantId, completedAt: null } })).toBe(2);
    expect(await ctx.db.billingRun.completeRenewals(tenantId, [])).toEqual([]);
  });

  it('joins the caller’s transaction: a later failure rolls the batch back', async () => {
    const { tenantId, price } = await tenantWithDueSubscriptions(2);
    const claims = await claimAll(ctx.db, tenantId);
    const renewals = await renewalsFor(ctx.db, tenantId, claims, price.id);
    await expect(
      ctx.db.transaction(async (tx) => {
        const results = await tx.billingRun.completeRenewals(tenantId, renewals, { finalize });
        expect(results.map((r) => r.outcome)).toEqual(['renewed', 'renewed']);
        throw new Error('host failure after the batch');
      }),
    ).rejects.toThrow('host failure after the batch');
    expect(await ctx.db.invoices.list(tenantId)).toEqual([]);
    expect(await prismaOf(ctx.db).billingRunClaim.count({ where: { tenantId, completedAt: null } })).toBe(2);
  });

  it('splits multi-row statements to stay within the bound-parameter and row limits', async () => {
    const scope: Scope = { provider, client: prismaOf(ctx.db), inTransaction: false };
    const limits = { maxParameters: 12, maxRows: 1000, maxBytes: 2 ** 20 };
    expect(chunkByLimits([1, 2, 3, 4, 5], 5, limits).map((c) => c.length)).toEqual([2, 2, 1]);
    expect(chunkByLimits(['aaaa', 'bb', 'cc', 'd'], 1, { ...limits, maxBytes: 4 }, (s) => s.length)).toEqual([
      ['aaaa'],
      ['bb', 'cc'],
      ['d'],
    ]);
    const createdAt = new Date('2026-01-02T03:04:05.678Z');
    const ids = Array.from({ length: 5 }, () => newId('ten'));
    await insertRows(
      scope,
      'Tenant',
      ['id', 'name', 'defaultCurrency', 'createdAt', 'updatedAt'],
      ids.map((id, n) => [id, `Tenant "${n}" — é 😀`, 'USD', createdAt, createdAt]),
      limits,
    );
    const rows = await prismaOf(ctx.db).tenant.findMany({
      where: { id: { in: ids } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.id, r.createdAt.toISOString()])).toEqual(
      [...ids].sort().map((id) => [id, '2026-01-02T03:04:05.678Z']),
    );
    expect(rows.find((r) => r.id === ids[3])?.name).toBe('Tenant "3" — é 😀');
    const changed = await updateRowsByKey(
      scope,
      'Tenant',
      'id',
      ids.map((id, n) => ({
        key: id,
        values: { name: `Renamed ${n}`, defaultCurrency: n % 2 ? 'EUR' : 'USD' },
      })),
      { where: { sql: '1 = 1', params: [] }, mysqlIndex: 'PRIMARY' },
      { ...limits, maxParameters: 16 },
    );
    expect(changed).toBe(5);
    const renamed = await prismaOf(ctx.db).tenant.findMany({ where: { id: { in: ids } } });
    expect(Object.fromEntries(renamed.map((r) => [r.id, [r.name, r.defaultCurrency]]))).toEqual(
      Object.fromEntries(ids.map((id, n) => [id, [`Renamed ${n}`, n % 2 ? 'EUR' : 'USD']])),
    );
  });

  it.runIf(provider === 'mysql')(
    'bills each period once when two batches over overlapping claims run at once (separate connections)',
    async () => {
      const { tenantId, price } = await tenantWithDueSubscriptions(12);
      const claims = await claimAll(ctx.db, tenantId);
      const workerA = await openDatabase({ url: ctx.test.url, migrate: false });
      const workerB = await openDatabase({ url: ctx.test.url, migrate: false });
      try {
        // Each batch computed from its own load; 4 claims in both (with different invoice ids).
        const a = await renewalsFor(workerA, tenantId, claims.slice(0, 8), price.id);
        const b = await renewalsFor(workerB, tenantId, claims.slice(4, 12).reverse(), price.id);
        const [ra, rb] = await Promise.all([
          workerA.billingRun.completeRenewals(tenantId, a, { finalize }),
          workerB.billingRun.completeRenewals(tenantId, b, { finalize }),
        ]);
        const renewedClaims = [...ra, ...rb].filter((r) => r.outcome === 'renewed').map((r) => r.claimId);
        expect(renewedClaims.sort()).toEqual(claims.map((c) => c.id).sort());
        // The overlap went to exactly one batch; the other reports it as already billed.
        const overlap = new Set(claims.slice(4, 8).map((c) => c.id));
        for (const r of [...ra, ...rb]) {
          if (!overlap.has(r.claimId)) expect(r.outcome).toBe('renewed');
          else expect(['renewed', 'already_billed']).toContain(r.outcome);
        }
        expect([...ra, ...rb].filter((r) => r.outcome === 'already_billed')).toHaveLength(4);
      } finally {
        await workerA.close();
        await workerB.close();
      }
      const invoices = await ctx.db.invoices.list(tenantId, { limit: 100 });
      expect(invoices).toHaveLength(12);
      expect(new Set(invoices.map((i) => `${i.subscriptionId}@${i.periodStart}`)).size).toBe(12);
      expect(invoices.map((i) => i.number).sort()).toEqual(
        Array.from({ length: 12 }, (_, n) => `RUN-${String(n + 1).padStart(6, '0')}`),
      );
      const subs = await ctx.db.subscriptions.list(tenantId, { limit: 100 });
      expect(subs.every((s) => s.version === 1 && s.currentPeriodEnd === NEXT_END)).toBe(true);
      expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 36 });
      expect(await prismaOf(ctx.db).billingRunClaim.count({ where: { tenantId, completedAt: null } })).toBe(
        0,
      );
    },
    60_000,
  );
});

describe('newSortableId', () => {
  it('sorts by creation time and never repeats', () => {
    const ids = Array.from({ length: 5000 }, () => newSortableId('evt'));
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});
