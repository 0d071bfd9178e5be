import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CreatePriceInput, isWorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const monthly = { interval: 'month', intervalCount: 1 } as const;

describe.each(backends())('catalog on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: { tenantId: string };
  beforeAll(async () => {
    bed = await open();
    ctx = { tenantId: bed.tenantId };
  });
  afterAll(() => bed.close());

  it('creates, updates and lists products with their audit events', async () => {
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Pro' });
    expect(product).toMatchObject({ name: 'Pro', description: null, taxCategory: 'general', active: true });
    const archived = await bed.billing.catalog.updateProduct(ctx, product.id, { active: false });
    expect(archived).toMatchObject({ name: 'Pro', active: false });
    expect(await bed.billing.catalog.retrieveProduct(ctx, product.id)).toMatchObject({ active: false });
    const inactive = await bed.billing.catalog.listProducts(ctx, { limit: 10, active: false });
    expect(inactive.data.map((p) => p.id)).toEqual([product.id]);
    const audit = await bed.billing.audit.list(ctx, { limit: 10, entityId: product.id });
    expect(audit.data.map((e) => e.type)).toEqual(['product.created', 'product.updated']);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'a flat price',
      { billingScheme: 'flat', flatAmount: 2000, recurring: monthly },
      { flatAmount: 2000, unitAmount: null, tiers: null },
    ],
    [
      'a per-unit price',
      { billingScheme: 'per_unit', unitAmount: 500 },
      { unitAmount: 500, flatAmount: null, recurring: null },
    ],
    [
      'a tiered price',
      {
        billingScheme: 'tiered',
        tiersMode: 'graduated',
        tiers: [
          { upTo: 10, unitAmount: 100 },
          { upTo: null, unitAmount: 80, flatAmount: 5 },
        ],
      },
      {
        tiersMode: 'graduated',
        tiers: [
          { upTo: 10, unitAmount: 100, flatAmount: 0 },
          { upTo: null, unitAmount: 80, flatAmount: 5 },
        ],
      },
    ],
  ])('creates %s of a product', async (_name, scheme, expected) => {
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Metered' });
    const price = await bed.billing.catalog.createPrice(ctx, {
      ...scheme,
      product: product.id,
      currency: 'USD',
    } as CreatePriceInput);
    expect(price).toMatchObject({
      productId: product.id,
      currency: 'USD',
      taxBehavior: 'exclusive',
      active: true,
      ...expected,
    });
    expect(await bed.billing.catalog.retrievePrice(ctx, price.id)).toMatchObject(expected);
    const listed = await bed.billing.catalog.listPrices(ctx, { limit: 10, product: product.id });
    expect(listed.data.map((p) => p.id)).toEqual([price.id]);
  });

  it('refuses a price of an unknown product, naming the product field', async () => {
    const error = await bed.billing.catalog
      .createPrice(ctx, { product: 'prod_missing', currency: 'USD', billingScheme: 'flat', flatAmount: 1 })
      .catch((e: unknown) => e);
    expect(isWorkflowError(error) && [error.code, error.message, error.details.fields]).toEqual([
      'WORKFLOW_NOT_FOUND',
      "No such product: 'prod_missing'",
      [{ path: 'product', message: 'no such product' }],
    ]);
  });

  it('refuses a lookup key already used, and renames one only through an update', async () => {
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Keyed' });
    const base = { product: product.id, currency: 'USD', billingScheme: 'flat', flatAmount: 100 } as const;
    const first = await bed.billing.catalog.createPrice(ctx, { ...base, lookupKey: 'keyed_monthly' });
    const clash = await bed.billing.catalog
      .createPrice(ctx, { ...base, lookupKey: 'keyed_monthly' })
      .catch((e: unknown) => e);
    expect(isWorkflowError(clash) && [clash.code, clash.message]).toEqual([
      'WORKFLOW_CONFLICT',
      "lookup_key 'keyed_monthly' is already used",
    ]);
    const renamed = await bed.billing.catalog.updatePrice(ctx, first.id, {
      lookupKey: 'keyed_old',
      nickname: 'Old',
    });
    expect(renamed).toMatchObject({ lookupKey: 'keyed_old', nickname: 'Old', flatAmount: 100 });
    await expect(
      bed.billing.catalog.createPrice(ctx, { ...base, lookupKey: 'keyed_monthly' }),
    ).resolves.toMatchObject({
      lookupKey: 'keyed_monthly',
    });
  });

  it.each([
    [
      'retrieveProduct',
      'product',
      (b: TestBed['billing'], c: { tenantId: string }) => b.catalog.retrieveProduct(c, 'x_1'),
    ],
    [
      'updateProduct',
      'product',
      (b: TestBed['billing'], c: { tenantId: string }) => b.catalog.updateProduct(c, 'x_1', { name: 'n' }),
    ],
    [
      'retrievePrice',
      'price',
      (b: TestBed['billing'], c: { tenantId: string }) => b.catalog.retrievePrice(c, 'x_1'),
    ],
    [
      'updatePrice',
      'price',
      (b: TestBed['billing'], c: { tenantId: string }) => b.catalog.updatePrice(c, 'x_1', { active: false }),
    ],
  ])('answers WORKFLOW_NOT_FOUND to %s of an unknown id', async (_op, entity, run) => {
    const error = await run(bed.billing, ctx).catch((e: unknown) => e);
    expect(isWorkflowError(error) && [error.code, error.message]).toEqual([
      'WORKFLOW_NOT_FOUND',
      `No such ${entity}: 'x_1'`,
    ]);
  });
});
