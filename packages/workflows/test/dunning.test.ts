import type { PaymentGateway } from '@billkit/billing-core';
import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BillingOptions,
  type DunningPolicy,
  type OperationContext,
  WorkflowError,
} from '../src/index.js';
import { backends, type TestBed } from './support.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-01T09:00:00.000Z');

/** A card gateway that declines while `declining` is true and records every attempt id it was asked to charge. */
function cardGateway() {
  const state = { declining: true, attempts: [] as string[] };
  const gateway: PaymentGateway = {
    createCustomer: async () => ({ gatewayCustomerId: 'gcus_1' }),
    attachPaymentMethod: async () => ({ paymentMethodId: 'pm_1' }),
    async createPaymentIntent(input) {
      state.attempts.push(input.idempotencyKey);
      return {
        id: `pi_${input.idempotencyKey}`,
        status: state.declining ? 'requires_payment_method' : 'succeeded',
        amount: input.amount,
        metadata: input.metadata,
        ...(state.declining ? { failureCode: 'do_not_honor' } : {}),
      };
    },
    refund: async () => {
      throw new Error('not used');
    },
    getPaymentIntent: async () => {
      throw new Error('not used');
    },
  };
  return { gateway, state };
}

describe.each(backends())('dunning on $name', ({ open }) => {
  let now = new Date(T0);
  const card = cardGateway();
  let bed: TestBed;
  let keep: TestBed;
  let ctx: OperationContext;

  async function setup(b: TestBed) {
    await b.billing.taxRates.replace(ctx, sampleRateTable as unknown as Record<string, unknown>);
    const product = await b.billing.catalog.createProduct(ctx, { name: 'Weekly pickup' });
    return (
      await b.billing.catalog.createPrice(ctx, {
        product: product.id,
        currency: 'USD',
        billingScheme: 'flat',
        flatAmount: 3000,
        recurring: { interval: 'month', intervalCount: 1 },
      })
    ).id;
  }

  /** A subscription whose first invoice was declined at `T0`: invoice open, subscription past_due. */
  async function declined(b: TestBed, price: string) {
    now = new Date(T0);
    card.state.declining = true;
    const customer = await b.billing.customers.create(ctx, {
      currency: 'USD',
      address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' },
    });
    const { subscription, invoice } = await b.billing.subscriptions.create(ctx, {
      customer: customer.id,
      items: [{ price }],
      startAt: now.toISOString(),
    });
    await b.billing.invoices.finalize(ctx, invoice!.id);
    const error = await b.billing.invoices
      .pay(ctx, invoice!.id, { paymentMethod: 'pm_card' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowError);
    expect((await b.billing.subscriptions.retrieve(ctx, subscription.id)).status).toBe('past_due');
    return { subscription: subscription.id, invoice: invoice!.id };
  }

  const options = (dunning: DunningPolicy): Omit<BillingOptions, 'db'> => ({
    clock: () => now,
    gateways: () => card.gateway,
    dunning,
  });

  beforeAll(async () => {
    bed = await open(options({ scheduleDays: [1, 3, 5], finalAction: 'cancel' }));
    keep = await open(options({ scheduleDays: [2], finalAction: 'leave_past_due' }));
    ctx = { tenantId: bed.tenantId, actor: 'key_test' };
  });
  afterAll(async () => {
    await bed.close();
    await keep.close();
  });

  it('retries on the 1/3/5-day schedule, then makes the invoice uncollectible and cancels', async () => {
    const price = await setup(bed);
    const { subscription, invoice } = await declined(bed, price);
    const run = async (at: number) => {
      now = new Date(at);
      const summary = await bed.billing.dunning.run(ctx);
      expect(summary.now).toBe(now.toISOString());
      return summary.outcomes.filter((o) => o.invoiceId === invoice);
    };
    expect(await run(T0 + DAY / 2)).toEqual([
      { invoiceId: invoice, action: 'waiting', retryAt: new Date(T0 + DAY).toISOString() },
    ]);
    const r1 = T0 + DAY + 60_000;
    expect(await run(r1)).toEqual([
      { invoiceId: invoice, action: 'retried', retryNumber: 1, result: 'failed' },
    ]);
    // The second retry is 3 days after the first retry's failure, not after the original one.
    expect(await run(r1 + 2 * DAY)).toEqual([expect.objectContaining({ action: 'waiting' })]);
    const r2 = r1 + 3 * DAY + 60_000;
    expect(await run(r2)).toEqual([expect.objectContaining({ action: 'retried', retryNumber: 2 })]);
    const r3 = r2 + 5 * DAY + 60_000;
    expect(await run(r3)).toEqual([
      { invoiceId: invoice, action: 'retried', retryNumber: 3, result: 'failed' },
      { invoiceId: invoice, action: 'uncollectible', failedAttempts: 4, subscription: 'canceled' },
    ]);
    expect((await bed.billing.invoices.retrieve(ctx, invoice)).status).toBe('uncollectible');
    expect((await bed.billing.subscriptions.retrieve(ctx, subscription)).status).toBe('canceled');
    // Done: a later pass leaves the invoice alone (it is no longer open).
    expect(await run(r3 + 30 * DAY)).toEqual([]);
    expect(card.state.attempts.filter((a) => a.startsWith(invoice))).toEqual(
      [1, 2, 3, 4].map((n) => `${invoice}_attempt_${n}`),
    );
    const audit = await bed.billing.audit.list(ctx, { limit: 100, entityId: invoice });
    const dunningEvents = audit.data.filter((e) => e.type.startsWith('dunning.'));
    expect(dunningEvents.map((e) => [e.type, e.actor])).toEqual([
      ['dunning.retry', 'system:dunning'],
      ['dunning.retry', 'system:dunning'],
      ['dunning.retry', 'system:dunning'],
      ['dunning.exhausted', 'system:dunning'],
    ]);
  });

  it('recovers the subscription when a retry succeeds', async () => {
    const price = await setup(bed);
    const { subscription, invoice } = await declined(bed, price);
    card.state.declining = false;
    now = new Date(T0 + DAY + 60_000);
    const summary = await bed.billing.dunning.run(ctx, { now: now.toISOString() });
    expect(summary.outcomes.filter((o) => o.invoiceId === invoice)).toEqual([
      { invoiceId: invoice, action: 'retried', retryNumber: 1, result: 'succeeded' },
    ]);
    expect((await bed.billing.invoices.retrieve(ctx, invoice)).status).toBe('paid');
    expect((await bed.billing.subscriptions.retrieve(ctx, subscription)).status).toBe('active');
  });

  it('leaves the subscription past_due when the policy says so', async () => {
    const price = await setup(keep);
    const { subscription, invoice } = await declined(keep, price);
    const summary = await keep.billing.dunning.run(ctx, { now: new Date(T0 + 2 * DAY + 60_000) });
    expect(summary.outcomes).toEqual([
      { invoiceId: invoice, action: 'retried', retryNumber: 1, result: 'failed' },
      { invoiceId: invoice, action: 'uncollectible', failedAttempts: 2, subscription: 'left_past_due' },
    ]);
    expect((await keep.billing.subscriptions.retrieve(ctx, subscription)).status).toBe('past_due');
  });

  it('runs once per idempotency key and refuses the key for another instant', async () => {
    const keyed = { ...ctx, idempotencyKey: 'dunning-once' };
    const at = new Date(T0 + 90 * DAY).toISOString();
    const first = await bed.billing.dunning.run(keyed, { now: at });
    expect(await bed.billing.dunning.run(keyed, { now: at })).toEqual(first);
    const error = await bed.billing.dunning.run(keyed, { now: new Date(T0) }).catch((e: unknown) => e);
    expect(error instanceof WorkflowError && error.code).toBe('WORKFLOW_IDEMPOTENCY_KEY_REUSED');
  });
});
