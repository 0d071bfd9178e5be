import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OperationContext, WorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

let tenants = 0;

describe.each(backends())('billing runs on $name', ({ open }) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await open();
  });
  afterAll(() => bed.close());

  /** A fresh tenant (so runs see only this test's subscriptions) with the sample tax table and a $30/month plan. */
  async function tenant() {
    tenants += 1;
    const ctx: OperationContext = { tenantId: `ten_run_${tenants}`, actor: 'test' };
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
    return { ctx, price: price.id };
  }

  async function subscribe(
    ctx: OperationContext,
    price: string,
    options: { balance?: number; discounts?: string[] } = {},
  ) {
    const customer = await bed.billing.customers.create(ctx, {
      currency: 'USD',
      address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60606' },
    });
    if (options.balance !== undefined) {
      await bed.billing.balance.create(ctx, customer.id, {
        amount: options.balance,
        description: 'Goodwill',
      });
    }
    const { subscription } = await bed.billing.subscriptions.create(ctx, {
      customer: customer.id,
      items: [{ price }],
      startAt: '2026-01-01T00:00:00.000Z',
      ...(options.discounts ? { discounts: options.discounts } : {}),
    });
    return { customer: customer.id, subscription: subscription.id };
  }

  async function cycleInvoices(ctx: OperationContext, subscription: string) {
    const all = await bed.store
      .forTenant(ctx.tenantId)
      .list('invoice', { limit: 100, where: { subscriptionId: subscription } });
    return all.data.filter((i) => i.billingReason === 'subscription_cycle');
  }

  it('renews each due subscription once: a second run over the same period renews none', async () => {
    const { ctx, price } = await tenant();
    const a = await subscribe(ctx, price);
    const b = await subscribe(ctx, price);
    const first = await bed.billing.billingRuns.create(ctx, { upTo: '2026-02-01T12:00:00Z' });
    expect(first).toMatchObject({
      upTo: '2026-02-01T12:00:00.000Z',
      status: 'completed',
      considered: 2,
      renewed: 2,
      skipped: 0,
      failed: 0,
    });
    expect(first.invoiceIds).toHaveLength(2);
    const second = await bed.billing.billingRuns.create(ctx, { upTo: '2026-02-01T12:00:00Z' });
    expect(second).toMatchObject({ status: 'completed', considered: 0, renewed: 0, invoiceIds: [] });
    for (const s of [a, b]) {
      const cycle = await cycleInvoices(ctx, s.subscription);
      expect(cycle.map((i) => i.periodStart)).toEqual(['2026-02-01T00:00:00.000Z']);
      const renewed = await bed.billing.subscriptions.retrieve(ctx, s.subscription);
      expect(renewed.periodsBilled).toBe(2);
      expect(renewed.currentPeriodEnd).toBe('2026-03-01T00:00:00.000Z');
    }
  });

  it('renews a subscription far behind once per period it missed', async () => {
    const { ctx, price } = await tenant();
    const s = await subscribe(ctx, price);
    const run = await bed.billing.billingRuns.create(ctx, { upTo: '2026-04-01T00:00:00Z' });
    expect(run).toMatchObject({ considered: 1, renewed: 3, failed: 0 });
    const cycle = await cycleInvoices(ctx, s.subscription);
    expect(cycle.map((i) => i.periodStart).sort()).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
    ]);
  });

  it('bills each period once when two runs race over it', async () => {
    const { ctx, price } = await tenant();
    const subs = await Promise.all([1, 2, 3, 4].map(() => subscribe(ctx, price)));
    const upTo = '2026-02-01T12:00:00Z';
    const runs = await Promise.all([
      bed.billing.billingRuns.create(ctx, { upTo }),
      bed.billing.billingRuns.create(ctx, { upTo }),
    ]);
    // A renewal that lost the race is skipped or reported failed (a version conflict), never billed twice.
    for (const r of runs) for (const e of r.errors) expect(e.code).toBe('DB_VERSION_CONFLICT');
    expect(runs[0].renewed + runs[1].renewed).toBe(subs.length);
    const sweep = await bed.billing.billingRuns.create(ctx, { upTo });
    expect(sweep.renewed).toBe(0);
    for (const s of subs) expect(await cycleInvoices(ctx, s.subscription)).toHaveLength(1);
  });

  it('reports a renewal that fails in the run and renews the others', async () => {
    const { ctx, price } = await tenant();
    const good = await subscribe(ctx, price);
    const other = await bed.billing.catalog.createPrice(ctx, {
      product: (await bed.billing.catalog.retrievePrice(ctx, price)).productId,
      currency: 'USD',
      billingScheme: 'flat',
      flatAmount: 4500,
      recurring: { interval: 'month', intervalCount: 1 },
    });
    const broken = await subscribe(ctx, other.id);
    // A price that no longer matches the customer's currency: billing-core refuses to renew.
    await bed.store.forTenant(ctx.tenantId).transaction(async (tx) => {
      const stored = await tx.get('price', other.id);
      if (stored) await tx.update('price', { ...stored, currency: 'EUR' });
    });
    const run = await bed.billing.billingRuns.create(ctx, { upTo: '2026-02-01T12:00:00Z' });
    expect(run).toMatchObject({ status: 'failed', considered: 2, renewed: 1, failed: 1 });
    expect(run.errors).toEqual([
      { subscriptionId: broken.subscription, code: 'BILLING_CURRENCY_MISMATCH', message: expect.any(String) },
    ]);
    expect(await cycleInvoices(ctx, good.subscription)).toHaveLength(1);
    expect(await cycleInvoices(ctx, broken.subscription)).toHaveLength(0);
  });

  it('starts the renewal from the customer balance: a 5.00 credit lowers amount due, spent at finalization', async () => {
    const { ctx, price } = await tenant();
    const s = await subscribe(ctx, price, { balance: -500 });
    // The first invoice is still a draft: it shows the credit without spending it.
    expect((await bed.billing.customers.retrieve(ctx, s.customer)).balance).toBe(-500);
    const run = await bed.billing.billingRuns.create(ctx, { upTo: '2026-02-01T12:00:00Z' });
    const [invoice] = await cycleInvoices(ctx, s.subscription);
    if (!invoice) throw new Error('no renewal invoice');
    expect(run.invoiceIds).toEqual([invoice.id]);
    expect(invoice.startingBalance).toEqual({ amount: -500, currency: 'USD' });
    expect(invoice.amountDue.amount).toBe(invoice.total.amount - 500);
    expect(invoice.endingBalance).toEqual({ amount: 0, currency: 'USD' });
    await bed.billing.invoices.finalize(ctx, invoice.id);
    expect((await bed.billing.customers.retrieve(ctx, s.customer)).balance).toBe(0);
    const ledger = await bed.billing.balance.list(ctx, s.customer, { limit: 10 });
    expect(ledger.data.map((t) => [t.type, t.amount, t.invoiceId, t.endingBalance])).toEqual([
      ['adjustment', -500, null, -500],
      ['applied_to_invoice', 500, invoice.id, 0],
    ]);
  });

  it('stores what a renewal left of a credit discount, so the credit is spent once', async () => {
    const { ctx, price } = await tenant();
    const credit = await bed.billing.discounts.create(ctx, {
      type: 'credit',
      name: 'Goodwill',
      amount: { amount: 5000, currency: 'USD' },
    });
    const s = await subscribe(ctx, price, { discounts: [credit.id] });
    const before = await bed.billing.subscriptions.retrieve(ctx, s.subscription);
    const left = before.discounts[0]?.creditRemaining ?? 0;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(5000);
    await bed.billing.billingRuns.create(ctx, { upTo: '2026-03-01T12:00:00Z' });
    const [february, march] = (await cycleInvoices(ctx, s.subscription)).sort((x, y) =>
      x.periodStart.localeCompare(y.periodStart),
    );
    expect(february?.totalDiscount.amount).toBe(left);
    expect(march?.totalDiscount.amount).toBe(0);
    const after = await bed.billing.subscriptions.retrieve(ctx, s.subscription);
    expect(after.discounts[0]?.creditRemaining).toBe(0);
  });

  it('retrieves and lists runs, and refuses an unknown id', async () => {
    const { ctx } = await tenant();
    const first = await bed.billing.billingRuns.create(ctx, { upTo: '2026-01-15T00:00:00Z' });
    const second = await bed.billing.billingRuns.create(ctx);
    expect(await bed.billing.billingRuns.retrieve(ctx, first.id)).toMatchObject(first);
    const page = await bed.billing.billingRuns.list(ctx, { limit: 1 });
    expect(page.data.map((r) => r.id)).toEqual([first.id]);
    expect(page.hasMore).toBe(true);
    const next = await bed.billing.billingRuns.list(ctx, { limit: 10, startingAfter: first.id });
    expect(next.data.map((r) => r.id)).toEqual([second.id]);
    await expect(bed.billing.billingRuns.retrieve(ctx, 'brun_missing')).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
      message: "No such billing_run: 'brun_missing'",
    });
    // Another tenant's run is not found either.
    await expect(
      bed.billing.billingRuns.retrieve({ tenantId: bed.tenantId }, first.id),
    ).rejects.toBeInstanceOf(WorkflowError);
  });

  it('records the run with a billing_run.completed audit event', async () => {
    const { ctx, price } = await tenant();
    await subscribe(ctx, price);
    const run = await bed.billing.billingRuns.create(ctx, { upTo: '2026-02-01T12:00:00Z' });
    const events = await bed.store
      .forTenant(ctx.tenantId)
      .listAudit({ limit: 100, entityType: 'billing_run' });
    expect(events.data.map((e) => [e.type, e.entityId, e.actor])).toEqual([
      ['billing_run.completed', run.id, 'test'],
    ]);
    const renewal = await bed.store
      .forTenant(ctx.tenantId)
      .listAudit({ limit: 100, entityType: 'subscription' });
    expect(renewal.data.map((e) => e.type)).toContain('subscription.renewed');
  });

  it('runs once per idempotency key and refuses the key with another input', async () => {
    const { ctx, price } = await tenant();
    await subscribe(ctx, price);
    const keyed = { ...ctx, idempotencyKey: 'run-2026-02' };
    const first = await bed.billing.billingRuns.create(keyed, { upTo: '2026-02-01T12:00:00Z' });
    const again = await bed.billing.billingRuns.create(keyed, { upTo: '2026-02-01T12:00:00Z' });
    expect(again).toEqual(first);
    expect((await bed.billing.billingRuns.list(ctx, { limit: 10 })).data).toHaveLength(1);
    const reused = bed.billing.billingRuns.create(keyed, { upTo: '2026-03-01T12:00:00Z' });
    await expect(reused).rejects.toMatchObject({ code: 'WORKFLOW_IDEMPOTENCY_KEY_REUSED' });
  });
});
