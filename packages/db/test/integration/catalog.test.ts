import { describe, expect, it } from 'vitest';
import { isDbError, newId, type Price } from '../../src/index.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, monthlyPrice, product, subscription, tenantWithSubscription } from './fixtures.js';

describe.each(providers)('catalog and subscriptions on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  it('round-trips a customer with address, exemptions and a negative (credit) balance', async () => {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Acme', defaultCurrency: 'USD' });
    const saved = customer({
      externalId: 'user-42',
      balance: -1250,
      taxExemptions: [{ jurisdictionId: 'US-IL-COOK', certificateId: 'CERT-1' }],
      taxIds: ['US-EIN-12-3456789'],
      address: { country: 'US', region: 'IL', districts: ['RTA'] },
    });
    await ctx.db.customers.save(tenantId, saved);
    expect(await ctx.db.customers.get(tenantId, saved.id)).toEqual(saved);
    expect(await ctx.db.customers.findByExternalId(tenantId, 'user-42')).toEqual(saved);
  });

  const recurring = { interval: 'month', intervalCount: 1 } as const;
  const base = (productId: string) => ({
    id: newId('price'),
    productId,
    currency: 'USD',
    active: true,
    taxBehavior: 'exclusive' as const,
  });
  it.each<[string, (productId: string) => Price]>([
    ['per-unit', (p) => monthlyPrice(p, 4599)],
    [
      'flat',
      (p) => ({
        ...base(p),
        recurring,
        billingScheme: 'flat',
        flatAmount: 12_000,
        nickname: '2-yard dumpster',
      }),
    ],
    [
      'tiered volume',
      (p) => ({
        ...base(p),
        recurring,
        lookupKey: `dumpster_${newId('k')}`,
        billingScheme: 'tiered',
        tiersMode: 'volume',
        tiers: [
          { upTo: 2, unitAmount: 9000, flatAmount: 0 },
          { upTo: null, unitAmount: 8000, flatAmount: 500 },
        ],
      }),
    ],
    [
      'one-off tax-inclusive',
      (p) => ({
        ...base(p),
        recurring: null,
        taxBehavior: 'inclusive',
        billingScheme: 'per_unit',
        unitAmount: 7500,
      }),
    ],
  ])('round-trips a %s price exactly', async (_name, make) => {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Acme', defaultCurrency: 'USD' });
    const p = await ctx.db.products.save(tenantId, product());
    const price = make(p.id);
    await ctx.db.prices.save(tenantId, price);
    expect(await ctx.db.prices.get(tenantId, price.id)).toEqual(price);
  });

  it('refuses an amount that is not a safe integer of minor units', async () => {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Acme', defaultCurrency: 'USD' });
    const p = await ctx.db.products.save(tenantId, product());
    await expect(ctx.db.prices.save(tenantId, monthlyPrice(p.id, 12.5))).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_INVALID_DATA'),
    );
  });

  it('stores a subscription with items and returns it unchanged', async () => {
    const { tenantId, subscription: sub } = await tenantWithSubscription(ctx.db);
    expect(await ctx.db.subscriptions.get(tenantId, sub.id)).toEqual(sub);
    expect(sub.version).toBe(0);
  });

  it('never returns another tenant’s rows, even by exact id', async () => {
    const a = await tenantWithSubscription(ctx.db);
    const b = await tenantWithSubscription(ctx.db);
    expect(await ctx.db.customers.get(b.tenantId, a.customer.id)).toBeNull();
    expect(await ctx.db.subscriptions.get(b.tenantId, a.subscription.id)).toBeNull();
    expect(await ctx.db.prices.get(b.tenantId, a.price.id)).toBeNull();
    expect((await ctx.db.customers.list(b.tenantId)).map((c) => c.id)).toEqual([b.customer.id]);
    expect((await ctx.db.subscriptions.list(b.tenantId)).map((s) => s.id)).toEqual([b.subscription.id]);
  });

  it('refuses to subscribe a customer to another tenant’s price', async () => {
    const a = await tenantWithSubscription(ctx.db);
    const b = await tenantWithSubscription(ctx.db);
    const attempt = ctx.db.subscriptions.create(b.tenantId, subscription(b.customer.id, a.price.id));
    await expect(attempt).rejects.toSatisfy((e) => isDbError(e, 'DB_NOT_FOUND'));
    expect(await ctx.db.subscriptions.list(b.tenantId)).toHaveLength(1);
  });

  it('bumps the version on save and rejects a writer holding the old version', async () => {
    const { tenantId, subscription: sub } = await tenantWithSubscription(ctx.db);
    const first = await ctx.db.subscriptions.save(
      tenantId,
      { ...sub, cancelAtPeriodEnd: true },
      { expectedVersion: 0 },
    );
    expect(first.version).toBe(1);
    const stale = ctx.db.subscriptions.save(tenantId, { ...sub, status: 'paused' }, { expectedVersion: 0 });
    await expect(stale).rejects.toSatisfy((e) => isDbError(e, 'DB_VERSION_CONFLICT'));
    const stored = await ctx.db.subscriptions.get(tenantId, sub.id);
    expect(stored?.status).toBe('active');
    expect(stored?.cancelAtPeriodEnd).toBe(true);
  });
});
