import { describe, expect, it } from 'vitest';
import {
  type BillingDatabase,
  type BillingRunClaim,
  isDbError,
  newId,
  openDatabase,
  type RenewalInput,
} from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, cycleInvoice, monthlyPrice, product, subscription } from './fixtures.js';

// Claims with leases: a claim left open by a worker that died is taken over after its lease, and whatever
// order the old and the new holder finish in, the period is billed once.

const AS_OF = '2026-02-01T06:00:00.000Z';
const NEXT_END = '2026-03-01T06:00:00.000Z';
/** Lease clock instants (this process's clock in production; pinned here). */
const T0 = '2026-12-06T12:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe.each(providers)('billing-run claim leases on %s', (provider) => {
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
    return { tenantId, priceId: price.id, subs };
  }

  const claim = (db: BillingDatabase, tenantId: string, workerId: string, now: string, leaseMs = 60_000) =>
    db.billingRun.claimDueSubscriptions(tenantId, { asOf: AS_OF, workerId, now, leaseMs });

  /** The renewal of `c` as a worker computes it from the subscription it loaded. */
  async function renewalOf(db: BillingDatabase, tenantId: string, priceId: string, c: BillingRunClaim) {
    const current = (await db.subscriptions.get(tenantId, c.subscriptionId))!;
    return {
      claimId: c.id,
      subscription: {
        ...current,
        currentPeriodStart: c.periodStart,
        currentPeriodEnd: NEXT_END,
        periodsBilled: current.periodsBilled + 1,
      },
      expectedVersion: current.version,
      invoice: cycleInvoice(
        { customerId: current.customerId, subscriptionId: current.id, priceId },
        c.periodStart,
        NEXT_END,
      ),
    } satisfies RenewalInput;
  }

  const rowsOf = (tenantId: string) =>
    prismaOf(ctx.db).billingRunClaim.findMany({ where: { tenantId }, orderBy: { id: 'asc' } });

  it('leases each claim; nobody else gets it before the lease runs out, the next claimer takes it over after', async () => {
    const { tenantId, subs } = await tenantWithDueSubscriptions(2);
    const first = await claim(ctx.db, tenantId, 'dead', T0, 1_000);
    expect(first).toHaveLength(2);
    expect(first[0]).toMatchObject({ workerId: 'dead', claimedAt: T0, leaseUntil: at(1_000), attempts: 1 });
    expect(await claim(ctx.db, tenantId, 'w2', at(999))).toEqual([]);
    expect(await ctx.db.billingRun.countDueUnclaimed(tenantId, { asOf: AS_OF, now: at(999) })).toBe(0);
    expect(await ctx.db.billingRun.countDueUnclaimed(tenantId, { asOf: AS_OF, now: at(1_001) })).toBe(2);

    const taken = await claim(ctx.db, tenantId, 'w2', at(1_001), 5_000);
    expect(taken.map((c) => c.id).sort()).toEqual(first.map((c) => c.id).sort());
    expect(taken[0]).toMatchObject({ workerId: 'w2', leaseUntil: at(6_001), attempts: 2 });
    expect(taken.map((c) => c.subscriptionId).sort()).toEqual(subs.map((s) => s.id).sort());
    // Taken over in place: still one claim per period.
    expect(await rowsOf(tenantId)).toHaveLength(2);
    expect(await claim(ctx.db, tenantId, 'w3', at(2_000))).toEqual([]);
  });

  it('a claim taken over mid-renewal is billed once, whichever holder writes first', async () => {
    const { tenantId, priceId } = await tenantWithDueSubscriptions(2);
    const dead = await claim(ctx.db, tenantId, 'slow', T0, 1_000);
    // The slow worker computed its renewals, then stalled past its lease.
    const slow = await Promise.all(dead.map((c) => renewalOf(ctx.db, tenantId, priceId, c)));
    const taken = await claim(ctx.db, tenantId, 'fast', at(2_000));
    expect(taken).toHaveLength(2);
    const fast = await Promise.all(taken.map((c) => renewalOf(ctx.db, tenantId, priceId, c)));
    const bySub = (list: RenewalInput[], id: string) => list.find((r) => r.subscription.id === id)!;
    const [a, b] = taken.map((c) => c.subscriptionId) as [string, string];

    // Subscription a: the new holder writes first; the old holder's late write is a no-op.
    const [fastA] = await ctx.db.billingRun.completeRenewals(tenantId, [bySub(fast, a)]);
    expect(fastA).toMatchObject({ outcome: 'renewed' });
    const [slowA] = await ctx.db.billingRun.completeRenewals(tenantId, [bySub(slow, a)]);
    expect(slowA).toMatchObject({ outcome: 'already_billed', invoiceId: bySub(fast, a).invoice.id });
    await expect(ctx.db.billingRun.completeRenewal(tenantId, bySub(slow, a))).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_ALREADY_BILLED'),
    );

    // Subscription b: the old holder was only slow, not dead, and writes first; the new holder's is a no-op.
    const [slowB] = await ctx.db.billingRun.completeRenewals(tenantId, [bySub(slow, b)]);
    expect(slowB).toMatchObject({ outcome: 'renewed' });
    const [fastB] = await ctx.db.billingRun.completeRenewals(tenantId, [bySub(fast, b)]);
    expect(fastB).toMatchObject({ outcome: 'already_billed', invoiceId: bySub(slow, b).invoice.id });

    const invoices = await ctx.db.invoices.list(tenantId, { limit: 100 });
    expect(invoices.map((i) => i.subscriptionId).sort()).toEqual([a, b].sort());
    expect((await rowsOf(tenantId)).every((r) => r.completedAt !== null)).toBe(true);
  });

  it.runIf(provider === 'mysql')(
    'hands an expired claim to exactly one of many concurrent claimers (separate connections)',
    async () => {
      const { tenantId } = await tenantWithDueSubscriptions(6);
      await claim(ctx.db, tenantId, 'dead', T0, 1);
      const claimers = await Promise.all(
        Array.from({ length: 4 }, () => openDatabase({ url: ctx.test.url, migrate: false })),
      );
      try {
        const got = await Promise.all(
          claimers.map((db, n) =>
            db.billingRun.claimDueSubscriptions(tenantId, {
              asOf: AS_OF,
              workerId: `w${n}`,
              now: at(10),
              limit: 6,
            }),
          ),
        );
        const ids = got.flat().map((c) => c.id);
        expect(ids).toHaveLength(6);
        expect(new Set(ids).size).toBe(6);
        expect(got.flat().every((c) => c.attempts === 2)).toBe(true);
      } finally {
        await Promise.all(claimers.map((db) => db.close()));
      }
    },
    60_000,
  );

  it('settles an expired claim whose period was billed (completed with its invoice) or moved on unbilled (released)', async () => {
    const { tenantId, priceId, subs } = await tenantWithDueSubscriptions(3);
    const [billed, paused, due] = subs.map((s) => s.id) as [string, string, string];
    const claims = await claim(ctx.db, tenantId, 'dead', T0, 1_000);
    const of = (id: string) => claims.find((c) => c.subscriptionId === id)!;
    // The worker billed `billed` and died before saying so (its claim is still open)…
    await ctx.db.billingRun.completeRenewal(tenantId, await renewalOf(ctx.db, tenantId, priceId, of(billed)));
    await prismaOf(ctx.db).billingRunClaim.update({
      where: { id: of(billed).id },
      data: { completedAt: null, invoiceId: null },
    });
    // …and `paused` stopped being billable meanwhile.
    const p = (await ctx.db.subscriptions.get(tenantId, paused))!;
    await ctx.db.subscriptions.save(tenantId, { ...p, status: 'paused' }, { expectedVersion: p.version });

    const taken = await claim(ctx.db, tenantId, 'w2', at(1_500));
    expect(taken.map((c) => c.subscriptionId)).toEqual([due]);
    const rows = await rowsOf(tenantId);
    const invoice = (await ctx.db.invoices.list(tenantId))[0]!;
    expect(rows.find((r) => r.id === of(billed).id)).toMatchObject({ invoiceId: invoice.id });
    expect(rows.find((r) => r.id === of(billed).id)?.completedAt).not.toBeNull();
    expect(rows.find((r) => r.id === of(paused).id)).toBeUndefined();
    expect(rows.find((r) => r.id === of(due).id)).toMatchObject({ workerId: 'w2', attempts: 2 });
    // Nothing is left open past its lease.
    expect(rows.filter((r) => r.completedAt === null && r.leaseUntil < new Date(at(1_500)))).toEqual([]);
  });

  it('extends a live claim, but not one another worker took over', async () => {
    const { tenantId } = await tenantWithDueSubscriptions(1);
    const [c] = await claim(ctx.db, tenantId, 'w1', T0, 1_000);
    expect(
      await ctx.db.billingRun.extendClaims(tenantId, [c!.id], {
        workerId: 'w1',
        now: at(900),
        leaseMs: 1_000,
      }),
    ).toEqual([c!.id]);
    expect(await claim(ctx.db, tenantId, 'w2', at(1_500))).toEqual([]);
    expect(await claim(ctx.db, tenantId, 'w2', at(2_000))).toHaveLength(1);
    expect(
      await ctx.db.billingRun.extendClaims(tenantId, [c!.id], { workerId: 'w1', now: at(2_100) }),
    ).toEqual([]);
  });

  it('settleClaims completes billed periods, releases its own unbilled ones and leaves a live foreign claim alone', async () => {
    const { tenantId, priceId, subs } = await tenantWithDueSubscriptions(3);
    const claims = await claim(ctx.db, tenantId, 'w1', T0, 1_000);
    const of = (n: number) => claims.find((c) => c.subscriptionId === subs[n]!.id)!;
    const renewal = await renewalOf(ctx.db, tenantId, priceId, of(0));
    // Billed through another path than completeRenewals (a workflow transaction): the claim is still open.
    await ctx.db.subscriptions.save(tenantId, renewal.subscription, {
      expectedVersion: renewal.expectedVersion,
    });
    await ctx.db.invoices.create(tenantId, renewal.invoice);
    // Claim 2 went to another worker after its lease ran out.
    await prismaOf(ctx.db).billingRunClaim.update({
      where: { id: of(2).id },
      data: { workerId: 'w2', leaseUntil: new Date(at(60_000)) },
    });
    const settled = await ctx.db.billingRun.settleClaims(
      tenantId,
      [of(0).id, of(1).id, of(2).id, 'clm_nope'],
      {
        workerId: 'w1',
        now: at(100),
      },
    );
    expect(settled).toEqual([
      { claimId: of(0).id, outcome: 'completed', invoiceId: renewal.invoice.id },
      { claimId: of(1).id, outcome: 'released' },
      { claimId: of(2).id, outcome: 'taken_over' },
      { claimId: 'clm_nope', outcome: 'missing' },
    ]);
    // Settling again (or from another worker) gives the same answer for the billed one.
    expect(
      await ctx.db.billingRun.settleClaims(tenantId, [of(0).id], { workerId: 'w9', now: at(200) }),
    ).toEqual([{ claimId: of(0).id, outcome: 'completed', invoiceId: renewal.invoice.id }]);
    // The released period is claimable again.
    const again = await claim(ctx.db, tenantId, 'w3', at(300));
    expect(again.map((c) => c.subscriptionId)).toEqual([subs[1]!.id]);
  });

  it('releaseClaim with a worker id gives back only that worker’s claim', async () => {
    const { tenantId } = await tenantWithDueSubscriptions(1);
    const [c] = await claim(ctx.db, tenantId, 'dead', T0, 1);
    const [taken] = await claim(ctx.db, tenantId, 'w2', at(10));
    expect(taken?.id).toBe(c!.id);
    await ctx.db.billingRun.releaseClaim(tenantId, c!.id, { workerId: 'dead' });
    expect(await rowsOf(tenantId)).toHaveLength(1);
    await ctx.db.billingRun.releaseClaim(tenantId, c!.id, { workerId: 'w2' });
    expect(await rowsOf(tenantId)).toHaveLength(0);
  });

  it('refuses a lease that is not a positive whole number of milliseconds', async () => {
    const { tenantId } = await tenantWithDueSubscriptions(1);
    for (const leaseMs of [0, -5, 1.5, Number.NaN]) {
      await expect(claim(ctx.db, tenantId, 'w', T0, leaseMs)).rejects.toSatisfy((e) =>
        isDbError(e, 'DB_INVALID_DATA'),
      );
    }
  });
});
