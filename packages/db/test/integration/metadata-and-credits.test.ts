import { describe, expect, it } from 'vitest';
import { newId, type Subscription, type SubscriptionDiscount } from '../../src/index.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, cycleInvoice, monthlyPrice, product, subscription } from './fixtures.js';

const AS_OF = '2026-02-01T06:00:00.000Z';
const NEXT_END = '2026-03-01T06:00:00.000Z';

/** A $25 credit of which `remaining` is left. */
const credit = (subscriptionId: string, remaining: number | null): SubscriptionDiscount => ({
  id: `${subscriptionId}_welcome`,
  discount: {
    id: 'welcome',
    type: 'credit',
    amount: { amount: 2500, currency: 'USD' },
    firstInvoiceOnly: false,
    priority: 0,
  },
  start: '2026-01-01T06:00:00.000Z',
  periodsApplied: 0,
  creditRemaining: remaining,
});

describe.each(providers)('metadata and credit remainders through the repositories on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  async function tenant() {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    const p = await ctx.db.products.save(tenantId, product({ metadata: { sku: 'WP-1' } }));
    const price = await ctx.db.prices.save(tenantId, monthlyPrice(p.id));
    const c = await ctx.db.customers.save(tenantId, customer({ metadata: { crm: 'hs_991' } }));
    return { tenantId, product: p, price, customer: c };
  }

  it('round-trips customer and product metadata, and keeps it when a save leaves it out', async () => {
    const t = await tenant();
    expect(await ctx.db.customers.get(t.tenantId, t.customer.id)).toEqual(t.customer);
    expect(await ctx.db.products.get(t.tenantId, t.product.id)).toEqual(t.product);
    const { metadata: _customerMetadata, ...bareCustomer } = t.customer;
    await ctx.db.customers.save(t.tenantId, { ...bareCustomer, name: 'Renamed' });
    expect((await ctx.db.customers.get(t.tenantId, t.customer.id))?.metadata).toEqual({ crm: 'hs_991' });
    await ctx.db.customers.save(t.tenantId, { ...t.customer, metadata: {} });
    expect(await ctx.db.customers.get(t.tenantId, t.customer.id)).not.toHaveProperty('metadata');
    const { metadata: _productMetadata, ...bareProduct } = t.product;
    await ctx.db.products.save(t.tenantId, { ...bareProduct, active: false });
    expect((await ctx.db.products.get(t.tenantId, t.product.id))?.metadata).toEqual({ sku: 'WP-1' });
  });

  it('stores what is left of a credit discount with the subscription and gives it back', async () => {
    const t = await tenant();
    const id = newId('sub');
    const created = await ctx.db.subscriptions.create(
      t.tenantId,
      subscription(t.customer.id, t.price.id, {
        id,
        discounts: [credit(id, 2500)],
        metadata: { route: 'n' },
      }),
    );
    expect(created.discounts[0]?.creditRemaining).toBe(2500);
    expect(created.metadata).toEqual({ route: 'n' });
    const spent = await ctx.db.subscriptions.save(
      t.tenantId,
      { ...created, discounts: [credit(id, 700)] },
      { expectedVersion: 0 },
    );
    expect(spent.discounts[0]?.creditRemaining).toBe(700);
    expect((await ctx.db.subscriptions.getMany(t.tenantId, [id]))[0]?.discounts[0]?.creditRemaining).toBe(
      700,
    );
    // A discount stored without it (other types, or written before the column) reads back as null.
    const { creditRemaining: _left, ...withoutRemaining } = credit(id, null);
    const plain = await ctx.db.subscriptions.save(
      t.tenantId,
      { ...spent, discounts: [withoutRemaining] },
      { expectedVersion: 1 },
    );
    expect(plain.discounts[0]?.creditRemaining).toBeNull();
    expect(plain.metadata).toEqual({ route: 'n' });
  });

  it('writes the remainder a batched renewal leaves and keeps the subscription’s metadata', async () => {
    const t = await tenant();
    const id = newId('sub');
    const created = await ctx.db.subscriptions.create(
      t.tenantId,
      subscription(t.customer.id, t.price.id, {
        id,
        discounts: [credit(id, 2500)],
        metadata: { route: 's' },
      }),
    );
    const [claim] = await ctx.db.billingRun.claimDueSubscriptions(t.tenantId, { asOf: AS_OF, workerId: 'w' });
    const renewed: Subscription = {
      ...created,
      currentPeriodStart: claim!.periodStart,
      currentPeriodEnd: NEXT_END,
      periodsBilled: created.periodsBilled + 1,
      discounts: [credit(id, 0)],
    };
    const { metadata: _metadata, ...withoutMetadata } = renewed;
    const [result] = await ctx.db.billingRun.completeRenewals(t.tenantId, [
      {
        claimId: claim!.id,
        subscription: withoutMetadata,
        expectedVersion: created.version,
        invoice: cycleInvoice(
          { customerId: t.customer.id, subscriptionId: id, priceId: t.price.id },
          claim!.periodStart,
          NEXT_END,
        ),
        auditEvents: [],
      },
    ]);
    expect(result?.outcome).toBe('renewed');
    const stored = await ctx.db.subscriptions.get(t.tenantId, id);
    expect(stored?.discounts[0]?.creditRemaining).toBe(0);
    expect(stored?.metadata).toEqual({ route: 's' });
  });
});
