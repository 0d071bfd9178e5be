import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewClaimedPeriod } from '../src/billing-runs.js';
import { resolveDeps } from '../src/context.js';
import type { OperationContext } from '../src/index.js';
import { createWorker, type WorkerEvent, type WorkerOptions } from '../src/worker.js';
import { backends, type TestBed } from './support.js';

let tenants = 0;
/** The business clock of these tests: every subscription below has exactly one period due. */
const NOW = new Date('2026-02-01T12:00:00.000Z');
const AS_OF = NOW.toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends())('workers on $name', ({ open }) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await open({ clock: () => NOW });
  });
  afterAll(() => bed.close());

  /** A fresh tenant with the sample tax table and `count` subscriptions started 2026-01-01 on a $30/month plan. */
  async function tenantWithDue(count: number) {
    tenants += 1;
    const ctx: OperationContext = { tenantId: `ten_wrk_${tenants}`, actor: 'test' };
    await bed.store.addTenant({ id: ctx.tenantId, name: ctx.tenantId, defaultCurrency: 'USD' });
    await bed.billing.taxRates.replace(ctx, sampleRateTable as unknown as Record<string, unknown>);
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Weekly pickup' });
    const price = await bed.billing.catalog.createPrice(ctx, {
      product: product.id,
      currency: 'USD',
      billingScheme: 'flat',
      flatAmount: 3000,
      recurring: { interval: 'month', intervalCount: 1 },
    });
    const subscriptions: string[] = [];
    for (let n = 0; n < count; n++) {
      const customer = await bed.billing.customers.create(ctx, {
        currency: 'USD',
        address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60606' },
      });
      const { subscription } = await bed.billing.subscriptions.create(ctx, {
        customer: customer.id,
        items: [{ price: price.id }],
        startAt: '2026-01-01T00:00:00.000Z',
      });
      subscriptions.push(subscription.id);
    }
    return { ctx, price: price.id, subscriptions };
  }

  const worker = (tenantId: string, options: Partial<WorkerOptions> = {}) =>
    createWorker({
      db: bed.store,
      clock: () => NOW,
      tenants: [tenantId],
      tasks: { renewals: true, dunning: false },
      batchSize: 10,
      intervalMs: 10,
      ...options,
    });

  /** Cycle invoices per subscription period: every value must be 1. */
  async function periodsBilled(ctx: OperationContext): Promise<Map<string, number>> {
    const all = await bed.store.forTenant(ctx.tenantId).list('invoice', { limit: 100 });
    const billed = new Map<string, number>();
    for (const i of all.data.filter((x) => x.billingReason === 'subscription_cycle'))
      billed.set(
        `${i.subscriptionId}@${i.periodStart}`,
        (billed.get(`${i.subscriptionId}@${i.periodStart}`) ?? 0) + 1,
      );
    return billed;
  }

  /** Due periods nobody holds a live claim on. */
  const claimable = (tenantId: string) =>
    bed.store.exclusive(() => bed.store.db.billingRun.countDueUnclaimed(tenantId, { asOf: AS_OF }));

  it('renews every due period once, settles its claims and records the batches as billing runs', async () => {
    const { ctx, subscriptions } = await tenantWithDue(12);
    const events: WorkerEvent[] = [];
    const w = worker(ctx.tenantId, { batchSize: 5, onEvent: (e) => events.push(e) });
    const pass = await w.runOnce();
    expect(pass).toMatchObject({ claimed: 12, renewed: 12, skipped: 0, failed: 0, takenOver: 0, errors: 0 });
    expect(events.filter((e) => e.type === 'batch').map((e) => (e as { claimed: number }).claimed)).toEqual([
      5, 5, 2,
    ]);
    const billed = await periodsBilled(ctx);
    expect(billed.size).toBe(12);
    expect([...billed.values()].every((n) => n === 1)).toBe(true);
    for (const id of subscriptions) expect(billed.get(`${id}@2026-02-01T00:00:00.000Z`)).toBe(1);
    // The claims are completed (none open), and a second pass finds nothing.
    expect(await claimable(ctx.tenantId)).toBe(0);
    expect(await w.runOnce()).toMatchObject({ claimed: 0, renewed: 0 });
    const runs = await bed.billing.billingRuns.list(ctx, { limit: 10 });
    expect(runs.data.map((r) => r.renewed)).toEqual([5, 5, 2]);
    expect((await bed.billing.audit.verify(ctx)).valid).toBe(true);
  });

  it('leaves a live claim alone and takes over a claim whose lease ran out (its worker died)', async () => {
    const { ctx } = await tenantWithDue(4);
    // A worker claimed the batch and died before renewing it.
    const dead = await bed.store.exclusive(() =>
      bed.store.db.billingRun.claimDueSubscriptions(ctx.tenantId, {
        asOf: AS_OF,
        workerId: 'dead',
        leaseMs: 400,
      }),
    );
    expect(dead).toHaveLength(4);
    const w = worker(ctx.tenantId);
    expect(await w.runOnce()).toMatchObject({ claimed: 0, renewed: 0 });
    expect((await periodsBilled(ctx)).size).toBe(0);
    await sleep(450);
    expect(await w.runOnce()).toMatchObject({ claimed: 4, takenOver: 4, renewed: 4, failed: 0 });
    const billed = await periodsBilled(ctx);
    expect([...billed.values()]).toEqual([1, 1, 1, 1]);
    expect(await claimable(ctx.tenantId)).toBe(0);
    expect((await bed.billing.audit.verify(ctx)).valid).toBe(true);
  });

  it('bills a period once when the worker it was taken from was only slow and renews it too', async () => {
    const { ctx } = await tenantWithDue(6);
    const slow = await bed.store.exclusive(() =>
      bed.store.db.billingRun.claimDueSubscriptions(ctx.tenantId, {
        asOf: AS_OF,
        workerId: 'slow',
        leaseMs: 1,
      }),
    );
    expect(slow).toHaveLength(6);
    await sleep(5);
    const deps = resolveDeps({ db: bed.store, clock: () => NOW });
    const slowCtx = { tenantId: ctx.tenantId, actor: 'system:worker', requestId: 'slow' };
    const [first, second, third] = [slow.slice(0, 2), slow.slice(2, 4), slow.slice(4)] as const;
    // 1. The slow worker renews two periods and dies before settling: the next claimer finds them billed
    //    (their claims completed with the slow worker's invoices) and takes over the other four.
    for (const c of first) expect(await renewClaimedPeriod(deps, slowCtx, c, AS_OF)).toMatch(/^in_/);
    const fast = worker(ctx.tenantId, { workerId: 'fast', batchSize: 2 });
    const taken = await bed.store.exclusive(() =>
      bed.store.db.billingRun.claimDueSubscriptions(ctx.tenantId, {
        asOf: AS_OF,
        workerId: 'fast',
        limit: 10,
      }),
    );
    expect(taken.map((c) => c.id).sort()).toEqual([...second, ...third].map((c) => c.id).sort());
    // 2. Both holders renew the next two at the same time, 3. the new holder renews the last two first.
    const renewedTwice = await Promise.all(
      second.flatMap((c) => [
        renewClaimedPeriod(deps, slowCtx, c, AS_OF),
        renewClaimedPeriod(deps, { ...slowCtx, requestId: 'fast' }, c, AS_OF),
      ]),
    );
    expect(renewedTwice.filter((r) => r !== undefined)).toHaveLength(2);
    for (const c of third)
      expect(await renewClaimedPeriod(deps, { ...slowCtx, requestId: 'fast' }, c, AS_OF)).toMatch(/^in_/);
    for (const c of third) expect(await renewClaimedPeriod(deps, slowCtx, c, AS_OF)).toBeUndefined();
    // Whoever settles, the claims end completed by the one invoice of each period.
    const settled = await bed.store.exclusive(() =>
      bed.store.db.billingRun.settleClaims(
        ctx.tenantId,
        slow.map((c) => c.id),
        { workerId: 'slow' },
      ),
    );
    expect(settled.map((s) => s.outcome)).toEqual(Array(6).fill('completed'));
    const billed = await periodsBilled(ctx);
    expect(billed.size).toBe(6);
    expect([...billed.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(settled.map((s) => (s as { invoiceId: string }).invoiceId)).size).toBe(6);
    expect(await fast.runOnce()).toMatchObject({ claimed: 0, renewed: 0 });
    expect((await bed.billing.audit.verify(ctx)).valid).toBe(true);
  });

  it('keeps a failed renewal’s claim until its lease runs out, then any worker retries it', async () => {
    const { ctx, price } = await tenantWithDue(2);
    // A price that no longer matches the customers' currency: billing-core refuses to renew.
    const setCurrency = (currency: string) =>
      bed.store.forTenant(ctx.tenantId).transaction(async (tx) => {
        const stored = await tx.get('price', price);
        if (stored) await tx.update('price', { ...stored, currency });
      });
    await setCurrency('EUR');
    const events: WorkerEvent[] = [];
    const first = await worker(ctx.tenantId, { leaseMs: 300, onEvent: (e) => events.push(e) }).runOnce();
    expect(first).toMatchObject({ claimed: 2, renewed: 0, failed: 2 });
    const runs = await bed.billing.billingRuns.list(ctx, { limit: 10 });
    expect(runs.data[0]?.errors.map((e) => e.code)).toEqual([
      'BILLING_CURRENCY_MISMATCH',
      'BILLING_CURRENCY_MISMATCH',
    ]);
    await setCurrency('USD');
    // Still leased: nobody retries yet.
    expect(await worker(ctx.tenantId, { workerId: 'other' }).runOnce()).toMatchObject({ claimed: 0 });
    await sleep(350);
    expect(await worker(ctx.tenantId, { workerId: 'other' }).runOnce()).toMatchObject({
      claimed: 2,
      takenOver: 2,
      renewed: 2,
      failed: 0,
    });
    expect([...(await periodsBilled(ctx)).values()]).toEqual([1, 1]);
  });

  it('stops when asked: the batch in flight finishes, no further batch is claimed', async () => {
    const { ctx } = await tenantWithDue(5);
    const stop = new AbortController();
    const w = worker(ctx.tenantId, {
      batchSize: 2,
      signal: stop.signal,
      // The first batch is being written when the stop arrives.
      observer: { invoiceCreated: () => stop.abort() },
    });
    const totals = await w.run();
    expect(totals).toMatchObject({ passes: 1, claimed: 2, renewed: 2, released: 0, failed: 0 });
    expect((await periodsBilled(ctx)).size).toBe(2);
    // Nothing of the rest was claimed: claimable by another worker right now.
    expect(await claimable(ctx.tenantId)).toBe(3);
    expect(await worker(ctx.tenantId, { workerId: 'next' }).runOnce()).toMatchObject({
      claimed: 3,
      takenOver: 0,
      renewed: 3,
    });
    expect([...(await periodsBilled(ctx)).values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it('renews a batch in one write: one bad subscription fails alone, its claim kept, the others renewed', async () => {
    const { ctx, subscriptions } = await tenantWithDue(4);
    const tenant = bed.store.forTenant(ctx.tenantId);
    // One customer changed currency: billing-core refuses to renew that subscription only.
    const bad = (await tenant.get('subscription', subscriptions[1] as string))?.customerId as string;
    await tenant.transaction(async (tx) => {
      const customer = await tx.get('customer', bad);
      if (customer) await tx.update('customer', { ...customer, currency: 'EUR' });
    });
    const pass = await worker(ctx.tenantId, { leaseMs: 60_000 }).runOnce();
    expect(pass).toMatchObject({ claimed: 4, renewed: 3, failed: 1, errors: 0 });
    const billed = await periodsBilled(ctx);
    expect(billed.size).toBe(3);
    expect(billed.has(`${subscriptions[1]}@2026-02-01T00:00:00.000Z`)).toBe(false);
    const [run] = (await bed.billing.billingRuns.list(ctx, { limit: 10 })).data;
    expect(run).toMatchObject({ renewed: 3, failed: 1, status: 'failed' });
    expect(run?.errors.map((e) => e.subscriptionId)).toEqual([subscriptions[1]]);
    expect(run?.invoiceIds).toHaveLength(3);
    // The failed period's claim is kept (leased, not released), the others completed: nothing claimable.
    expect(await claimable(ctx.tenantId)).toBe(0);
    expect((await bed.billing.audit.verify(ctx)).valid).toBe(true);
  });

  it('writes the same subscription, invoice and audit events as a renewal on its own', async () => {
    const { ctx, subscriptions } = await tenantWithDue(2);
    const [alone, batched] = subscriptions as [string, string];
    const deps = resolveDeps({ db: bed.store, clock: () => NOW });
    const wctx = { tenantId: ctx.tenantId, actor: 'system:worker', requestId: 'w' };
    const tenant = bed.store.forTenant(ctx.tenantId);
    // One renewed on its own (one transaction), the other by a worker's batch.
    await renewClaimedPeriod(
      deps,
      wctx,
      { subscriptionId: alone, periodStart: '2026-02-01T00:00:00.000Z' },
      AS_OF,
    );
    expect(await worker(ctx.tenantId, { workerId: 'w' }).runOnce()).toMatchObject({ renewed: 1 });
    const shape = async (subscriptionId: string) => {
      const s = await tenant.get('subscription', subscriptionId);
      const invoice = await tenant.get('invoice', s?.latestInvoiceId as string);
      const events = (await tenant.listAudit({ limit: 100 })).data.filter(
        (e) => e.entityId === subscriptionId || e.entityId === invoice?.id,
      );
      // Ids and write times differ between any two renewals: everything else must be the same.
      const strip = (value: unknown) =>
        JSON.parse(
          JSON.stringify(value)
            .replace(/\b([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}(?![0-9A-Z])/g, '$1_ID')
            .replace(/"updatedAt":"[^"]+"/g, '"updatedAt":"T"'),
        );
      return {
        subscription: strip(s),
        invoice: strip(invoice),
        events: events.slice(-2).map((e) =>
          strip({
            type: e.type,
            actor: e.actor,
            entityType: e.entityType,
            occurredAt: e.occurredAt,
            data: e.data,
          }),
        ),
      };
    };
    const a = await shape(alone);
    const b = await shape(batched);
    expect(b.subscription).toEqual(a.subscription);
    expect(b.invoice).toEqual(a.invoice);
    expect(b.events.map((e: { type: string }) => e.type)).toEqual([
      'subscription.renewed',
      'invoice.created',
    ]);
    expect(b.events).toEqual(a.events);
    // What changed, not whole copies: the subscription's changed fields with id and version; the invoice's
    // amounts and line ids, not its explanation (stored with the invoice itself).
    const [renewed, created] = b.events as {
      data: { before: Record<string, unknown>; after: Record<string, unknown> };
    }[];
    expect(renewed?.data.after).toMatchObject({
      version: Number(renewed?.data.before.version) + 1,
      currentPeriodStart: '2026-02-01T00:00:00.000Z',
    });
    expect(renewed?.data.before).toMatchObject({ currentPeriodStart: '2026-01-01T00:00:00.000Z' });
    expect(renewed?.data.after).not.toHaveProperty('items');
    expect(created?.data.after).toMatchObject({ total: { amount: expect.any(Number) }, status: 'draft' });
    expect(created?.data.after).not.toHaveProperty('explanation');
    expect(created?.data.after.lines).toEqual([
      { id: expect.any(String), amount: { amount: 3000, currency: 'USD' } },
    ]);
    expect((await bed.billing.audit.verify(ctx)).valid).toBe(true);
  });

  it('renews each period on its own when the batch write is refused as a whole', async () => {
    const { ctx } = await tenantWithDue(3);
    const repository = bed.store.db.billingRun;
    const original = repository.completeRenewals;
    let refused = 0;
    repository.completeRenewals = async () => {
      refused += 1;
      throw new Error('refused');
    };
    try {
      expect(await worker(ctx.tenantId).runOnce()).toMatchObject({ claimed: 3, renewed: 3, failed: 0 });
    } finally {
      repository.completeRenewals = original;
    }
    expect(refused).toBe(1);
    expect([...(await periodsBilled(ctx)).values()]).toEqual([1, 1, 1]);
    expect(await claimable(ctx.tenantId)).toBe(0);
    expect((await bed.billing.audit.verify(ctx)).valid).toBe(true);
  });

  it('works for every tenant of the database by default, dunning included, and refuses a nonsensical schedule', async () => {
    const a = await tenantWithDue(1);
    const b = await tenantWithDue(1);
    const events: WorkerEvent[] = [];
    const w = createWorker({ db: bed.store, clock: () => NOW, onEvent: (e) => events.push(e) });
    const pass = await w.runOnce();
    expect(pass).toMatchObject({ errors: 0, failed: 0 });
    expect(pass.renewed).toBeGreaterThanOrEqual(2);
    const dunned = events.filter((e) => e.type === 'dunning').map((e) => e.tenantId);
    expect(dunned).toEqual(expect.arrayContaining([a.ctx.tenantId, b.ctx.tenantId, bed.tenantId]));
    expect((await periodsBilled(a.ctx)).size).toBe(1);
    expect((await periodsBilled(b.ctx)).size).toBe(1);
    expect(() => createWorker({ db: bed.store, leaseMs: 0 })).toThrow(/leaseMs/);
    expect(() => createWorker({ db: bed.store, batchSize: 1.5 })).toThrow(/batchSize/);
  });
});
