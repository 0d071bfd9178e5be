import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const chicago = { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' };

describe.each(backends())('customers on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: { tenantId: string; actor: string };
  beforeAll(async () => {
    bed = await open();
    ctx = { tenantId: bed.tenantId, actor: 'key_test' };
  });
  afterAll(() => bed.close());

  it('creates a customer with Stripe-like defaults, a zero balance and a customer.created audit event', async () => {
    const customer = await bed.billing.customers.create(ctx, { currency: 'USD', address: chicago });
    expect(customer).toMatchObject({
      currency: 'USD',
      timezone: 'UTC',
      taxExempt: 'none',
      taxExemptions: [],
      taxIds: [],
      metadata: {},
      balance: 0,
      externalId: null,
      address: chicago,
    });
    expect(await bed.billing.customers.retrieve(ctx, customer.id)).toMatchObject({
      ...customer,
      address: chicago,
    });
    const audit = await bed.billing.audit.list(ctx, { limit: 10, entityId: customer.id });
    expect(audit.data.map((e) => [e.type, e.actor])).toEqual([['customer.created', 'key_test']]);
  });

  it('refuses a second customer with the same external id (WORKFLOW_CONFLICT on externalId)', async () => {
    await bed.billing.customers.create(ctx, { currency: 'USD', address: chicago, externalId: 'crm-1' });
    const error = await bed.billing.customers
      .create(ctx, { currency: 'USD', address: chicago, externalId: 'crm-1' })
      .catch((e: unknown) => e);
    expect(isWorkflowError(error) && error.code).toBe('WORKFLOW_CONFLICT');
    expect(isWorkflowError(error) && error.details.fields).toEqual([
      { path: 'externalId', message: 'already used' },
    ]);
    expect((await bed.billing.customers.list(ctx, { limit: 10, externalId: 'crm-1' })).data).toHaveLength(1);
  });

  it('changes only the fields given and records before and after', async () => {
    const created = await bed.billing.customers.create(ctx, {
      currency: 'USD',
      address: chicago,
      name: 'Ada',
      metadata: { plan: 'gold' },
    });
    const updated = await bed.billing.customers.update(ctx, created.id, {
      email: 'ada@example.com',
      timezone: undefined,
    });
    expect(updated).toMatchObject({
      name: 'Ada',
      email: 'ada@example.com',
      timezone: 'UTC',
      metadata: { plan: 'gold' },
    });
    const audit = await bed.billing.audit.list(ctx, {
      limit: 10,
      entityId: created.id,
      entityType: 'customer',
    });
    const event = audit.data.find((e) => e.type === 'customer.updated');
    expect(event?.data).toMatchObject({ before: { email: null }, after: { email: 'ada@example.com' } });
  });

  it('lists by email and pages by id', async () => {
    for (const name of ['p1', 'p2', 'p3']) {
      await bed.billing.customers.create(ctx, {
        currency: 'USD',
        address: chicago,
        name,
        email: 'pager@example.com',
      });
    }
    const first = await bed.billing.customers.list(ctx, { limit: 2, email: 'pager@example.com' });
    expect(first.data.map((c) => c.name)).toEqual(['p1', 'p2']);
    expect(first.hasMore).toBe(true);
    const rest = await bed.billing.customers.list(ctx, {
      limit: 2,
      email: 'pager@example.com',
      startingAfter: first.data[1]?.id,
    });
    expect(rest.data.map((c) => c.name)).toEqual(['p3']);
    expect(rest.hasMore).toBe(false);
  });

  it.each([
    ['retrieve', (b: TestBed['billing'], c: typeof ctx) => b.customers.retrieve(c, 'cus_missing')],
    ['update', (b: TestBed['billing'], c: typeof ctx) => b.customers.update(c, 'cus_missing', { name: 'x' })],
  ])('answers WORKFLOW_NOT_FOUND to %s of an unknown customer', async (_op, run) => {
    const error = await run(bed.billing, ctx).catch((e: unknown) => e);
    expect(isWorkflowError(error) && [error.code, error.message]).toEqual([
      'WORKFLOW_NOT_FOUND',
      "No such customer: 'cus_missing'",
    ]);
  });

  it("never shows one tenant's customer to another", async () => {
    const mine = await bed.billing.customers.create(ctx, { currency: 'USD', address: chicago });
    const error = await bed.billing.customers
      .retrieve({ tenantId: 'ten_b' }, mine.id)
      .catch((e: unknown) => e);
    expect(isWorkflowError(error) && error.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('returns the first result again for a repeated idempotency key', async () => {
    const keyed = { ...ctx, idempotencyKey: 'create-cus-1' };
    const first = await bed.billing.customers.create(keyed, {
      currency: 'USD',
      address: chicago,
      name: 'Once',
    });
    const again = await bed.billing.customers.create(keyed, {
      currency: 'USD',
      address: chicago,
      name: 'Once',
    });
    expect(again).toEqual(first);
    const reused = await bed.billing.customers
      .create(keyed, { currency: 'USD', address: chicago, name: 'Other' })
      .catch((e: unknown) => e);
    expect(isWorkflowError(reused) && reused.code).toBe('WORKFLOW_IDEMPOTENCY_KEY_REUSED');
  });
});
