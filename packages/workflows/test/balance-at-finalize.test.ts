import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationContext } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const chicago = { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' };

describe.each(backends())('the customer balance is spent once, at finalization, on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: OperationContext;
  let plan: string;

  beforeAll(async () => {
    bed = await open({ clock: () => new Date('2026-01-01T06:00:00.000Z') });
    ctx = { tenantId: bed.tenantId, actor: 'test' };
    await bed.billing.taxRates.replace(ctx, sampleRateTable as unknown as Record<string, unknown>);
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Pickup plan' });
    plan = (
      await bed.billing.catalog.createPrice(ctx, {
        product: product.id,
        currency: 'USD',
        billingScheme: 'flat',
        flatAmount: 3000,
        recurring: { interval: 'month', intervalCount: 1 },
      })
    ).id;
  });
  afterAll(() => bed.close());

  it('two drafts built on the same 5.00 credit: the first finalized spends it, the second is due in full', async () => {
    const customer = await bed.billing.customers.create(ctx, {
      currency: 'USD',
      timezone: 'America/Chicago',
      address: chicago,
    });
    await bed.billing.balance.create(ctx, customer.id, { amount: -500 });
    const first = await bed.billing.subscriptions.create(ctx, {
      customer: customer.id,
      items: [{ price: plan }],
    });
    const second = await bed.billing.subscriptions.create(ctx, {
      customer: customer.id,
      items: [{ price: plan }],
    });
    // Both drafts were built while the customer held the credit.
    expect(first.invoice?.startingBalance.amount).toBe(-500);
    expect(second.invoice?.startingBalance.amount).toBe(-500);
    const total = first.invoice?.total.amount as number;

    const a = await bed.billing.invoices.finalize(ctx, first.invoice?.id as string);
    expect(a.startingBalance.amount).toBe(-500);
    expect(a.amountDue.amount).toBe(total - 500);
    const b = await bed.billing.invoices.finalize(ctx, second.invoice?.id as string);
    expect(b.startingBalance.amount).toBe(0);
    expect(b.amountDue.amount).toBe(total);

    const after = await bed.billing.customers.retrieve(ctx, customer.id);
    expect(after.balance).toBe(0);
    const { data: ledger } = await bed.billing.balance.list(ctx, customer.id, { limit: 10 });
    expect(ledger.map((t) => [t.type, t.amount])).toEqual([
      ['adjustment', -500],
      ['applied_to_invoice', 500],
    ]);
    // The balance is the sum of its ledger.
    expect(ledger.reduce((sum, t) => sum + t.amount, 0)).toBe(after.balance);
  });
});
