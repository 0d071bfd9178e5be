import { createCreditNote, finalizeInvoice } from '@billkit/billing-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BillingRunRecord,
  type CreditNoteRecord,
  type CustomerBalanceTransactionRecord,
  type CustomerRecord,
  type DiscountRecord,
  ID_PREFIX,
  type InvoiceRecord,
  isDbError,
  newId,
  openStore,
  type PriceRecord,
  type ProductRecord,
  type PromotionCodeRecord,
  StoreError,
  type SubscriptionRecord,
  type TaxTableRecord,
  type TenantStore,
} from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { createTestDatabase, providers, type TestDatabase } from './databases.js';
import { invoice } from './fixtures.js';

// The tenant store (what @billkit/workflows and apps/api write through) keeps every record in db's own
// tables: columns for what used to be side documents, and tables for the tax rate table, billing runs and
// the balance ledger. Each test writes through the store and reads back through the store and, where db has
// a repository for it, through that repository too.

const AT = '2026-03-01T06:00:00.000Z';

describe.each(providers)('the tenant store on %s', (provider) => {
  let test: TestDatabase;
  let store: Awaited<ReturnType<typeof openStore>>;

  beforeAll(async () => {
    test = await createTestDatabase(provider);
    store = await openStore({ url: test.url, migrate: true });
  });
  afterAll(async () => {
    await store?.close();
    await test?.drop();
  });

  async function tenant(): Promise<TenantStore> {
    const id = newId('ten');
    await store.addTenant({ id, name: 'Hauler', defaultCurrency: 'USD' });
    return store.forTenant(id);
  }

  function customer(overrides: Partial<CustomerRecord> = {}): CustomerRecord {
    return {
      id: newId('cus'),
      externalId: null,
      name: 'Maple Street Household',
      email: null,
      currency: 'USD',
      timezone: 'America/Chicago',
      address: { line1: '12 Maple St', country: 'US', region: 'IL', city: 'Chicago', districts: [] },
      taxExempt: 'none',
      taxExemptions: [],
      taxIds: [],
      balance: 0,
      metadata: {},
      createdAt: AT,
      updatedAt: AT,
      ...overrides,
    };
  }

  const product = (): ProductRecord => ({
    id: newId('prod'),
    name: 'Weekly pickup',
    description: null,
    taxCategory: 'waste_collection',
    active: true,
    metadata: { route: 'north', crew: '7' },
    createdAt: AT,
    updatedAt: AT,
  });

  const price = (productId: string): PriceRecord => ({
    id: newId('price'),
    productId,
    currency: 'USD',
    nickname: null,
    lookupKey: null,
    active: true,
    billingScheme: 'flat',
    flatAmount: 3000,
    unitAmount: null,
    tiersMode: null,
    tiers: null,
    recurring: { interval: 'month', intervalCount: 1 },
    taxBehavior: 'exclusive',
    createdAt: AT,
    updatedAt: AT,
  });

  /** A tenant with a customer and a monthly price, all written through the store. */
  async function catalog() {
    const t = await tenant();
    const c = customer();
    const p = product();
    const pr = price(p.id);
    await t.transaction(async (tx) => {
      await tx.insert('customer', c);
      await tx.insert('product', p);
      await tx.insert('price', pr);
    });
    return { t, customer: c, product: p, price: pr };
  }

  const tables = async (): Promise<string[]> => {
    const prisma = prismaOf(store.db);
    const rows =
      provider === 'sqlite'
        ? await prisma.$queryRawUnsafe<{ name: string }[]>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
          )
        : await prisma.$queryRawUnsafe<{ name: string }[]>(
            'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()',
          );
    return rows.map((r) => r.name).sort();
  };

  it('creates no table of its own: opening it leaves only the migrated tables', async () => {
    const names = await tables();
    expect(names).not.toContain('ApiDocument');
    expect(names).toEqual(
      expect.arrayContaining(['TaxRateTable', 'BillingRun', 'CustomerBalanceTransaction']),
    );
    const again = await openStore({ url: test.url, migrate: false });
    await again.close();
    expect(await tables()).toEqual(names);
  });

  it('keeps customer and product metadata in their columns, for the store and db’s repositories alike', async () => {
    const { t, customer: c, product: p } = await catalog();
    const rich = customer({ metadata: { plan: 'gold', 'account-no': '0042' } });
    const plain = customer({ address: { country: 'US', region: 'IL' } });
    await t.transaction(async (tx) => {
      await tx.insert('customer', rich);
      await tx.insert('customer', plain);
    });
    expect(await t.get('customer', rich.id)).toEqual(rich);
    expect(await t.get('customer', c.id)).toEqual(c);
    // An address without districts comes back with an empty list (db has one column for both).
    expect((await t.get('customer', plain.id))?.address).toEqual({
      country: 'US',
      region: 'IL',
      districts: [],
    });
    expect(await t.get('product', p.id)).toEqual(p);
    expect((await store.db.customers.get(t.tenantId, rich.id))?.metadata).toEqual(rich.metadata);
    expect((await store.db.products.get(t.tenantId, p.id))?.metadata).toEqual(p.metadata);

    const edited = { ...rich, metadata: { plan: 'silver' }, updatedAt: '2026-03-02T00:00:00.000Z' };
    await t.transaction((tx) => tx.update('customer', edited));
    expect(await t.get('customer', rich.id)).toEqual(edited);
    // A repository save that does not carry metadata keeps it.
    const viaRepository = await store.db.customers.get(t.tenantId, rich.id);
    const { metadata: _kept, ...withoutMetadata } = viaRepository!;
    await store.db.customers.save(t.tenantId, { ...withoutMetadata, name: 'Renamed' });
    expect(await t.get('customer', rich.id)).toMatchObject({ name: 'Renamed', metadata: { plan: 'silver' } });
  });

  it('round-trips a subscription’s metadata, each credit discount’s remaining amount and instants as the client spelled them', async () => {
    const { t, customer: c, price: pr } = await catalog();
    const id = newId('sub');
    const credit = {
      id: 'welcome-credit',
      type: 'credit' as const,
      amount: { amount: 2500, currency: 'USD' },
      firstInvoiceOnly: false,
      priority: 0,
    };
    const senior = {
      id: 'senior',
      type: 'percentage' as const,
      percentOff: '15',
      duration: { type: 'forever' as const },
      stacking: 'stackable' as const,
      additive: false,
      firstInvoiceOnly: false,
      priority: 0,
    };
    const subscription: SubscriptionRecord = {
      id,
      customerId: c.id,
      currency: 'USD',
      status: 'active',
      items: [{ id: `${id}_si`, priceId: pr.id, quantity: 2 }],
      // Spelled as clients send them: given back as sent, stored as the instant they name.
      currentPeriodStart: '2026-03-01T06:00:00Z',
      currentPeriodEnd: '2026-04-01T06:00:00.000Z',
      billingCycleAnchor: '2026-03-01T00:00:00-06:00',
      trialStart: null,
      trialEnd: null,
      discounts: [
        {
          id: `${id}_credit`,
          discount: credit,
          start: '2026-03-01T06:00:00Z',
          periodsApplied: 1,
          creditRemaining: 1500,
        },
        { id: `${id}_senior`, discount: senior, start: AT, periodsApplied: 1, creditRemaining: null },
      ],
      cancelAtPeriodEnd: false,
      canceledAt: null,
      endedAt: null,
      pausedAt: null,
      createdAt: '2026-03-01T06:00:00Z',
      periodsBilled: 1,
      pendingInvoiceItems: [],
      billedLines: [],
      latestInvoiceId: null,
      version: 0,
      metadata: { route: 'north' },
      updatedAt: AT,
    };
    await t.transaction((tx) => tx.insert('subscription', subscription));
    expect(await t.get('subscription', id)).toEqual(subscription);

    // db's repository reads the same rows, instants normalised.
    const viaRepository = await store.db.subscriptions.get(t.tenantId, id);
    expect(viaRepository).toMatchObject({
      createdAt: '2026-03-01T06:00:00.000Z',
      billingCycleAnchor: '2026-03-01T06:00:00.000Z',
      metadata: { route: 'north' },
    });
    expect(viaRepository?.discounts.map((d) => d.creditRemaining)).toEqual([1500, null]);

    // The credit is spent further: the new remainder is stored.
    const spent: SubscriptionRecord = {
      ...subscription,
      discounts: subscription.discounts.map((d) =>
        d.creditRemaining === 1500 ? { ...d, creditRemaining: 0 } : d,
      ),
      version: 1,
    };
    await t.transaction((tx) => tx.update('subscription', spent, 0));
    expect((await t.get('subscription', id))?.discounts.map((d) => d.creditRemaining)).toEqual([0, null]);

    // A writer that does not know the spellings (db's billing run) moves the period on: the stale spelling
    // of the old start no longer applies, the others still do.
    const stored = (await store.db.subscriptions.get(t.tenantId, id))!;
    await store.db.subscriptions.save(
      t.tenantId,
      {
        ...stored,
        currentPeriodStart: '2026-04-01T06:00:00.000Z',
        currentPeriodEnd: '2026-05-01T06:00:00.000Z',
      },
      { expectedVersion: 1 },
    );
    expect(await t.get('subscription', id)).toMatchObject({
      currentPeriodStart: '2026-04-01T06:00:00.000Z',
      createdAt: '2026-03-01T06:00:00Z',
      metadata: { route: 'north' },
      version: 2,
    });
  });

  it('keeps an invoice’s payment tracking and a credit note’s memo in their columns', async () => {
    const { t, customer: c, price: pr } = await catalog();
    const draft = invoice({ customerId: c.id, subscriptionId: null, priceId: pr.id });
    const record: InvoiceRecord = {
      ...draft,
      createdAt: '2026-01-15T06:00:00Z',
      paymentIntentId: null,
      lastPaymentError: null,
      paymentAttempts: 0,
      paymentMethodId: null,
      gatewayCustomerId: null,
      updatedAt: AT,
    };
    await t.transaction((tx) => tx.insert('invoice', record));
    expect(await t.get('invoice', record.id)).toEqual(record);

    const open = finalizeInvoice(record, { number: 'INV-000001', at: '2026-01-15T07:00:00.000Z' }).invoice;
    const attempted: InvoiceRecord = {
      ...record,
      ...open,
      paymentIntentId: 'pi_123',
      lastPaymentError: 'card_declined',
      paymentAttempts: 2,
      paymentMethodId: 'pm_456',
      gatewayCustomerId: 'cus_gw_789',
      updatedAt: '2026-01-16T00:00:00.000Z',
    };
    await t.transaction((tx) => tx.update('invoice', attempted));
    expect(await t.get('invoice', record.id)).toEqual(attempted);

    const { creditNote } = createCreditNote(attempted, {
      id: newId('cn'),
      number: 'CN-000001',
      at: '2026-01-20T00:00:00Z',
      lines: [{ invoiceLineId: attempted.lines[0]!.id, amount: 1000 }],
    });
    const note: CreditNoteRecord = {
      ...creditNote,
      memo: 'Missed pickup on the 12th',
      updatedAt: '2026-01-20T00:00:00Z',
    };
    await t.transaction((tx) => tx.insert('credit_note', note));
    expect(await t.get('credit_note', note.id)).toEqual(note);
    const edited = {
      ...note,
      memo: 'Missed pickups on the 12th and 19th',
      updatedAt: '2026-01-21T09:30:00.000Z',
    };
    await t.transaction((tx) => tx.update('credit_note', edited));
    expect(await t.get('credit_note', note.id)).toEqual(edited);
    // db's repositories read the same rows.
    expect((await store.db.creditNotes.get(t.tenantId, note.id))?.total).toEqual(note.total);
    expect((await store.db.invoices.get(t.tenantId, record.id))?.number).toBe('INV-000001');
  });

  it('keeps the tax rate table as one versioned row per tenant', async () => {
    const t = await tenant();
    const other = await tenant();
    const table: TaxTableRecord = {
      id: 'tax_table',
      table: {
        taxCategories: [{ id: 'waste_collection', treatment: 'taxable' }],
        jurisdictions: [
          { id: 'US-IL', name: 'Illinois', level: 'state', country: 'US', match: { region: 'IL' } },
        ],
        rates: [
          {
            jurisdictionId: 'US-IL',
            taxType: 'sales_tax',
            rate: '0.0625',
            validFrom: '2020-01-01',
            source: 'IDOR',
          },
        ],
      },
      version: 1,
      createdAt: AT,
      updatedAt: AT,
    };
    expect(await t.versionOf('tax_table', 'tax_table')).toBeNull();
    await t.transaction((tx) => tx.insert('tax_table', table));
    expect(await t.get('tax_table', 'tax_table')).toEqual(table);
    expect(await t.versionOf('tax_table', 'tax_table')).toBe(1);
    expect(await other.get('tax_table', 'tax_table')).toBeNull();
    expect((await t.list('tax_table', { limit: 10 })).data).toEqual([table]);

    const replaced = {
      ...table,
      table: { ...table.table, rates: [] },
      version: 2,
      updatedAt: '2026-03-02T00:00:00.000Z',
    };
    await t.transaction((tx) => tx.update('tax_table', replaced, 1));
    expect(await t.get('tax_table', 'tax_table')).toEqual(replaced);
    const stale = t.transaction((tx) => tx.update('tax_table', { ...replaced, version: 2 }, 1), {
      mayRetry: () => false,
    });
    await expect(stale).rejects.toSatisfy((e) => e instanceof StoreError && e.code === 'DB_VERSION_CONFLICT');
    const twice = t.transaction((tx) => tx.insert('tax_table', table));
    await expect(twice).rejects.toSatisfy((e) => e instanceof StoreError && e.code === 'DB_UNIQUE_VIOLATION');
  });

  it('stores billing runs and lists them by status', async () => {
    const t = await tenant();
    const run = (status: BillingRunRecord['status']): BillingRunRecord => ({
      id: newId('brun'),
      upTo: '2026-02-01T12:00:00.000Z',
      status,
      considered: 3,
      renewed: 2,
      skipped: 0,
      failed: 1,
      invoiceIds: ['in_1', 'in_2'],
      errors: [{ subscriptionId: 'sub_3', code: 'DB_VERSION_CONFLICT', message: 'changed meanwhile' }],
      createdAt: AT,
      completedAt: status === 'running' ? null : '2026-03-01T06:00:05.000Z',
      updatedAt: AT,
    });
    const running = run('running');
    const done = run('completed');
    await t.transaction(async (tx) => {
      await tx.insert('billing_run', running);
      await tx.insert('billing_run', done);
    });
    expect(await t.get('billing_run', done.id)).toEqual({ ...done, version: 0 });
    expect((await t.list('billing_run', { limit: 10, where: { status: 'running' } })).data).toEqual([
      { ...running, version: 0 },
    ]);
    const finished = { ...running, status: 'completed' as const, completedAt: AT, version: 1 };
    await t.transaction((tx) => tx.update('billing_run', finished, 0));
    expect(await t.get('billing_run', running.id)).toEqual(finished);
    expect(await t.versionOf('billing_run', running.id)).toBe(1);
  });

  it('stores balance transactions, lists them by customer and changes only their description and metadata', async () => {
    const { t, customer: c } = await catalog();
    const otherCustomer = customer();
    await t.transaction((tx) => tx.insert('customer', otherCustomer));
    const entry = (
      customerId: string,
      amount: number,
      endingBalance: number,
    ): CustomerBalanceTransactionRecord => ({
      id: newId(ID_PREFIX.balance_transaction),
      customerId,
      type: 'adjustment',
      amount,
      currency: 'USD',
      endingBalance,
      invoiceId: null,
      creditNoteId: null,
      description: 'Goodwill credit',
      metadata: { ticket: 'T-1' },
      createdAt: AT,
    });
    const first = entry(c.id, -500, -500);
    const second = entry(c.id, 200, -300);
    const elsewhere = entry(otherCustomer.id, -100, -100);
    await t.transaction(async (tx) => {
      for (const e of [first, second, elsewhere]) await tx.insert('balance_transaction', e);
      // The store does not move the balance itself: the same transaction writes the customer.
      await tx.update('customer', { ...c, balance: -300 });
    });
    expect(ID_PREFIX.balance_transaction).toBe('cbtxn');
    expect(await t.get('balance_transaction', first.id)).toEqual(first);
    const listed = await t.list('balance_transaction', { limit: 10, where: { customerId: c.id } });
    expect(listed.data.map((e) => e.id).sort()).toEqual([first.id, second.id].sort());
    expect((await store.db.customerBalance.list(t.tenantId, c.id)).map((e) => e.id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    expect((await store.db.customers.get(t.tenantId, c.id))?.balance).toBe(-300);

    const described = { ...first, description: 'Goodwill credit for a missed pickup', metadata: {} };
    await t.transaction((tx) => tx.update('balance_transaction', described));
    expect(await t.get('balance_transaction', first.id)).toEqual(described);
    const rewritten = t.transaction((tx) => tx.update('balance_transaction', { ...first, amount: -5000 }));
    await expect(rewritten).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
    const unknownType = t.transaction((tx) =>
      tx.insert('balance_transaction', { ...entry(c.id, 1, 1), type: 'refund' as 'adjustment' }),
    );
    await expect(unknownType).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
  });
  it('keeps promotion codes upper case in PromotionCode, naming their discount by its id, for the store and db’s repositories alike', async () => {
    const t = await tenant();
    const discount: DiscountRecord = {
      id: newId(ID_PREFIX.discount),
      name: 'First month free',
      definition: { type: 'percentage', percentOff: '100', duration: { type: 'once' } },
      active: true,
      maxRedemptions: null,
      timesRedeemed: 0,
      createdAt: AT,
      updatedAt: AT,
    };
    const code: PromotionCodeRecord = {
      id: newId(ID_PREFIX.promotion_code),
      code: 'FirstMonthFree',
      discountId: discount.id,
      active: true,
      maxRedemptions: 5,
      timesRedeemed: 0,
      expiresAt: '2026-12-31T00:00:00.000Z',
      createdAt: AT,
    };
    await t.transaction(async (tx) => {
      await tx.insert('discount', discount);
      await tx.insert('promotion_code', code);
    });
    const stored = { ...code, code: 'FIRSTMONTHFREE' };
    expect(await t.get('promotion_code', code.id)).toEqual(stored);
    expect((await t.list('promotion_code', { limit: 10, where: { code: 'FIRSTMONTHFREE' } })).data).toEqual([
      stored,
    ]);
    expect((await t.list('promotion_code', { limit: 10, where: { discountId: discount.id } })).data).toEqual([
      stored,
    ]);
    expect((await t.list('promotion_code', { limit: 10, where: { discountId: 'disc_other' } })).data).toEqual(
      [],
    );
    expect(await store.db.discounts.findPromotionCode(t.tenantId, 'firstMONTHfree')).toMatchObject({
      id: code.id,
      discountDefinitionId: discount.id,
      timesRedeemed: 0,
    });

    const redeemed = { ...stored, timesRedeemed: 1 };
    await t.transaction(async (tx) => {
      await tx.getForUpdate('promotion_code', code.id);
      await tx.update('promotion_code', redeemed);
    });
    expect(await t.get('promotion_code', code.id)).toEqual(redeemed);
    const twin = t.transaction((tx) =>
      tx.insert('promotion_code', { ...code, id: newId(ID_PREFIX.promotion_code), code: 'firstmonthFREE' }),
    );
    await expect(twin).rejects.toMatchObject({ code: 'DB_UNIQUE_VIOLATION' });
    const orphan = t.transaction((tx) =>
      tx.insert('promotion_code', {
        ...code,
        id: newId(ID_PREFIX.promotion_code),
        code: 'X',
        discountId: 'disc_none',
      }),
    );
    await expect(orphan).rejects.toMatchObject({ code: 'DB_NOT_FOUND' });
  });

  it('reports deleted newest audit events although every remaining event still verifies', async () => {
    const t = await tenant();
    for (const n of [1, 2, 3])
      await t.transaction((tx) =>
        tx.appendAudit({
          type: 'customer.updated',
          actor: 'key_1',
          entityType: 'customer',
          entityId: `cus_${n}`,
          data: { n },
          occurredAt: AT,
        }),
      );
    expect(await t.verifyAudit()).toEqual({ valid: true, checked: 3, brokenAtSeq: null, reason: null });
    const q = (name: string) => (provider === 'mysql' ? `\`${name}\`` : `"${name}"`);
    await prismaOf(store.db).$executeRawUnsafe(
      `DELETE FROM ${q('AuditEvent')} WHERE ${q('tenantId')} = ? AND ${q('seq')} > 1`,
      t.tenantId,
    );
    expect(await t.verifyAudit()).toEqual({
      valid: false,
      checked: 1,
      brokenAtSeq: 2,
      reason: 'events after seq 1 are missing (chain head records 3)',
    });
  });
});
