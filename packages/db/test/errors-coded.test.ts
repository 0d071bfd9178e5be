import { afterEach, describe, expect, it } from 'vitest';
import { type DbError, isDbError, openDatabase, openStore } from '../src/index.js';
import {
  createTestDatabase,
  providers,
  type TestDatabase,
  useMigratedDatabase,
} from './integration/databases.js';
import { customer, cycleInvoice, tenantWithSubscription } from './integration/fixtures.js';

// Every @billkit/db failure is a DbError with a code and, where there is one, the fix: no raw Prisma error
// (P2021 table does not exist, P2003 foreign key constraint violated) reaches the caller.

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe.each(providers)('coded failures on %s', (provider) => {
  describe('a database whose migrations were never applied', () => {
    let test: TestDatabase | undefined;
    afterEach(async () => {
      await test?.drop();
    });

    it('fails a repository call with DB_NOT_MIGRATED naming the table and `billkit-db migrate`', async () => {
      test = await createTestDatabase(provider);
      const db = await openDatabase({ url: test.url, migrate: false });
      try {
        const failure = (await db.customers.list('ten_1').catch((e: unknown) => e)) as DbError;
        expect(isDbError(failure, 'DB_NOT_MIGRATED')).toBe(true);
        expect(failure.message).toContain('billkit-db migrate');
        expect(failure.details.table).toBe('Customer');
      } finally {
        await db.close();
      }
    });

    it('fails the store with DB_NOT_MIGRATED too', async () => {
      test = await createTestDatabase(provider);
      const store = await openStore({ url: test.url, migrate: false });
      try {
        await expect(store.listTenants()).rejects.toSatisfy((e) => isDbError(e, 'DB_NOT_MIGRATED'));
      } finally {
        await store.close();
      }
    });
  });

  describe('a migrated database', () => {
    const ctx = useMigratedDatabase(provider);

    it('refuses a write for a tenant that does not exist with DB_NOT_FOUND naming the tenant', async () => {
      const failure = (await ctx.db.customers
        .save('ten_missing', customer())
        .catch((e: unknown) => e)) as DbError;
      expect(isDbError(failure, 'DB_NOT_FOUND')).toBe(true);
      expect(failure.message).toContain('ten_missing');
      expect(failure.details).toEqual({ entity: 'tenant', tenantId: 'ten_missing' });
    });

    it('refuses the same inside a transaction', async () => {
      await expect(
        ctx.db.transaction((tx) => tx.customers.save('ten_missing_tx', customer())),
      ).rejects.toSatisfy((e) => isDbError(e, 'DB_NOT_FOUND') && e.details.tenantId === 'ten_missing_tx');
    });

    it('refuses a store write for a tenant that does not exist with DB_NOT_FOUND naming the tenant', async () => {
      const store = await openStore({ url: ctx.test.url, migrate: false });
      const at = new Date().toISOString();
      try {
        const failure = await store
          .forTenant('ten_missing_store')
          .transaction((tx) =>
            tx.insert('customer', {
              ...customer(),
              name: 'Acme',
              email: null,
              externalId: null,
              address: { ...customer().address, districts: [] },
              metadata: {},
              createdAt: at,
              updatedAt: at,
            }),
          )
          .catch((e: unknown) => e);
        expect(isDbError(failure, 'DB_NOT_FOUND')).toBe(true);
        expect((failure as DbError).details).toEqual({ entity: 'tenant', tenantId: 'ten_missing_store' });
      } finally {
        await store.close();
      }
    });

    it('refuses a reference to another missing row as DB_INVALID_DATA, not as a missing tenant', async () => {
      const { tenantId, customer: known, price } = await tenantWithSubscription(ctx.db);
      const orphan = cycleInvoice(
        { customerId: known.id, subscriptionId: 'sub_missing', priceId: price.id },
        '2026-03-01T06:00:00.000Z',
        '2026-04-01T05:00:00.000Z',
      );
      const failure = (await ctx.db.invoices.create(tenantId, orphan).catch((e: unknown) => e)) as DbError;
      expect(isDbError(failure, 'DB_INVALID_DATA')).toBe(true);
      expect(failure.details.reason).toBe('missing_reference');
    });

    it('refuses an invoice whose total is 1 while subtotal + tax is 3188 (billing-core’s invariants)', async () => {
      const { tenantId, ids } = await tenantWithSubscription(ctx.db).then((t) => ({
        tenantId: t.tenantId,
        ids: { customerId: t.customer.id, subscriptionId: t.subscription.id, priceId: t.price.id },
      }));
      const base = cycleInvoice(ids, '2026-03-01T06:00:00.000Z', '2026-04-01T05:00:00.000Z', 3000);
      const tax = {
        jurisdictionId: 'US-IL',
        jurisdictionName: 'Illinois',
        jurisdictionLevel: 'state',
        taxType: 'sales_tax',
        rate: '0.0625',
        taxableAmount: usd(3000),
        amount: usd(188),
        inclusive: false,
        taxabilityReason: 'standard_rated',
      };
      const line = base.lines[0];
      if (!line) throw new Error('fixture has a line');
      const bad = {
        ...base,
        lines: [{ ...line, taxAmounts: [tax] }],
        totalTaxAmounts: [
          {
            jurisdictionId: tax.jurisdictionId,
            jurisdictionName: tax.jurisdictionName,
            jurisdictionLevel: tax.jurisdictionLevel,
            taxType: tax.taxType,
            inclusive: false,
            taxableAmount: usd(3000),
            amount: usd(188),
          },
        ],
        tax: usd(188),
        // Every sum db checked before holds: only the total (and what follows from it) is wrong.
        total: usd(1),
        amountDue: usd(1),
        amountRemaining: usd(1),
      };
      const failure = (await ctx.db.invoices.create(tenantId, bad).catch((e: unknown) => e)) as DbError;
      expect(isDbError(failure, 'DB_INVALID_DATA')).toBe(true);
      expect(failure.details.field).toBe('total');
      expect(failure.message).toContain('3188');
      expect(await ctx.db.invoices.get(tenantId, bad.id)).toBeNull();
      // The same invoice with its total right is stored.
      const good = {
        ...bad,
        id: `${bad.id}x`,
        total: usd(3188),
        amountDue: usd(3188),
        amountRemaining: usd(3188),
      };
      good.lines = [{ ...good.lines[0]!, id: `${good.id}_li_1` }];
      await expect(ctx.db.invoices.create(tenantId, good)).resolves.toMatchObject({ total: usd(3188) });
    });
  });
});
