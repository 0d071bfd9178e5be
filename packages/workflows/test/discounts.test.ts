import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, type TestBed } from './support.js';

const NOW = '2026-03-01T12:00:00.000Z';
const clock = () => new Date(NOW);

const senior = { type: 'percentage', name: 'Senior', percentOff: '15', duration: { type: 'forever' } };
const fiveOff = { type: 'fixed_amount', amountOff: { amount: 500, currency: 'USD' } };

describe.each(backends())('discounts on $name', ({ open }) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await open({ clock });
  });
  afterAll(() => bed.close());
  const ctx = () => ({ tenantId: bed.tenantId, actor: 'key_test', requestId: 'req_1' });

  it('defines an active discount with no redemptions, its definition stored with its id, and audits it', async () => {
    const discount = await bed.billing.discounts.create(ctx(), senior);
    expect(discount).toMatchObject({
      name: 'Senior',
      active: true,
      timesRedeemed: 0,
      maxRedemptions: null,
      createdAt: NOW,
      updatedAt: NOW,
      definition: { id: discount.id, type: 'percentage', percentOff: '15', duration: { type: 'forever' } },
    });
    expect(discount.id).toMatch(/^disc_/);
    expect(await bed.billing.discounts.retrieve(ctx(), discount.id)).toEqual(discount);

    const audit = await bed.store.forTenant(bed.tenantId).listAudit({ limit: 10, entityId: discount.id });
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]).toMatchObject({
      type: 'discount.created',
      actor: 'key_test',
      data: { before: null, after: { id: discount.id }, requestId: 'req_1' },
    });
  });

  it.each([
    [
      'an unknown field',
      { ...senior, colour: 'red', fooBar: 1 },
      [{ path: 'colour,fooBar', message: 'Unrecognized keys: "colour", "fooBar"' }],
    ],
    ['a percentage out of range', { ...senior, percentOff: '150' }, [{ path: 'percentOff' }]],
    [
      'a fixed amount without currency',
      { type: 'fixed_amount', amountOff: { amount: 500 } },
      [{ path: 'amountOff.currency' }],
    ],
  ])('refuses a definition with %s, naming the field, and stores nothing', async (_name, input, fields) => {
    const before = await bed.billing.discounts.list(ctx(), { limit: 100 });
    const error = await bed.billing.discounts.create(ctx(), input).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WORKFLOW_VALIDATION_FAILED',
      message: 'The discount definition is invalid',
      details: { fields: fields.map((f) => expect.objectContaining(f)) },
    });
    expect((await bed.billing.discounts.list(ctx(), { limit: 100 })).data).toEqual(before.data);
  });

  it('lists discounts oldest first, pages them and filters by active', async () => {
    const a = await bed.billing.discounts.create(ctx(), fiveOff);
    const b = await bed.billing.discounts.create(ctx(), { ...fiveOff, name: 'Second' });
    const deactivated = await bed.billing.discounts.deactivate(ctx(), a.id);
    expect(deactivated).toMatchObject({ id: a.id, active: false });
    expect((await bed.billing.discounts.retrieve(ctx(), a.id)).active).toBe(false);

    const all = await bed.billing.discounts.list(ctx(), { limit: 100 });
    expect(all.data.map((d) => d.id)).toEqual([...all.data.map((d) => d.id)].sort());
    const inactive = await bed.billing.discounts.list(ctx(), { active: false });
    expect(inactive.data.map((d) => d.id)).toEqual([a.id]);
    const active = await bed.billing.discounts.list(ctx(), { active: true, limit: 100 });
    expect(active.data.map((d) => d.id)).toContain(b.id);
    expect(active.data.map((d) => d.id)).not.toContain(a.id);

    const first = await bed.billing.discounts.list(ctx(), { limit: 1 });
    expect(first.hasMore).toBe(true);
    const next = await bed.billing.discounts.list(ctx(), {
      limit: 1,
      startingAfter: first.data[0]?.id as string,
    });
    expect(next.data[0]?.id).toBe(all.data[1]?.id);

    const audit = await bed.store.forTenant(bed.tenantId).listAudit({ limit: 10, entityId: a.id });
    expect(audit.data.map((e) => e.type)).toEqual(['discount.created', 'discount.deactivated']);
  });

  it('answers not found for an unknown or foreign discount', async () => {
    const mine = await bed.billing.discounts.create(ctx(), fiveOff);
    await expect(bed.billing.discounts.retrieve(ctx(), 'disc_missing')).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
      message: "No such discount: 'disc_missing'",
    });
    await expect(bed.billing.discounts.retrieve({ tenantId: 'ten_b' }, mine.id)).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
    });
    await expect(bed.billing.discounts.deactivate({ tenantId: 'ten_b' }, mine.id)).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
    });
    expect((await bed.billing.discounts.retrieve(ctx(), mine.id)).active).toBe(true);
  });

  it('previews discounts on amounts without redeeming them', async () => {
    const pct = await bed.billing.discounts.create(ctx(), senior);
    const fixed = await bed.billing.discounts.create(ctx(), fiveOff);
    const result = await bed.billing.discounts.preview(ctx(), {
      currency: 'USD',
      discounts: [pct.id],
      lines: [{ id: 'plan', amount: 10000 }],
    });
    expect(result.totalDiscount.amount).toBe(1500);
    expect(result.total.amount).toBe(8500);
    expect(result.applied.map((a) => a.discountId)).toEqual([pct.id]);
    expect((await bed.billing.discounts.retrieve(ctx(), pct.id)).timesRedeemed).toBe(0);

    const both = await bed.billing.discounts.preview(ctx(), {
      currency: 'USD',
      discounts: [fixed.id],
      lines: [{ id: 'plan', amount: 10000, quantity: 1, kind: 'charge' }],
      customer: 'cus_1',
      at: NOW,
      isFirstInvoice: true,
    });
    expect(both.totalDiscount.amount).toBe(500);
  });

  it('names the unknown discount of a preview by its position', async () => {
    const pct = await bed.billing.discounts.create(ctx(), senior);
    await expect(
      bed.billing.discounts.preview(ctx(), {
        currency: 'USD',
        discounts: [pct.id, 'disc_nope'],
        lines: [{ id: 'plan', amount: 10000 }],
      }),
    ).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
      message: "No such discount: 'disc_nope'",
      details: { fields: [{ path: 'discounts.1', message: 'no such discount' }] },
    });
  });

  it('replays a create with the same idempotency key and refuses the key with another input', async () => {
    const keyed = { ...ctx(), idempotencyKey: 'create-once' };
    const first = await bed.billing.discounts.create(keyed, fiveOff);
    expect(await bed.billing.discounts.create(keyed, fiveOff)).toEqual(first);
    await expect(bed.billing.discounts.create(keyed, senior)).rejects.toMatchObject({
      code: 'WORKFLOW_IDEMPOTENCY_KEY_REUSED',
    });
  });
});
