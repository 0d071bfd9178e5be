import type { CustomerRecord, PriceRecord, ProductRecord } from '@billkit/db';
import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../src/ids.js';
import { backends, type TestBed } from './support.js';

// Promotion codes: customer-facing codes that redeem a discount, created and found through
// `billing.discounts`, redeemed by `billing.subscriptions.create({ promotionCode })`. Oregon has no sales
// tax in the sample table, so invoice totals are the plan price after the discount.
const NOW = '2026-03-10T00:00:00.000Z';
const START = '2026-03-01T00:00:00.000Z';
const clock = () => new Date(NOW);

const twentyOff = { type: 'percentage', name: 'Twenty off', percentOff: '20', duration: { type: 'forever' } };

describe.each(backends())('promotion codes on $name', ({ open }) => {
  let bed: TestBed;
  let price: PriceRecord;
  const ctx = () => ({ tenantId: bed.tenantId, actor: 'key_test', requestId: 'req_promo' });

  beforeAll(async () => {
    bed = await open({ clock });
    await bed.billing.taxRates.replace(ctx(), JSON.parse(JSON.stringify(sampleRateTable)));
    const product: ProductRecord = {
      id: newId('prod'),
      name: 'Plan',
      description: null,
      taxCategory: 'general',
      active: true,
      metadata: {},
      createdAt: START,
      updatedAt: START,
    };
    price = {
      id: newId('price'),
      productId: product.id,
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
      createdAt: START,
      updatedAt: START,
    };
    await bed.store.forTenant(bed.tenantId).transaction(async (tx) => {
      await tx.insert('product', product);
      await tx.insert('price', price);
    });
  });
  afterAll(() => bed.close());

  async function newCustomer(): Promise<CustomerRecord> {
    const customer: CustomerRecord = {
      id: newId('cus'),
      externalId: null,
      name: 'Ada',
      email: 'ada@example.com',
      currency: 'USD',
      timezone: 'UTC',
      address: { country: 'US', region: 'OR', city: 'Portland', districts: [] },
      taxExempt: 'none',
      taxExemptions: [],
      taxIds: [],
      balance: 0,
      metadata: {},
      createdAt: START,
      updatedAt: START,
    };
    await bed.store.forTenant(bed.tenantId).transaction((tx) => tx.insert('customer', customer));
    return customer;
  }

  async function subscribe(promotionCode: string) {
    const customer = await newCustomer();
    return bed.billing.subscriptions.create(ctx(), {
      customer: customer.id,
      items: [{ price: price.id }],
      startAt: START,
      promotionCode,
    });
  }

  /** A unique code for this test run (codes are unique per tenant). */
  const uniqueCode = (stem: string) => `${stem}${newId('x').slice(2, 10)}`;

  it('creates a code (kept upper case), audits it and finds it in any case', async () => {
    const discount = await bed.billing.discounts.create(ctx(), twentyOff);
    const code = uniqueCode('Spring');
    const created = await bed.billing.discounts.createPromotionCode(ctx(), {
      code,
      discount: discount.id,
      maxRedemptions: 10,
      expiresAt: '2026-12-31T00:00:00Z',
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^promo_/),
      code: code.toUpperCase(),
      discountId: discount.id,
      active: true,
      maxRedemptions: 10,
      timesRedeemed: 0,
      expiresAt: '2026-12-31T00:00:00.000Z',
      createdAt: NOW,
    });
    expect(await bed.billing.discounts.retrievePromotionCode(ctx(), created.id)).toEqual(created);
    expect(await bed.billing.discounts.findPromotionCode(ctx(), code.toLowerCase())).toEqual(created);
    expect(await bed.billing.discounts.findPromotionCode(ctx(), 'NO-SUCH-CODE')).toBeNull();
    await expect(bed.billing.discounts.retrievePromotionCode(ctx(), 'promo_none')).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
    });

    const audit = await bed.store.forTenant(bed.tenantId).listAudit({ limit: 10, entityId: created.id });
    expect(audit.data.map((e) => e.type)).toEqual(['promotion_code.created']);
    expect(audit.data[0]).toMatchObject({
      actor: 'key_test',
      entityType: 'promotion_code',
      data: { before: null, after: created, requestId: 'req_promo' },
    });
  });

  it('lists codes oldest first, by discount, and deactivates one', async () => {
    const discount = await bed.billing.discounts.create(ctx(), twentyOff);
    const other = await bed.billing.discounts.create(ctx(), twentyOff);
    const a = await bed.billing.discounts.createPromotionCode(ctx(), {
      code: uniqueCode('A'),
      discount: discount.id,
    });
    const b = await bed.billing.discounts.createPromotionCode(ctx(), {
      code: uniqueCode('B'),
      discount: discount.id,
    });
    const elsewhere = await bed.billing.discounts.createPromotionCode(ctx(), {
      code: uniqueCode('C'),
      discount: other.id,
    });

    const ofDiscount = await bed.billing.discounts.listPromotionCodes(ctx(), { discount: discount.id });
    expect(ofDiscount.data.map((c) => c.id)).toEqual([a.id, b.id].sort());
    const all = await bed.billing.discounts.listPromotionCodes(ctx(), { limit: 100 });
    expect(all.data.map((c) => c.id)).toEqual(expect.arrayContaining([a.id, b.id, elsewhere.id]));
    const first = await bed.billing.discounts.listPromotionCodes(ctx(), { limit: 1, discount: discount.id });
    expect(first.hasMore).toBe(true);
    const next = await bed.billing.discounts.listPromotionCodes(ctx(), {
      discount: discount.id,
      startingAfter: first.data[0]?.id as string,
    });
    expect(next).toEqual({ data: [ofDiscount.data[1]], hasMore: false });

    const deactivated = await bed.billing.discounts.deactivatePromotionCode(ctx(), a.id);
    expect(deactivated).toEqual({ ...a, active: false });
    expect(await bed.billing.discounts.retrievePromotionCode(ctx(), a.id)).toEqual(deactivated);
    await expect(bed.billing.discounts.deactivatePromotionCode(ctx(), 'promo_none')).rejects.toMatchObject({
      code: 'WORKFLOW_NOT_FOUND',
    });
  });

  it('refuses a duplicate code in any case, and a code for an unknown or inactive discount', async () => {
    const discount = await bed.billing.discounts.create(ctx(), twentyOff);
    const code = uniqueCode('Dup');
    await bed.billing.discounts.createPromotionCode(ctx(), { code, discount: discount.id });
    await expect(
      bed.billing.discounts.createPromotionCode(ctx(), { code: code.toLowerCase(), discount: discount.id }),
    ).rejects.toMatchObject({
      code: 'WORKFLOW_CONFLICT',
      details: { fields: [{ path: 'code', message: 'already exists' }] },
    });

    await expect(
      bed.billing.discounts.createPromotionCode(ctx(), { code: uniqueCode('U'), discount: 'disc_none' }),
    ).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND', details: { fields: [{ path: 'discount' }] } });
    const inactive = await bed.billing.discounts.create(ctx(), twentyOff);
    await bed.billing.discounts.deactivate(ctx(), inactive.id);
    const refused = uniqueCode('I');
    await expect(
      bed.billing.discounts.createPromotionCode(ctx(), { code: refused, discount: inactive.id }),
    ).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND', details: { fields: [{ path: 'discount' }] } });
    expect(await bed.billing.discounts.findPromotionCode(ctx(), refused)).toBeNull();

    await expect(
      bed.billing.discounts.createPromotionCode(ctx(), {
        code: ' ',
        discount: discount.id,
        maxRedemptions: 0,
      }),
    ).rejects.toMatchObject({
      code: 'WORKFLOW_VALIDATION_FAILED',
      details: { fields: [{ path: 'code' }, { path: 'maxRedemptions' }] },
    });
  });

  it('gives a subscription created with a code its discount and counts the redemption; an exhausted code is refused', async () => {
    const discount = await bed.billing.discounts.create(ctx(), twentyOff);
    const code = await bed.billing.discounts.createPromotionCode(ctx(), {
      code: uniqueCode('Once'),
      discount: discount.id,
      maxRedemptions: 1,
    });

    const { subscription, invoice } = await subscribe(code.code.toLowerCase());
    expect(subscription.discounts.map((d) => d.discount.id)).toEqual([discount.id]);
    expect(invoice?.totalDiscount.amount).toBe(600);
    expect(invoice?.total.amount).toBe(2400);
    const redeemed = await bed.billing.discounts.retrievePromotionCode(ctx(), code.id);
    expect(redeemed.timesRedeemed).toBe(1);
    expect((await bed.billing.discounts.retrieve(ctx(), discount.id)).timesRedeemed).toBe(1);
    const audit = await bed.store.forTenant(bed.tenantId).listAudit({ limit: 10, entityId: code.id });
    expect(audit.data.map((e) => e.type)).toEqual(['promotion_code.created', 'promotion_code.redeemed']);
    expect(audit.data[1]?.data).toMatchObject({ subscriptionId: subscription.id, after: redeemed });

    await expect(subscribe(code.code)).rejects.toMatchObject({
      code: 'WORKFLOW_VALIDATION_FAILED',
      message: `Promotion code '${code.code}' has no redemptions left`,
      details: { fields: [{ path: 'promotionCode', message: 'promotion code has no redemptions left' }] },
    });
    expect((await bed.billing.discounts.retrievePromotionCode(ctx(), code.id)).timesRedeemed).toBe(1);
  });

  it.each([
    ['an unknown code', async () => 'NOPE-NOT-A-CODE', 'no such promotion code'],
    [
      'an expired code',
      async () => {
        const discount = await bed.billing.discounts.create(ctx(), twentyOff);
        const code = await bed.billing.discounts.createPromotionCode(ctx(), {
          code: uniqueCode('Expired'),
          discount: discount.id,
          expiresAt: '2026-03-09T00:00:00.000Z',
        });
        return code.code;
      },
      'promotion code expired',
    ],
    [
      'an inactive code',
      async () => {
        const discount = await bed.billing.discounts.create(ctx(), twentyOff);
        const code = await bed.billing.discounts.createPromotionCode(ctx(), {
          code: uniqueCode('Off'),
          discount: discount.id,
        });
        await bed.billing.discounts.deactivatePromotionCode(ctx(), code.id);
        return code.code;
      },
      'promotion code is not active',
    ],
  ])('refuses %s on promotionCode and creates nothing', async (_name, codeOf, reason) => {
    const code = await codeOf();
    const customer = await newCustomer();
    await expect(
      bed.billing.subscriptions.create(ctx(), {
        customer: customer.id,
        items: [{ price: price.id }],
        startAt: START,
        promotionCode: code,
      }),
    ).rejects.toMatchObject({
      code: 'WORKFLOW_VALIDATION_FAILED',
      details: { fields: [{ path: 'promotionCode', message: reason }] },
    });
    expect((await bed.billing.subscriptions.list(ctx(), { customer: customer.id })).data).toEqual([]);
  });
});
