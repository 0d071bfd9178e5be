import { BillingService } from '@billkit/billing-core';
import type { InvoiceRecord } from '@billkit/db';
import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendBalanceTransaction, applyInvoiceToBalance } from '../src/balance.js';
import { recorderFor, resolveDeps } from '../src/context.js';
import { loadCatalogFor, toCoreCustomer } from '../src/environment.js';
import { newId } from '../src/ids.js';
import { isWorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const chicago = { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' };

describe.each(backends())('customer balance ledger on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: { tenantId: string; actor: string };
  const newCustomer = () => bed.billing.customers.create(ctx, { currency: 'USD', address: chicago });
  const ledgerSum = async (customerId: string) =>
    (await bed.billing.balance.list(ctx, customerId, { limit: 100 })).data.reduce(
      (sum, t) => sum + t.amount,
      0,
    );

  beforeAll(async () => {
    bed = await open();
    ctx = { tenantId: bed.tenantId, actor: 'key_test' };
  });
  afterAll(() => bed.close());

  it('credits the customer with a manual adjustment: the balance is the sum of the ledger', async () => {
    const customer = await newCustomer();
    const credit = await bed.billing.balance.create(ctx, customer.id, {
      amount: -500,
      currency: 'USD',
      description: 'Goodwill',
      metadata: { ticket: 'T-1' },
    });
    expect(credit).toMatchObject({
      customerId: customer.id,
      type: 'adjustment',
      amount: -500,
      currency: 'USD',
      endingBalance: -500,
      invoiceId: null,
      creditNoteId: null,
      description: 'Goodwill',
      metadata: { ticket: 'T-1' },
    });
    const charge = await bed.billing.balance.create(ctx, customer.id, { amount: 120 });
    expect(charge).toMatchObject({ endingBalance: -380, description: null, metadata: {} });
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).balance).toBe(-380);
    const ledger = await bed.billing.balance.list(ctx, customer.id, { limit: 10 });
    expect(ledger.data.map((t) => t.id)).toEqual([credit.id, charge.id]);
    expect(await ledgerSum(customer.id)).toBe(-380);
    const audit = await bed.billing.audit.list(ctx, { limit: 10, entityId: customer.id });
    const events = audit.data.filter((e) => e.type === 'customer.balance_transaction.created');
    expect(
      events.map((e) => [
        (e.data.before as { balance: number }).balance,
        (e.data.after as { balance: number }).balance,
      ]),
    ).toEqual([
      [0, -500],
      [-500, -380],
    ]);
  });

  it('pages a ledger and keeps it per customer', async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    for (const amount of [-100, -200, -300]) await bed.billing.balance.create(ctx, a.id, { amount });
    await bed.billing.balance.create(ctx, b.id, { amount: 50 });
    const first = await bed.billing.balance.list(ctx, a.id, { limit: 2 });
    expect(first.data.map((t) => t.amount)).toEqual([-100, -200]);
    expect(first.hasMore).toBe(true);
    const next = await bed.billing.balance.list(ctx, a.id, { limit: 2, startingAfter: first.data[1]?.id });
    expect(next.data.map((t) => [t.amount, t.endingBalance])).toEqual([[-300, -600]]);
    expect((await bed.billing.balance.list(ctx, b.id, { limit: 10 })).data.map((t) => t.amount)).toEqual([
      50,
    ]);
  });

  it("refuses another currency than the customer's, naming the currency field, and changes nothing", async () => {
    const customer = await newCustomer();
    const error = await bed.billing.balance
      .create(ctx, customer.id, { amount: -500, currency: 'EUR' })
      .catch((e: unknown) => e);
    expect(isWorkflowError(error) && error.code).toBe('WORKFLOW_VALIDATION_FAILED');
    expect(isWorkflowError(error) && error.details.fields?.map((f) => f.path)).toEqual(['currency']);
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).balance).toBe(0);
    expect((await bed.billing.balance.list(ctx, customer.id, { limit: 10 })).data).toEqual([]);
  });

  it.each([
    [
      'list',
      (b: TestBed['billing'], c: { tenantId: string }) => b.balance.list(c, 'cus_missing', { limit: 10 }),
    ],
    [
      'create',
      (b: TestBed['billing'], c: { tenantId: string }) => b.balance.create(c, 'cus_missing', { amount: -1 }),
    ],
  ])('answers WORKFLOW_NOT_FOUND to %s for an unknown customer', async (_op, run) => {
    const error = await run(bed.billing, ctx).catch((e: unknown) => e);
    expect(isWorkflowError(error) && [error.code, error.message]).toEqual([
      'WORKFLOW_NOT_FOUND',
      "No such customer: 'cus_missing'",
    ]);
  });

  it('replays an adjustment with the same idempotency key instead of crediting twice', async () => {
    const customer = await newCustomer();
    const keyed = { ...ctx, idempotencyKey: `credit-${customer.id}` };
    const first = await bed.billing.balance.create(keyed, customer.id, { amount: -700 });
    expect(await bed.billing.balance.create(keyed, customer.id, { amount: -700 })).toEqual(first);
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).balance).toBe(-700);
  });

  it('starts the next invoice from the balance and records what finalizing it used and left', async () => {
    const deps = resolveDeps({ db: bed.store });
    const tenant = bed.store.forTenant(bed.tenantId);
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Seat' });
    const price = await bed.billing.catalog.createPrice(ctx, {
      product: product.id,
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 1000,
    });
    const { catalog } = await loadCatalogFor(tenant, [price.id]);
    const service = new BillingService({ catalog, tax: sampleRateTable });
    const customer = await newCustomer();
    await bed.billing.balance.create(ctx, customer.id, { amount: -500 });

    const build = async (quantity: number) => {
      const current = await bed.billing.customers.retrieve(ctx, customer.id);
      const { invoice } = service.buildInvoice({
        invoiceId: newId('in'),
        customer: toCoreCustomer(current),
        billingReason: 'manual',
        createdAt: new Date().toISOString(),
        items: [{ priceId: price.id, quantity }],
      });
      return {
        ...invoice,
        paymentIntentId: null,
        lastPaymentError: null,
        paymentAttempts: 0,
        updatedAt: invoice.createdAt,
      } as InvoiceRecord;
    };
    // As finalizing does: the invoice is stored and its balance effect recorded in one transaction.
    const apply = (invoice: InvoiceRecord) =>
      tenant.transaction(async (tx) => {
        await tx.insert('invoice', invoice);
        return applyInvoiceToBalance(deps, tx, recorderFor(deps, ctx, tx), invoice);
      });

    // 10.00 plus Chicago tax, of which the 5.00 credit pays part.
    const small = await build(1);
    expect(small.startingBalance.amount).toBe(-500);
    expect(small.amountDue.amount).toBe(small.total.amount - 500);
    expect(small.endingBalance.amount).toBe(0);
    expect(await apply(small)).toMatchObject({
      type: 'applied_to_invoice',
      amount: 500,
      endingBalance: 0,
      invoiceId: small.id,
    });
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).balance).toBe(0);
    expect(
      await apply({
        ...(await build(1)),
        startingBalance: { amount: 0, currency: 'USD' },
        endingBalance: { amount: 0, currency: 'USD' },
      }),
    ).toBeNull();

    // A negative total (what a downgrade's credit lines give) leaves credit on the balance.
    const credit = {
      ...(await build(1)),
      startingBalance: { amount: 0, currency: 'USD' },
      endingBalance: { amount: -250, currency: 'USD' },
    };
    expect(await apply(credit)).toMatchObject({
      type: 'invoice_overpaid',
      amount: -250,
      endingBalance: -250,
    });
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).balance).toBe(-250);
    expect(await ledgerSum(customer.id)).toBe(-250);
  });

  it('appends credit-note entries inside the caller transaction, which rolls them back with it', async () => {
    const deps = resolveDeps({ db: bed.store });
    const tenant = bed.store.forTenant(bed.tenantId);
    const customer = await newCustomer();
    const entry = await tenant.transaction((tx) =>
      appendBalanceTransaction(deps, tx, recorderFor(deps, ctx, tx), {
        customerId: customer.id,
        amount: -1200,
        type: 'credit_note',
        description: 'Credit note CN-1',
      }),
    );
    expect(entry).toMatchObject({ type: 'credit_note', amount: -1200, endingBalance: -1200 });
    await expect(
      tenant.transaction(async (tx) => {
        await appendBalanceTransaction(deps, tx, recorderFor(deps, ctx, tx), {
          customerId: customer.id,
          amount: -1,
          type: 'adjustment',
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).balance).toBe(-1200);
    expect(await ledgerSum(customer.id)).toBe(-1200);
  });
});
