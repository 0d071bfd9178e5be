import { createCreditNote } from '@billkit/billing-core';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, newId, openDatabase, openStore, readMigrations } from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { createTestDatabase, providers, type TestDatabase } from './databases.js';
import { invoice, tenantWithSubscription } from './fixtures.js';

// Before billing_db owned these tables, the API kept side documents and whole records in a table it created
// at run time, `ApiDocument`. The `…_api_document_import` migration moves them into the columns and tables of
// `…_owned_tables` and drops it. Here a database is put back into the state that API left (the new columns
// and tables gone, ApiDocument filled as it wrote it) and migrated forward.

const NEW_MIGRATIONS = /_(owned_tables|api_document_import)$/;

const API_DOCUMENT_DDL = {
  sqlite: `CREATE TABLE "ApiDocument" ("tenantId" TEXT NOT NULL, "kind" TEXT NOT NULL, "id" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0, "body" TEXT NOT NULL, "createdAt" TEXT NOT NULL, "updatedAt" TEXT NOT NULL,
    PRIMARY KEY ("tenantId", "kind", "id"), FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE)`,
  mysql: `CREATE TABLE \`ApiDocument\` (\`tenantId\` VARCHAR(191) NOT NULL, \`kind\` VARCHAR(32) NOT NULL,
    \`id\` VARCHAR(191) COLLATE utf8mb4_bin NOT NULL, \`version\` INT NOT NULL DEFAULT 0, \`body\` LONGTEXT NOT NULL,
    \`createdAt\` VARCHAR(32) NOT NULL, \`updatedAt\` VARCHAR(32) NOT NULL, PRIMARY KEY (\`tenantId\`, \`kind\`, \`id\`),
    CONSTRAINT \`ApiDocument_tenantId_fkey\` FOREIGN KEY (\`tenantId\`) REFERENCES \`Tenant\` (\`id\`) ON DELETE CASCADE
  ) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
} as const;

const ADDED_COLUMNS: [string, string][] = [
  ['Customer', 'metadata'],
  ['Product', 'metadata'],
  ['Subscription', 'metadata'],
  ['Subscription', 'instantSpellings'],
  ['SubscriptionDiscount', 'creditRemaining'],
  ['Invoice', 'paymentIntentId'],
  ['Invoice', 'lastPaymentError'],
  ['Invoice', 'paymentAttempts'],
  ['Invoice', 'paymentMethodId'],
  ['Invoice', 'gatewayCustomerId'],
  ['Invoice', 'instantSpellings'],
  ['CreditNote', 'memo'],
  ['CreditNote', 'instantSpellings'],
  ['CreditNote', 'updatedAt'],
];

describe.each(providers)('importing the API’s ApiDocument rows on %s', (provider) => {
  let test: TestDatabase | undefined;
  afterEach(async () => {
    await test?.drop();
    test = undefined;
  });

  it('applies both new migrations to a database without ApiDocument and leaves none behind', async () => {
    test = await createTestDatabase(provider);
    const { applied } = await migrate({ url: test.url });
    expect(applied.filter((name) => NEW_MIGRATIONS.test(name))).toHaveLength(2);
    expect(
      readMigrations(provider)
        .filter((m) => NEW_MIGRATIONS.test(m.name))
        .map((m) => m.name),
    ).toEqual(['20261206100000_owned_tables', '20261206100100_api_document_import']);
  });

  it('moves side documents into columns and whole records into tables, then drops ApiDocument', async () => {
    test = await createTestDatabase(provider);
    const db = await openDatabase({ url: test.url, migrate: true });
    const q = (name: string) => (provider === 'mysql' ? `\`${name}\`` : `"${name}"`);
    const prisma = prismaOf(db);
    let ids: { tenantId: string; customer: string; product: string; subscription: string; invoice: string };
    let creditNoteId: string;
    try {
      const t = await tenantWithSubscription(db);
      const draft = await db.invoices.create(
        t.tenantId,
        invoice({ customerId: t.customer.id, subscriptionId: t.subscription.id, priceId: t.price.id }),
      );
      await db.invoices.finalize(t.tenantId, draft.id);
      const { creditNote } = await db.creditNotes.issue(t.tenantId, draft.id, ({ number, invoice: inv }) =>
        createCreditNote(inv, {
          id: newId('cn'),
          number,
          at: '2026-01-20T00:00:00.000Z',
          lines: [{ invoiceLineId: draft.lines[0]!.id, amount: 500 }],
        }),
      );
      creditNoteId = creditNote.id;
      ids = {
        tenantId: t.tenantId,
        customer: t.customer.id,
        product: t.product.id,
        subscription: t.subscription.id,
        invoice: draft.id,
      };

      // Back to the database the API left: no new columns or tables, its side documents in ApiDocument.
      for (const table of ['CustomerBalanceTransaction', 'BillingRun', 'TaxRateTable'])
        await prisma.$executeRawUnsafe(`DROP TABLE ${q(table)}`);
      for (const [table, column] of ADDED_COLUMNS)
        await prisma.$executeRawUnsafe(`ALTER TABLE ${q(table)} DROP COLUMN ${q(column)}`);
      await prisma.$executeRawUnsafe(
        "DELETE FROM _prisma_migrations WHERE migration_name LIKE '%_owned_tables' OR migration_name LIKE '%_api_document_import'",
      );
      await prisma.$executeRawUnsafe(API_DOCUMENT_DDL[provider]);
      const documents: [string, string, number, unknown][] = [
        ['customer_extra', ids.customer, 0, { metadata: { crm: 'hs_1' }, emptyDistricts: true }],
        ['product_extra', ids.product, 0, { metadata: { sku: 'WP-1' } }],
        [
          'subscription_extra',
          ids.subscription,
          0,
          { metadata: { route: 'north' }, instants: { createdAt: '2026-01-01T06:00:00Z' } },
        ],
        [
          'invoice_extra',
          ids.invoice,
          0,
          {
            payment: {
              paymentIntentId: 'pi_1',
              lastPaymentError: null,
              paymentAttempts: 2,
              paymentMethodId: 'pm_1',
            },
            instants: { createdAt: '2026-01-15T06:00:00Z' },
          },
        ],
        [
          'credit_note_extra',
          creditNoteId,
          0,
          { memo: 'Missed pickup', updatedAt: '2026-01-21T00:00:00.000Z' },
        ],
        [
          'tax_table',
          'tax_table',
          3,
          {
            id: 'tax_table',
            table: { taxCategories: [{ id: 'general', treatment: 'taxable' }], rates: [{ rate: '0.0625' }] },
            version: 3,
            createdAt: '2026-01-01T00:00:00.000Z',
            updatedAt: '2026-01-10T00:00:00.000Z',
          },
        ],
        [
          'billing_run',
          'brun_1',
          0,
          {
            id: 'brun_1',
            upTo: '2026-02-01T12:00:00.000Z',
            status: 'completed',
            considered: 2,
            renewed: 1,
            skipped: 1,
            failed: 0,
            invoiceIds: ['in_x'],
            errors: [],
            createdAt: '2026-02-01T12:00:01.000Z',
            completedAt: '2026-02-01T12:00:02.000Z',
            updatedAt: '2026-02-01T12:00:02.000Z',
          },
        ],
        // Moved into db's tables by the API at its start: not copied again.
        ['customer', 'cus_old', 0, { id: 'cus_old' }],
      ];
      for (const [kind, id, version, body] of documents) {
        await prisma.$executeRawUnsafe(
          `INSERT INTO ${q('ApiDocument')} (${['tenantId', 'kind', 'id', 'version', 'body', 'createdAt', 'updatedAt'].map(q).join(', ')}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          ids.tenantId,
          kind,
          id,
          version,
          JSON.stringify(body),
          '2026-01-01T00:00:00.000Z',
          '2026-01-10T00:00:00.000Z',
        );
      }
    } finally {
      await db.close();
    }

    const upgraded = await migrate({ url: test.url });
    expect(upgraded.applied).toEqual(['20261206100000_owned_tables', '20261206100100_api_document_import']);

    const store = await openStore({ url: test.url, migrate: false });
    try {
      const t = store.forTenant(ids.tenantId);
      expect((await t.get('customer', ids.customer))?.metadata).toEqual({ crm: 'hs_1' });
      expect((await t.get('product', ids.product))?.metadata).toEqual({ sku: 'WP-1' });
      expect(await t.get('subscription', ids.subscription)).toMatchObject({
        metadata: { route: 'north' },
        createdAt: '2026-01-01T06:00:00Z',
      });
      expect(await t.get('invoice', ids.invoice)).toMatchObject({
        paymentIntentId: 'pi_1',
        lastPaymentError: null,
        paymentAttempts: 2,
        paymentMethodId: 'pm_1',
        gatewayCustomerId: null,
        createdAt: '2026-01-15T06:00:00Z',
      });
      expect(await t.get('credit_note', creditNoteId)).toMatchObject({
        memo: 'Missed pickup',
        updatedAt: '2026-01-21T00:00:00.000Z',
      });
      expect(await t.get('tax_table', 'tax_table')).toEqual({
        id: 'tax_table',
        table: { taxCategories: [{ id: 'general', treatment: 'taxable' }], rates: [{ rate: '0.0625' }] },
        version: 3,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-10T00:00:00.000Z',
      });
      expect(await t.get('billing_run', 'brun_1')).toEqual({
        id: 'brun_1',
        upTo: '2026-02-01T12:00:00.000Z',
        status: 'completed',
        considered: 2,
        renewed: 1,
        skipped: 1,
        failed: 0,
        invoiceIds: ['in_x'],
        errors: [],
        createdAt: '2026-02-01T12:00:01.000Z',
        completedAt: '2026-02-01T12:00:02.000Z',
        updatedAt: '2026-02-01T12:00:02.000Z',
        version: 0,
      });
      const left = await prismaOf(store.db).$queryRawUnsafe<unknown[]>(
        provider === 'sqlite'
          ? "SELECT name FROM sqlite_master WHERE name = 'ApiDocument'"
          : "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ApiDocument'",
      );
      expect(left).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
