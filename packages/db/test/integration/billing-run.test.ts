import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type BillingDatabase,
  type BillingRunClaim,
  isDbError,
  newId,
  openDatabase,
} from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, cycleInvoice, monthlyPrice, product, subscription } from './fixtures.js';

describe.each(providers)('billing run on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  async function tenantWithDueSubscriptions(count: number) {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    const p = await ctx.db.products.save(tenantId, product());
    const price = await ctx.db.prices.save(tenantId, monthlyPrice(p.id));
    const subs = [];
    for (let n = 0; n < count; n++) {
      const c = await ctx.db.customers.save(tenantId, customer());
      subs.push(await ctx.db.subscriptions.create(tenantId, subscription(c.id, price.id)));
    }
    return { tenantId, price, subs };
  }

  it('counts the due periods nobody has claimed, down to 0 once all are claimed', async () => {
    const { tenantId } = await tenantWithDueSubscriptions(3);
    const asOf = '2026-02-01T06:00:00.000Z';
    expect(await ctx.db.billingRun.countDueUnclaimed(tenantId, { asOf })).toBe(3);
    expect(await ctx.db.billingRun.countDueUnclaimed(tenantId, { asOf: '2026-02-01T05:59:59.999Z' })).toBe(0);
    await ctx.db.billingRun.claimDueSubscriptions(tenantId, { asOf, workerId: 'w', limit: 2 });
    expect(await ctx.db.billingRun.countDueUnclaimed(tenantId, { asOf })).toBe(1);
    await ctx.db.billingRun.claimDueSubscriptions(tenantId, { asOf, workerId: 'w' });
    expect(await ctx.db.billingRun.countDueUnclaimed(tenantId, { asOf })).toBe(0);
  });

  async function drain(db: BillingDatabase, tenantId: string, workerId: string): Promise<BillingRunClaim[]> {
    const mine: BillingRunClaim[] = [];
    for (;;) {
      const batch = await db.billingRun.claimDueSubscriptions(tenantId, {
        asOf: '2026-02-01T06:00:00.000Z',
        workerId,
        limit: 3,
      });
      if (batch.length === 0) return mine;
      mine.push(...batch);
    }
  }

  it('claims only subscriptions whose period has ended and that are billable', async () => {
    const { tenantId, subs } = await tenantWithDueSubscriptions(3);
    await ctx.db.subscriptions.save(tenantId, { ...subs[1]!, status: 'paused' }, { expectedVersion: 0 });
    await ctx.db.subscriptions.save(
      tenantId,
      { ...subs[2]!, currentPeriodEnd: '2026-03-01T06:00:00.000Z' },
      { expectedVersion: 0 },
    );
    const claims = await ctx.db.billingRun.claimDueSubscriptions(tenantId, {
      asOf: '2026-02-01T06:00:00.000Z',
      workerId: 'w1',
    });
    expect(claims.map((c) => [c.subscriptionId, c.periodStart])).toEqual([
      [subs[0]!.id, '2026-02-01T06:00:00.000Z'],
    ]);
    expect(
      await ctx.db.billingRun.claimDueSubscriptions(tenantId, {
        asOf: '2026-02-01T06:00:00.000Z',
        workerId: 'w2',
      }),
    ).toEqual([]);
  });

  it('never lets two concurrent workers (separate connections) bill the same subscription period', async () => {
    const { tenantId, price, subs } = await tenantWithDueSubscriptions(12);
    const workerA = await openDatabase({ url: ctx.test.url, migrate: false });
    const workerB = await openDatabase({ url: ctx.test.url, migrate: false });
    try {
      const [a, b] = await Promise.all([drain(workerA, tenantId, 'A'), drain(workerB, tenantId, 'B')]);
      const claimed = [...a, ...b].map((c) => c.subscriptionId).sort();
      expect(claimed).toEqual(subs.map((s) => s.id).sort());
      // Each worker bills what it claimed, concurrently.
      const bill = (db: BillingDatabase, claims: BillingRunClaim[]) =>
        Promise.all(
          claims.map(async (claim) => {
            const current = (await db.subscriptions.get(tenantId, claim.subscriptionId))!;
            const renewed = {
              ...current,
              currentPeriodStart: claim.periodStart,
              currentPeriodEnd: '2026-03-01T06:00:00.000Z',
              periodsBilled: current.periodsBilled + 1,
            };
            return db.billingRun.completeRenewal(tenantId, {
              claimId: claim.id,
              subscription: renewed,
              expectedVersion: current.version,
              invoice: cycleInvoice(
                { customerId: current.customerId, subscriptionId: current.id, priceId: price.id },
                claim.periodStart,
                '2026-03-01T06:00:00.000Z',
              ),
            });
          }),
        );
      await Promise.all([bill(workerA, a), bill(workerB, b)]);
    } finally {
      await workerA.close();
      await workerB.close();
    }
    const invoices = await ctx.db.invoices.list(tenantId, { limit: 1000 });
    expect(invoices).toHaveLength(12);
    expect(new Set(invoices.map((i) => i.subscriptionId)).size).toBe(12);
    const again = await ctx.db.billingRun.claimDueSubscriptions(tenantId, {
      asOf: '2026-02-01T06:00:00.000Z',
      workerId: 'C',
    });
    expect(again).toEqual([]);
  });

  it('refuses to complete a claim twice and lets a released claim be taken again', async () => {
    const { tenantId, price, subs } = await tenantWithDueSubscriptions(1);
    const [claim] = await ctx.db.billingRun.claimDueSubscriptions(tenantId, {
      asOf: '2026-02-01T06:00:00.000Z',
      workerId: 'w',
    });
    await ctx.db.billingRun.releaseClaim(tenantId, claim!.id);
    const [retaken] = await ctx.db.billingRun.claimDueSubscriptions(tenantId, {
      asOf: '2026-02-01T06:00:00.000Z',
      workerId: 'w2',
    });
    expect(retaken?.subscriptionId).toBe(subs[0]!.id);
    const sub = subs[0]!;
    const renewal = () => ({
      claimId: retaken!.id,
      subscription: {
        ...sub,
        currentPeriodStart: retaken!.periodStart,
        currentPeriodEnd: '2026-03-01T06:00:00.000Z',
      },
      expectedVersion: 0,
      invoice: cycleInvoice(
        { customerId: sub.customerId, subscriptionId: sub.id, priceId: price.id },
        retaken!.periodStart,
        '2026-03-01T06:00:00.000Z',
      ),
    });
    await ctx.db.billingRun.completeRenewal(tenantId, renewal());
    await expect(ctx.db.billingRun.completeRenewal(tenantId, renewal())).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_ALREADY_BILLED'),
    );
    expect(await ctx.db.invoices.list(tenantId)).toHaveLength(1);
  });

  it.runIf(provider === 'mysql')(
    'gives two concurrent claimers disjoint, non-empty batches until every due period is claimed',
    async () => {
      const { tenantId, subs } = await tenantWithDueSubscriptions(30);
      const workerA = await openDatabase({ url: ctx.test.url, migrate: false });
      const workerB = await openDatabase({ url: ctx.test.url, migrate: false });
      const claim = (db: BillingDatabase, workerId: string) =>
        db.billingRun.claimDueSubscriptions(tenantId, {
          asOf: '2026-02-01T06:00:00.000Z',
          workerId,
          limit: 5,
        });
      const all: BillingRunClaim[] = [];
      try {
        // 30 due, 5 per claim, 2 claimers at once: three rounds in which both must get a full batch.
        for (let round = 0; round < 3; round++) {
          const [a, b] = await Promise.all([claim(workerA, 'A'), claim(workerB, 'B')]);
          expect([a.length, b.length]).toEqual([5, 5]);
          expect(a.every((c) => c.workerId === 'A') && b.every((c) => c.workerId === 'B')).toBe(true);
          all.push(...a, ...b);
        }
        expect(await Promise.all([claim(workerA, 'A'), claim(workerB, 'B')])).toEqual([[], []]);
      } finally {
        await workerA.close();
        await workerB.close();
      }
      const claimed = all.map((c) => c.subscriptionId).sort();
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed).toEqual(subs.map((s) => s.id).sort());
      // What the claimers returned is what the table holds.
      const rows = await prismaOf(ctx.db).billingRunClaim.findMany({ where: { tenantId } });
      expect(rows.map((r) => r.id).sort()).toEqual(all.map((c) => c.id).sort());
    },
    60_000,
  );

  it('renews concurrently from two connections with audit events, keeping one valid audit chain', async () => {
    const { tenantId, price } = await tenantWithDueSubscriptions(16);
    const workerA = await openDatabase({ url: ctx.test.url, migrate: false });
    const workerB = await openDatabase({ url: ctx.test.url, migrate: false });
    try {
      const run = async (db: BillingDatabase, workerId: string) => {
        let renewed = 0;
        for (;;) {
          const claims = await db.billingRun.claimDueSubscriptions(tenantId, {
            asOf: '2026-02-01T06:00:00.000Z',
            workerId,
            limit: 4,
          });
          if (claims.length === 0) return renewed;
          // Two renewals in flight per worker: four transactions of one tenant at once.
          await Promise.all(
            claims.map(async (claim) => {
              const current = (await db.subscriptions.get(tenantId, claim.subscriptionId))!;
              await db.billingRun.completeRenewal(tenantId, {
                claimId: claim.id,
                subscription: {
                  ...current,
                  currentPeriodStart: claim.periodStart,
                  currentPeriodEnd: '2026-03-01T06:00:00.000Z',
                  periodsBilled: current.periodsBilled + 1,
                },
                expectedVersion: current.version,
                invoice: cycleInvoice(
                  { customerId: current.customerId, subscriptionId: current.id, priceId: price.id },
                  claim.periodStart,
                  '2026-03-01T06:00:00.000Z',
                ),
                auditEvents: [
                  { type: 'invoice.created', entityType: 'subscription', entityId: current.id, data: {} },
                  {
                    type: 'subscription.renewed',
                    entityType: 'subscription',
                    entityId: current.id,
                    data: {},
                  },
                ],
              });
              renewed += 1;
            }),
          );
        }
      };
      const [a, b] = await Promise.all([run(workerA, 'A'), run(workerB, 'B')]);
      expect(a + b).toBe(16);
    } finally {
      await workerA.close();
      await workerB.close();
    }
    expect(await ctx.db.invoices.list(tenantId, { limit: 100 })).toHaveLength(16);
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 32 });
    const claims = await prismaOf(ctx.db).billingRunClaim.findMany({ where: { tenantId } });
    expect(claims.every((c) => c.completedAt !== null)).toBe(true);
  }, 60_000);

  it.runIf(provider === 'sqlite')(
    'never lets two worker processes claim the same subscription period',
    async () => {
      const { tenantId, subs } = await tenantWithDueSubscriptions(10);
      const run = promisify(execFile);
      const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
      const worker = (id: string) =>
        run(tsx, [join(import.meta.dirname, 'claim-worker.ts'), ctx.test.url, tenantId, id]);
      const [a, b] = await Promise.all([worker('P1'), worker('P2')]);
      const claimed = [...(JSON.parse(a.stdout) as string[]), ...(JSON.parse(b.stdout) as string[])].sort();
      expect(claimed).toEqual(subs.map((s) => s.id).sort());
    },
    60_000,
  );
});
