import { describe, expect, it } from 'vitest';
import { isDbError, newId, openDatabase } from '../../src/index.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, invoice, tenantWithSubscription } from './fixtures.js';

describe.each(providers)('customer balance ledger on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  async function tenantWithCustomer(balance = 0) {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    const c = await ctx.db.customers.save(tenantId, customer({ balance }));
    return { tenantId, customerId: c.id };
  }

  it('moves the balance with each entry and records the balance after it, in Stripe’s sign', async () => {
    const { tenantId, customerId } = await tenantWithCustomer(1200);
    const credit = await ctx.db.customerBalance.append(tenantId, {
      customerId,
      type: 'adjustment',
      amount: -2000,
      description: 'Goodwill credit',
      metadata: { ticket: 'T-17' },
      createdAt: '2026-01-05T00:00:00.000Z',
    });
    expect(credit).toEqual({
      id: expect.stringMatching(/^cbtxn_/),
      customerId,
      type: 'adjustment',
      amount: -2000,
      currency: 'USD',
      endingBalance: -800,
      invoiceId: null,
      creditNoteId: null,
      description: 'Goodwill credit',
      metadata: { ticket: 'T-17' },
      createdAt: '2026-01-05T00:00:00.000Z',
    });
    const charge = await ctx.db.customerBalance.append(tenantId, {
      customerId,
      type: 'migration',
      amount: 300,
    });
    expect(charge.endingBalance).toBe(-500);
    expect((await ctx.db.customers.get(tenantId, customerId))?.balance).toBe(-500);
    expect(await ctx.db.customerBalance.list(tenantId, customerId)).toEqual([credit, charge]);
    expect(await ctx.db.customerBalance.get(tenantId, credit.id)).toEqual(credit);
    expect(await ctx.db.customerBalance.list(tenantId, customerId, { startingAfter: credit.id })).toEqual([
      charge,
    ]);
  });

  it('links an entry to this tenant’s invoice and refuses another tenant’s', async () => {
    const t = await tenantWithSubscription(ctx.db);
    const draft = await ctx.db.invoices.create(
      t.tenantId,
      invoice({ customerId: t.customer.id, subscriptionId: t.subscription.id, priceId: t.price.id }),
    );
    const applied = await ctx.db.customerBalance.append(t.tenantId, {
      customerId: t.customer.id,
      type: 'applied_to_invoice',
      amount: 0,
      invoiceId: draft.id,
    });
    expect(applied.invoiceId).toBe(draft.id);
    const other = await tenantWithCustomer();
    const foreign = ctx.db.customerBalance.append(other.tenantId, {
      customerId: other.customerId,
      type: 'applied_to_invoice',
      amount: 100,
      invoiceId: draft.id,
    });
    await expect(foreign).rejects.toSatisfy((e) => isDbError(e, 'DB_NOT_FOUND'));
    expect((await ctx.db.customers.get(other.tenantId, other.customerId))?.balance).toBe(0);
  });

  it.each([
    ['an unknown customer', { customerId: 'cus_nope' }, 'DB_NOT_FOUND'],
    ['another currency', { currency: 'EUR' }, 'DB_INVALID_DATA'],
    ['an unknown type', { type: 'refund' }, 'DB_INVALID_DATA'],
    ['a fractional amount', { amount: 10.5 }, 'DB_INVALID_DATA'],
  ] as const)('refuses %s and leaves the balance alone', async (_what, change, code) => {
    const { tenantId, customerId } = await tenantWithCustomer(100);
    const input = { customerId, type: 'adjustment' as const, amount: -50, ...change };
    await expect(
      ctx.db.customerBalance.append(tenantId, input as Parameters<typeof ctx.db.customerBalance.append>[1]),
    ).rejects.toSatisfy((e) => isDbError(e, code));
    expect((await ctx.db.customers.get(tenantId, customerId))?.balance).toBe(100);
    expect(await ctx.db.customerBalance.list(tenantId, customerId)).toEqual([]);
  });

  it('records customers.adjustBalance as an adjustment entry', async () => {
    const { tenantId, customerId } = await tenantWithCustomer();
    expect(await ctx.db.customers.adjustBalance(tenantId, customerId, -750)).toBe(-750);
    expect(await ctx.db.customerBalance.list(tenantId, customerId)).toMatchObject([
      { type: 'adjustment', amount: -750, endingBalance: -750 },
    ]);
  });

  it('gives concurrent entries from many connections a gap-free chain of ending balances', async () => {
    const { tenantId, customerId } = await tenantWithCustomer();
    const others = await Promise.all([0, 1].map(() => openDatabase({ url: ctx.test.url, migrate: false })));
    try {
      await Promise.all(
        [ctx.db, ...others].flatMap((db) =>
          Array.from({ length: 5 }, (_, n) =>
            db.customerBalance.append(tenantId, {
              customerId,
              type: 'adjustment',
              amount: n % 2 ? 100 : -300,
            }),
          ),
        ),
      );
    } finally {
      await Promise.all(others.map((db) => db.close()));
    }
    const entries = await ctx.db.customerBalance.list(tenantId, customerId);
    expect(entries).toHaveLength(15);
    const balance = (await ctx.db.customers.get(tenantId, customerId))?.balance as number;
    expect(balance).toBe(entries.reduce((sum, e) => sum + e.amount, 0));
    // Serialised: every entry starts from 0 or from another entry's ending balance, and the balances the
    // entries start from are exactly 0 and every ending balance but the last.
    const starts = entries.map((e) => e.endingBalance - e.amount).sort((a, b) => a - b);
    const endings = entries.map((e) => e.endingBalance);
    endings.splice(endings.indexOf(balance), 1);
    expect(starts).toEqual([0, ...endings].sort((a, b) => a - b));
  });

  it('appends inside db.transaction and rolls back with it', async () => {
    const { tenantId, customerId } = await tenantWithCustomer();
    await ctx.db
      .transaction(async (tx) => {
        await tx.customerBalance.append(tenantId, { customerId, type: 'adjustment', amount: -100 });
        throw new Error('abort');
      })
      .catch(() => undefined);
    expect((await ctx.db.customers.get(tenantId, customerId))?.balance).toBe(0);
    expect(await ctx.db.customerBalance.list(tenantId, customerId)).toEqual([]);
  });
});
