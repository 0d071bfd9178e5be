import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

// A host app calls the operations without the API's schemas in front: unknown currencies and countries
// and instants out of range are refused by the operations themselves, naming the field, storing nothing.

const chicago = { country: 'US', region: 'IL' };
const TABLE = {
  taxCategories: [{ id: 'general' }],
  jurisdictions: [{ id: 'US', name: 'United States', level: 'country', country: 'US' }],
  rates: [],
};

describe.each(backends())('input checks on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: { tenantId: string; actor: string };
  beforeAll(async () => {
    bed = await open();
    ctx = { tenantId: bed.tenantId, actor: 'key_test' };
  });
  afterAll(() => bed.close());

  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isWorkflowError(error) && error.code).toBe('WORKFLOW_VALIDATION_FAILED');
    return isWorkflowError(error) ? (error.details.fields ?? []).map((f) => f.path) : [];
  };

  it.each([
    ['currency QQQ', { currency: 'QQQ', address: chicago }, ['currency']],
    ['currency usd (lower case)', { currency: 'usd', address: chicago }, ['currency']],
    ['country ZZ', { currency: 'USD', address: { country: 'ZZ' } }, ['address.country']],
    ['both', { currency: 'QQQ', address: { country: 'UK' } }, ['currency', 'address.country']],
  ])('refuses a customer with %s, naming the fields, and stores nothing', async (_label, input, paths) => {
    const before = await bed.billing.customers.list(ctx, { limit: 100 });
    expect(await refusal(bed.billing.customers.create(ctx, input))).toEqual(paths);
    expect((await bed.billing.customers.list(ctx, { limit: 100 })).data).toEqual(before.data);
  });

  it('refuses to move a customer to country ZZ', async () => {
    const customer = await bed.billing.customers.create(ctx, { currency: 'USD', address: chicago });
    const paths = await refusal(
      bed.billing.customers.update(ctx, customer.id, { address: { country: 'ZZ' } }),
    );
    expect(paths).toEqual(['address.country']);
    expect((await bed.billing.customers.retrieve(ctx, customer.id)).address).toMatchObject(chicago);
  });

  it('refuses a price in currency QQQ', async () => {
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Pickup' });
    const paths = await refusal(
      bed.billing.catalog.createPrice(ctx, {
        product: product.id,
        currency: 'QQQ',
        billingScheme: 'flat',
        flatAmount: 100,
      }),
    );
    expect(paths).toEqual(['currency']);
  });

  it('refuses a tax table with a jurisdiction in country ZZ, and a quote in QQQ, in ZZ or in year 9999', async () => {
    const zz = { id: 'ZZ', name: 'Nowhere', level: 'country', country: 'zz' };
    const table = { ...TABLE, jurisdictions: [...TABLE.jurisdictions, zz] };
    expect(await refusal(bed.billing.taxRates.replace(ctx, table))).toEqual(['jurisdictions.1.country']);
    await bed.billing.taxRates.replace(ctx, TABLE);
    const quote = { currency: 'USD', taxDate: '2025-01-01', customer: { location: { country: 'US' } } };
    const lines = [{ id: 'a', amount: 100 }];
    expect(await refusal(bed.billing.taxRates.quote(ctx, { ...quote, lines, currency: 'QQQ' }))).toEqual([
      'currency',
    ]);
    const zzQuote = { ...quote, lines, customer: { location: { country: 'ZZ' } } };
    expect(await refusal(bed.billing.taxRates.quote(ctx, zzQuote))).toEqual(['customer.location.country']);
    expect(
      await refusal(bed.billing.taxRates.quote(ctx, { ...quote, lines, taxDate: '9999-01-01' })),
    ).toEqual(['taxDate']);
  });
});
