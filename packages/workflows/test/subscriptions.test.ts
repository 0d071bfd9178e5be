import { renewSubscription } from '@billkit/billing-core';
import type { CustomerRecord, PriceRecord, ProductRecord, SubscriptionRecord } from '@billkit/db';
import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deps, recorderFor } from '../src/context.js';
import { environmentFor, toCoreCustomer } from '../src/environment.js';
import { newId } from '../src/ids.js';
import { discountStateFor, persistTransition } from '../src/transition.js';
import { backends, type TestBed } from './support.js';

// Oregon has no sales tax (in the sample table), so invoice totals are the plan prices after discounts.
const NOW = '2026-03-10T00:00:00.000Z';
const START = '2026-03-01T00:00:00.000Z';
const MID = '2026-03-16T00:00:00.000Z';
const clock = () => new Date(NOW);

function customerRecord(): CustomerRecord {
  return {
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
}

function monthlyPrice(productId: string, flatAmount: number): PriceRecord {
  return {
    id: newId('price'),
    productId,
    currency: 'USD',
    nickname: null,
    lookupKey: null,
    active: true,
    billingScheme: 'flat',
    flatAmount,
    unitAmount: null,
    tiersMode: null,
    tiers: null,
    recurring: { interval: 'month', intervalCount: 1 },
    taxBehavior: 'exclusive',
    createdAt: START,
    updatedAt: START,
  };
}

describe.each(backends())('subscriptions on $name', ({ open }) => {
  let bed: TestBed;
  let basic: PriceRecord;
  let pro: PriceRecord;
  const ctx = () => ({ tenantId: bed.tenantId, actor: 'key_test' });

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
    basic = monthlyPrice(product.id, 3000);
    pro = monthlyPrice(product.id, 5000);
    await bed.store.forTenant(bed.tenantId).transaction(async (tx) => {
      await tx.insert('product', product);
      await tx.insert('price', basic);
      await tx.insert('price', pro);
    });
  });
  afterAll(() => bed.close());

  async function newCustomer(): Promise<CustomerRecord> {
    const customer = customerRecord();
    await bed.store.forTenant(bed.tenantId).transaction((tx) => tx.insert('customer', customer));
    return customer;
  }

  async function subscribe(extra: { discounts?: string[]; metadata?: Record<string, string> } = {}) {
    const customer = await newCustomer();
    return bed.billing.subscriptions.create(ctx(), {
      customer: customer.id,
      items: [{ price: basic.id }],
      startAt: START,
      ...extra,
    });
  }

  /** Renews `id` once, as a billing run does: billing-core's renewal stored by persistTransition. */
  async function renew(id: string) {
    const deps = { clock } as Deps;
    return bed.store.forTenant(bed.tenantId).transaction(async (tx) => {
      const before = (await tx.get('subscription', id)) as SubscriptionRecord;
      const customer = (await tx.get('customer', before.customerId)) as CustomerRecord;
      const t = renewSubscription(
        before,
        {
          customer: toCoreCustomer(customer),
          invoiceId: newId('in'),
          discountState: await discountStateFor(
            tx,
            before.discounts.map((d) => String(d.discount.id)),
          ),
        },
        await environmentFor(tx),
      );
      return persistTransition(deps, tx, recorderFor(deps, ctx(), tx), t, { before });
    });
  }

  describe('create, retrieve, list', () => {
    it('starts an active subscription with its first invoice as a draft, metadata kept, and audits both', async () => {
      const { subscription, invoice } = await subscribe({ metadata: { plan: 'basic' } });
      expect(subscription).toMatchObject({
        status: 'active',
        currentPeriodStart: START,
        currentPeriodEnd: '2026-04-01T00:00:00.000Z',
        items: [{ priceId: basic.id, quantity: 1 }],
        metadata: { plan: 'basic' },
        latestInvoiceId: invoice?.id,
      });
      expect(invoice).toMatchObject({
        status: 'draft',
        billingReason: 'subscription_create',
        subscriptionId: subscription.id,
        total: { amount: 3000, currency: 'USD' },
      });
      expect(await bed.billing.subscriptions.retrieve(ctx(), subscription.id)).toEqual(subscription);
      const audit = await bed.store.forTenant(bed.tenantId).listAudit({ limit: 10, actor: 'key_test' });
      const types = audit.data
        .filter((e) => [subscription.id, invoice?.id].includes(e.entityId))
        .map((e) => e.type);
      expect(types).toEqual(['subscription.created', 'invoice.created']);
    });

    it.each([
      [
        'an unknown customer',
        () => ({ customer: 'cus_missing' }),
        "No such customer: 'cus_missing'",
        'customer',
        'no such customer',
      ],
      [
        'an unknown price',
        () => ({ items: [{ price: basic.id }, { price: 'price_missing' }] }),
        "No such price: 'price_missing'",
        'items.1.price',
        'no such price',
      ],
      [
        'an unknown discount',
        () => ({ discounts: ['disc_missing'] }),
        "No such active discount: 'disc_missing'",
        'discounts.0',
        'no such active discount',
      ],
    ])('refuses %s, naming the input field', async (_name, override, message, path, fieldMessage) => {
      const customer = await newCustomer();
      const input = { customer: customer.id, items: [{ price: basic.id }], ...override() };
      await expect(bed.billing.subscriptions.create(ctx(), input)).rejects.toMatchObject({
        code: 'WORKFLOW_NOT_FOUND',
        message,
        details: { fields: [{ path, message: fieldMessage }] },
      });
      expect((await bed.billing.subscriptions.list(ctx(), { customer: customer.id })).data).toEqual([]);
    });

    it('refuses an inactive discount', async () => {
      const discount = await bed.billing.discounts.create(ctx(), { type: 'percentage', percentOff: '10' });
      await bed.billing.discounts.deactivate(ctx(), discount.id);
      await expect(subscribe({ discounts: [discount.id] })).rejects.toMatchObject({
        code: 'WORKFLOW_NOT_FOUND',
        details: { fields: [{ path: 'discounts.0' }] },
      });
    });

    it("lists a customer's subscriptions by status, and hides them from another tenant", async () => {
      const { subscription } = await subscribe();
      const mine = await bed.billing.subscriptions.list(ctx(), { customer: subscription.customerId });
      expect(mine.data.map((s) => s.id)).toEqual([subscription.id]);
      const paused = await bed.billing.subscriptions.list(ctx(), {
        customer: subscription.customerId,
        status: 'paused',
      });
      expect(paused.data).toEqual([]);
      await expect(
        bed.billing.subscriptions.retrieve({ tenantId: 'ten_b' }, subscription.id),
      ).rejects.toMatchObject({
        code: 'WORKFLOW_NOT_FOUND',
        message: `No such subscription: '${subscription.id}'`,
      });
      expect((await bed.billing.subscriptions.list({ tenantId: 'ten_b' })).data).toEqual([]);
    });
  });

  describe('preview a change, change', () => {
    it('previews the upgrade invoice a change would produce, without changing anything', async () => {
      const { subscription } = await subscribe();
      const item = subscription.items[0]?.id as string;
      const preview = await bed.billing.subscriptions.previewChange(ctx(), subscription.id, {
        items: [{ id: item, price: pro.id }],
        prorationDate: MID,
      });
      expect(preview.prorationDate).toBe(MID);
      expect(preview.invoice?.lines.every((l) => l.proration)).toBe(true);
      // 16 of March's 31 days left, each line rounded: −30.00 × 16/31 = −15.48, 50.00 × 16/31 = 25.81
      expect(preview.invoice?.total.amount).toBe(1033);
      expect(await bed.billing.subscriptions.retrieve(ctx(), subscription.id)).toEqual(subscription);

      const changed = await bed.billing.subscriptions.change(ctx(), subscription.id, {
        items: [{ id: item, price: pro.id }],
        prorationDate: MID,
        prorationBehavior: 'always_invoice',
        expectedVersion: subscription.version,
      });
      expect(changed.invoice).toMatchObject({
        billingReason: 'subscription_update',
        total: { amount: 1033 },
      });
      expect(changed.subscription).toMatchObject({
        items: [{ id: item, priceId: pro.id }],
        version: subscription.version + 1,
        latestInvoiceId: changed.invoice?.id,
      });
    });

    it('keeps prorations pending by default and adds an item without an id', async () => {
      const { subscription } = await subscribe();
      const item = subscription.items[0]?.id as string;
      const changed = await bed.billing.subscriptions.change(ctx(), subscription.id, {
        items: [
          { id: item, price: basic.id },
          { price: pro.id, quantity: 2 },
        ],
        prorationDate: MID,
      });
      expect(changed.invoice).toBeNull();
      expect(changed.subscription.items).toHaveLength(2);
      expect(changed.subscription.items[1]).toMatchObject({ priceId: pro.id, quantity: 2 });
      expect(changed.subscription.pendingInvoiceItems.length).toBeGreaterThan(0);
    });

    it('refuses a stale expected version with a conflict and changes nothing', async () => {
      const { subscription } = await subscribe();
      const item = subscription.items[0]?.id as string;
      await bed.billing.subscriptions.change(ctx(), subscription.id, {
        items: [{ id: item, price: basic.id, quantity: 2 }],
        prorationDate: MID,
        prorationBehavior: 'none',
      });
      const current = await bed.billing.subscriptions.retrieve(ctx(), subscription.id);
      await expect(
        bed.billing.subscriptions.change(ctx(), subscription.id, {
          items: [{ id: item, price: pro.id }],
          expectedVersion: subscription.version,
        }),
      ).rejects.toMatchObject({
        code: 'WORKFLOW_CONFLICT',
        message: 'The subscription changed since you read it; reload and retry',
        details: { expectedVersion: subscription.version, currentVersion: current.version },
      });
      expect(await bed.billing.subscriptions.retrieve(ctx(), subscription.id)).toEqual(current);
    });

    it('refuses an item id the subscription does not have, and an unknown subscription', async () => {
      const { subscription } = await subscribe();
      const input = { items: [{ id: 'si_other', price: pro.id }] };
      const refused = { code: 'WORKFLOW_VALIDATION_FAILED', message: "Subscription has no item 'si_other'" };
      const field = {
        details: { fields: [{ path: 'items.0.id', message: 'no such item on this subscription' }] },
      };
      await expect(
        bed.billing.subscriptions.previewChange(ctx(), subscription.id, input),
      ).rejects.toMatchObject({
        ...refused,
        ...field,
      });
      await expect(bed.billing.subscriptions.change(ctx(), subscription.id, input)).rejects.toMatchObject({
        ...refused,
        ...field,
      });
      await expect(
        bed.billing.subscriptions.change(ctx(), 'sub_missing', { items: [{ price: pro.id }] }),
      ).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND', message: "No such subscription: 'sub_missing'" });
    });
  });

  describe('cancel, pause, resume', () => {
    it('cancels at the period end, or now with a proration credit', async () => {
      const later = await subscribe();
      const atEnd = await bed.billing.subscriptions.cancel(ctx(), later.subscription.id, {
        atPeriodEnd: true,
      });
      expect(atEnd.subscription).toMatchObject({ status: 'active', cancelAtPeriodEnd: true });
      expect(atEnd.invoice).toBeNull();

      const now = await subscribe();
      const canceled = await bed.billing.subscriptions.cancel(ctx(), now.subscription.id, { prorate: true });
      expect(canceled.subscription).toMatchObject({ status: 'canceled', canceledAt: NOW, endedAt: NOW });
      expect(canceled.invoice?.total.amount).toBeLessThan(0);
      await expect(bed.billing.subscriptions.cancel(ctx(), now.subscription.id)).rejects.toMatchObject({
        code: 'BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION',
      });
    });

    it('pauses and resumes within the period without a new invoice', async () => {
      const { subscription } = await subscribe();
      const paused = await bed.billing.subscriptions.pause(ctx(), subscription.id);
      expect(paused).toMatchObject({ status: 'paused', pausedAt: NOW });
      await expect(bed.billing.subscriptions.pause(ctx(), subscription.id)).rejects.toMatchObject({
        code: 'BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION',
      });
      const resumed = await bed.billing.subscriptions.resume(ctx(), subscription.id);
      expect(resumed.subscription).toMatchObject({ status: 'active', pausedAt: null });
      expect(resumed.invoice).toBeNull();
      const audit = await bed.store
        .forTenant(bed.tenantId)
        .listAudit({ limit: 10, entityId: subscription.id });
      expect(audit.data.map((e) => e.type)).toEqual([
        'subscription.created',
        'subscription.paused',
        'subscription.resumed',
      ]);
    });
  });

  describe('discounts', () => {
    it('attaches an active discount from the next invoice on, and refuses an unknown one as discounts.0', async () => {
      const { subscription } = await subscribe();
      const discount = await bed.billing.discounts.create(ctx(), { type: 'percentage', percentOff: '10' });
      const attached = await bed.billing.subscriptions.attachDiscount(ctx(), subscription.id, {
        discount: discount.id,
      });
      expect(attached.discounts.map((d) => [d.discount.id, d.start, d.creditRemaining ?? null])).toEqual([
        [discount.id, NOW, null],
      ]);
      await expect(
        bed.billing.subscriptions.attachDiscount(ctx(), subscription.id, { discount: 'disc_missing' }),
      ).rejects.toMatchObject({
        code: 'WORKFLOW_NOT_FOUND',
        message: "No such active discount: 'disc_missing'",
        details: { fields: [{ path: 'discounts.0', message: 'no such active discount' }] },
      });
      const renewed = await renew(subscription.id);
      expect(renewed.invoice?.totalDiscount.amount).toBe(300);
      expect((await bed.billing.discounts.retrieve(ctx(), discount.id)).timesRedeemed).toBe(1);
    });

    it('spends a credit once: 50.00 on a 30.00/month plan pays 30.00, then 20.00, then nothing', async () => {
      const credit = await bed.billing.discounts.create(ctx(), {
        type: 'credit',
        name: 'Welcome credit',
        amount: { amount: 5000, currency: 'USD' },
      });
      const creditOf = (s: SubscriptionRecord | null) =>
        s?.discounts.find((d) => d.discount.id === credit.id)?.creditRemaining;

      const created = await subscribe({ discounts: [credit.id] });
      expect(created.invoice?.totalDiscount.amount).toBe(3000);
      expect(created.invoice?.amountDue.amount).toBe(0);
      expect(creditOf(created.subscription)).toBe(2000);
      expect(creditOf(await bed.billing.subscriptions.retrieve(ctx(), created.subscription.id))).toBe(2000);

      const second = await renew(created.subscription.id);
      expect(second.invoice?.totalDiscount.amount).toBe(2000);
      expect(second.invoice?.amountDue.amount).toBe(1000);
      expect(creditOf(second.subscription)).toBe(0);

      const third = await renew(created.subscription.id);
      expect(third.invoice?.totalDiscount.amount).toBe(0);
      expect(third.invoice?.amountDue.amount).toBe(3000);
      expect(creditOf(await bed.billing.subscriptions.retrieve(ctx(), created.subscription.id))).toBe(0);

      // One subscription redeemed it once, however many invoices it paid for.
      expect((await bed.billing.discounts.retrieve(ctx(), credit.id)).timesRedeemed).toBe(1);
    });
  });

  it('replays a change with the same idempotency key instead of changing twice', async () => {
    const { subscription } = await subscribe();
    const item = subscription.items[0]?.id as string;
    const keyed = { ...ctx(), idempotencyKey: 'change-once' };
    const input = { items: [{ id: item, price: basic.id, quantity: 3 }], prorationDate: MID };
    const first = await bed.billing.subscriptions.change(keyed, subscription.id, input);
    const again = await bed.billing.subscriptions.change(keyed, subscription.id, input);
    expect(again).toEqual(first);
    expect((await bed.billing.subscriptions.retrieve(ctx(), subscription.id)).version).toBe(
      first.subscription.version,
    );
  });
});
