import type { CustomerRecord, PriceRecord, ProductRecord } from '@billkit/db';
import { type RateTable, sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/ids.js';
import { backends, type TestBed } from './support.js';

const NOW = '2026-03-01T12:00:00.000Z';
const clock = () => new Date(NOW);

/** A plain-data copy of the sample table, as a host would send it (JSON). */
const sample = (): Record<string, unknown> => JSON.parse(JSON.stringify(sampleRateTable));

/** Germany only: 16 % VAT for the second half of 2020, 19 % from 2021 (in @billkit/tax's format). */
const germany2020: RateTable = {
  name: 'Germany 2020/2021',
  taxCategories: [{ id: 'general', description: 'Standard-rated goods and services' }],
  jurisdictions: [{ id: 'DE', name: 'Germany', level: 'country', country: 'DE' }],
  rates: [
    { jurisdictionId: 'DE', taxType: 'vat', rate: '0.16', validFrom: '2020-07-01', validTo: '2021-01-01' },
    { jurisdictionId: 'DE', taxType: 'vat', rate: '0.19', validFrom: '2021-01-01' },
  ],
} as unknown as RateTable;

describe.each(backends())('taxRates on $name', ({ open }) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await open({ clock });
  });
  afterAll(() => bed.close());
  const ctx = () => ({ tenantId: bed.tenantId, actor: 'key_test' });

  it('has no table before one is loaded: retrieve is not found, a quote is an invalid state', async () => {
    await expect(bed.billing.taxRates.retrieve(ctx())).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
      message: 'No tax rate table loaded yet',
    });
    await expect(
      bed.billing.taxRates.quote(ctx(), {
        currency: 'USD',
        taxDate: '2025-06-01',
        customer: { location: { country: 'US', region: 'IL' } },
        lines: [{ id: 'l1', amount: 1000 }],
      }),
    ).rejects.toMatchObject({ code: 'WORKFLOW_INVALID_STATE' });
  });

  it('refuses an invalid table with TAX_INVALID_TABLE and stores nothing', async () => {
    const invalid = { ...sample(), rates: [{ jurisdictionId: 'NOWHERE', taxType: 'vat', rate: '0.1' }] };
    await expect(bed.billing.taxRates.replace(ctx(), invalid)).rejects.toMatchObject({
      code: 'TAX_INVALID_TABLE',
    });
    await expect(bed.billing.taxRates.retrieve(ctx())).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });

  it('stores a table, bumps its version on every replace and audits each replace', async () => {
    const first = await bed.billing.taxRates.replace(ctx(), sample());
    expect(first).toMatchObject({ id: 'tax_table', version: 1, createdAt: NOW, updatedAt: NOW });
    expect((first.table.rates as unknown[]).length).toBe(sampleRateTable.rates.length);
    const second = await bed.billing.taxRates.replace(ctx(), sample());
    expect(second.version).toBe(2);
    expect(await bed.billing.taxRates.retrieve(ctx())).toEqual(second);

    const audit = await bed.store
      .forTenant(bed.tenantId)
      .listAudit({ limit: 100, entityType: 'tax_rate_table' });
    expect(audit.data.map((e) => [e.type, e.actor])).toEqual([
      ['tax_rate_table.replaced', 'key_test'],
      ['tax_rate_table.replaced', 'key_test'],
    ]);
    expect(audit.data[1]?.data).toMatchObject({
      before: { version: 1, rates: sampleRateTable.rates.length },
      after: {
        version: 2,
        rates: sampleRateTable.rates.length,
        jurisdictions: sampleRateTable.jurisdictions.length,
      },
    });
  });

  it("keeps tenants apart: another tenant's table is not found", async () => {
    await expect(bed.billing.taxRates.retrieve({ tenantId: 'ten_b' })).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
    });
  });

  it('replays a replace with the same idempotency key instead of storing a new version', async () => {
    const keyed = { ...ctx(), idempotencyKey: 'replace-once' };
    const first = await bed.billing.taxRates.replace(keyed, sample());
    const again = await bed.billing.taxRates.replace(keyed, sample());
    expect(again).toEqual(first);
    expect((await bed.billing.taxRates.retrieve(ctx())).version).toBe(first.version);
  });

  it.each([
    // 6.25 % Illinois + 1.75 % Cook County + 1.25 % Chicago + 1 % RTA = 10.25 %
    ['Chicago', { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' }, 'USD', 1025],
    ['Germany (19 %)', { country: 'DE' }, 'EUR', 1900],
    ['Oregon (no sales tax)', { country: 'US', region: 'OR' }, 'USD', 0],
  ])('quotes 100.00 in %s from the stored table', async (_name, location, currency, tax) => {
    const quote = await bed.billing.taxRates.quote(ctx(), {
      currency,
      taxDate: '2025-06-01',
      customer: { location },
      lines: [{ id: 'plan', amount: 10000 }],
    });
    expect(quote.taxTotal.amount).toBe(tax);
    expect(quote.lines[0]?.netAmount.amount).toBe(10000);
  });

  it('quotes tax-inclusive lines and reverse charge as @billkit/tax does', async () => {
    const inclusive = await bed.billing.taxRates.quote(ctx(), {
      currency: 'EUR',
      taxDate: '2025-06-01',
      customer: { location: { country: 'DE' } },
      lines: [{ id: 'seat', amount: 11900, taxBehavior: 'inclusive' }],
    });
    expect([inclusive.lines[0]?.netAmount.amount, inclusive.lines[0]?.taxAmount.amount]).toEqual([
      10000, 1900,
    ]);
    const reverse = await bed.billing.taxRates.quote(ctx(), {
      currency: 'EUR',
      taxDate: '2025-06-01',
      customer: {
        location: { country: 'DE' },
        exemption: { type: 'reverse_charge', certificateId: 'ATU12345678' },
      },
      lines: [{ id: 'seat', amount: 10000 }],
    });
    expect(reverse.taxTotal.amount).toBe(0);
  });

  it("chooses the rate by the customer's local date: Berlin's New Year starts at 23:00 UTC, so 19 % not 16 %", async () => {
    const tenantId = 'ten_b';
    await bed.billing.taxRates.replace({ tenantId }, germany2020 as unknown as Record<string, unknown>);
    const at = '2020-06-01T00:00:00.000Z';
    const customer: CustomerRecord = {
      id: newId('cus'),
      externalId: null,
      name: 'Berliner',
      email: null,
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      address: { country: 'DE', city: 'Berlin', districts: [] },
      taxExempt: 'none',
      taxExemptions: [],
      taxIds: [],
      balance: 0,
      metadata: {},
      createdAt: at,
      updatedAt: at,
    };
    const product: ProductRecord = {
      id: newId('prod'),
      name: 'Plan',
      description: null,
      taxCategory: 'general',
      active: true,
      metadata: {},
      createdAt: at,
      updatedAt: at,
    };
    const price: PriceRecord = {
      id: newId('price'),
      productId: product.id,
      currency: 'EUR',
      nickname: null,
      lookupKey: null,
      active: true,
      billingScheme: 'flat',
      flatAmount: 10000,
      unitAmount: null,
      tiersMode: null,
      tiers: null,
      recurring: { interval: 'month', intervalCount: 1 },
      taxBehavior: 'exclusive',
      createdAt: at,
      updatedAt: at,
    };
    await bed.store.forTenant(tenantId).transaction(async (tx) => {
      await tx.insert('customer', customer);
      await tx.insert('product', product);
      await tx.insert('price', price);
    });

    const { invoice } = await bed.billing.subscriptions.create(
      { tenantId },
      { customer: customer.id, items: [{ price: price.id }], startAt: '2020-12-31T23:00:00Z' },
    );
    expect(invoice?.subtotal.amount).toBe(10000);
    expect(invoice?.tax.amount).toBe(1900);
    expect(invoice?.lines[0]?.taxAmounts[0]).toMatchObject({ rate: '0.19' });

    const quote = await bed.billing.taxRates.quote(
      { tenantId },
      {
        currency: 'EUR',
        taxDate: '2020-12-31',
        customer: { location: { country: 'DE' } },
        lines: [{ id: 'plan', amount: 10000 }],
      },
    );
    expect(quote.taxTotal.amount).toBe(1600);
  });
});
