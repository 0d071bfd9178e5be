import type { PaymentGateway, PaymentIntent } from '@billkit/billing-core';
import { sampleRateTable } from '@billkit/tax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkflowError, type OperationContext } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const chicago = { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' };

/** A scripted gateway: each `createPaymentIntent` answers with the next step (default: succeeded). */
function scriptedGateway() {
  const calls: { idempotencyKey: string; amount: number; paymentMethodId: string }[] = [];
  const script: ('succeeded' | 'declined' | 'processing' | 'error')[] = [];
  const gateway: PaymentGateway = {
    createCustomer: async () => ({ gatewayCustomerId: 'gcus_1' }),
    attachPaymentMethod: async () => ({ paymentMethodId: 'pm_1' }),
    async createPaymentIntent(input) {
      calls.push({
        idempotencyKey: input.idempotencyKey,
        amount: input.amount.amount,
        paymentMethodId: input.paymentMethodId,
      });
      const step = script.shift() ?? 'succeeded';
      if (step === 'error') throw Object.assign(new Error('gateway timed out'), { code: 'TILLED_TIMEOUT' });
      const intent: PaymentIntent = {
        id: `pi_${calls.length}`,
        status: step === 'declined' ? 'requires_payment_method' : step,
        amount: input.amount,
        metadata: input.metadata,
        ...(step === 'declined' ? { failureCode: 'card_declined' } : {}),
      };
      return intent;
    },
    refund: async () => {
      throw new Error('not used');
    },
    getPaymentIntent: async () => {
      throw new Error('not used');
    },
  };
  return { gateway, calls, script };
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isWorkflowError(error)) throw new Error(`expected a WorkflowError, got ${String(error)}`);
  return error;
}

describe.each(backends())('invoices and credit notes on $name', ({ open }) => {
  let bed: TestBed;
  let now = new Date('2026-01-01T00:00:00.000Z');
  const tilled = scriptedGateway();
  let ctx: OperationContext;
  let price: string;
  let plan60: string;
  let plan30: string;

  beforeAll(async () => {
    bed = await open({
      clock: () => now,
      gateways: (tenantId) => (tenantId === 'ten_a' ? tilled.gateway : null),
    });
    ctx = { tenantId: bed.tenantId, actor: 'key_test' };
    await bed.billing.taxRates.replace(ctx, sampleRateTable as unknown as Record<string, unknown>);
    const product = await bed.billing.catalog.createProduct(ctx, { name: 'Bulk pickup' });
    price = (
      await bed.billing.catalog.createPrice(ctx, {
        product: product.id,
        currency: 'USD',
        billingScheme: 'flat',
        flatAmount: 10000,
      })
    ).id;
    const plan = await bed.billing.catalog.createProduct(ctx, { name: 'Pickup plan' });
    const monthly = (flatAmount: number) =>
      bed.billing.catalog.createPrice(ctx, {
        product: plan.id,
        currency: 'USD',
        billingScheme: 'flat',
        flatAmount,
        recurring: { interval: 'month', intervalCount: 1 },
      });
    plan60 = (await monthly(6000)).id;
    plan30 = (await monthly(3000)).id;
  });
  afterAll(() => bed.close());

  const customer = (taxExempt: 'none' | 'exempt' = 'none') =>
    bed.billing.customers.create(ctx, { currency: 'USD', address: chicago, taxExempt });

  /** A one-off $100.00 + 10.25 % Chicago tax = $110.25 invoice, finalized. */
  async function openInvoice(): Promise<string> {
    const { id } = await customer();
    const draft = await bed.billing.invoices.create(ctx, { customer: id, items: [{ price }] });
    return (await bed.billing.invoices.finalize(ctx, draft.id)).id;
  }

  const events = async (entityId: string) =>
    (await bed.billing.audit.list(ctx, { limit: 100, entityId })).data.map((e) => e.type);

  describe('one-off invoices', () => {
    it('creates a draft with tax, retrieves it and lists it by customer', async () => {
      const { id } = await customer();
      const draft = await bed.billing.invoices.create(ctx, {
        customer: id,
        items: [{ price, quantity: 2, description: 'Two pickups' }],
      });
      expect(draft).toMatchObject({
        status: 'draft',
        billingReason: 'manual',
        customerId: id,
        subtotal: { amount: 10000 }, // a flat price: the same for any quantity
        total: { amount: 11025 },
        amountDue: { amount: 11025 },
        paymentAttempts: 0,
      });
      expect(await bed.billing.invoices.retrieve(ctx, draft.id)).toMatchObject(draft);
      const page = await bed.billing.invoices.list(ctx, { limit: 10, customer: id });
      expect(page.data.map((i) => i.id)).toEqual([draft.id]);
      expect(await events(draft.id)).toEqual(['invoice.created']);
    });

    it.each([
      ['an unknown customer', { customer: 'cus_missing', items: [] as { price: string }[] }, 'customer'],
      ['an unknown price', { customer: '', items: [{ price: 'price_missing' }] }, 'items.0.price'],
    ])('refuses %s (WORKFLOW_NOT_FOUND naming the field)', async (_name, input, path) => {
      const real = input.customer === '' ? (await customer()).id : input.customer;
      const error = await failure(bed.billing.invoices.create(ctx, { ...input, customer: real }));
      expect(error.code).toBe('WORKFLOW_NOT_FOUND');
      expect(error.details.fields?.map((f) => f.path)).toEqual([path]);
    });

    it('reports an unknown invoice as WORKFLOW_NOT_FOUND', async () => {
      const error = await failure(bed.billing.invoices.retrieve(ctx, 'in_missing'));
      expect([error.code, error.message]).toEqual(['WORKFLOW_NOT_FOUND', "No such invoice: 'in_missing'"]);
    });
  });

  describe('finalize, void, mark uncollectible', () => {
    it('finalizes a draft with a number and due date once; a second finalize is WORKFLOW_INVALID_STATE', async () => {
      const { id } = await customer();
      const draft = await bed.billing.invoices.create(ctx, { customer: id, items: [{ price }] });
      const open = await bed.billing.invoices.finalize(ctx, draft.id, { daysUntilDue: 10 });
      expect(open).toMatchObject({ status: 'open', dueDate: '2026-01-11T00:00:00.000Z' });
      expect(open.number).toMatch(/\d+/);
      const error = await failure(bed.billing.invoices.finalize(ctx, draft.id));
      expect([error.code, error.message]).toEqual([
        'WORKFLOW_INVALID_STATE',
        `Invoice ${draft.id} is open, not draft`,
      ]);
    });

    it('voids an open invoice and marks another uncollectible; voiding a draft is refused', async () => {
      const voided = await bed.billing.invoices.void(ctx, await openInvoice());
      expect(voided.status).toBe('void');
      const lost = await bed.billing.invoices.markUncollectible(ctx, await openInvoice());
      expect(lost.status).toBe('uncollectible');
      expect(await events(lost.id)).toContain('invoice.marked_uncollectible');
      const { id } = await customer();
      const draft = await bed.billing.invoices.create(ctx, { customer: id, items: [{ price }] });
      const error = await bed.billing.invoices.void(ctx, draft.id).catch((e: { code?: string }) => e);
      expect((error as { code: string }).code).toBe('BILLING_ILLEGAL_INVOICE_TRANSITION');
    });
  });

  describe('paying', () => {
    it('records an out-of-band payment; paying it again is WORKFLOW_INVALID_STATE', async () => {
      const id = await openInvoice();
      const paid = await bed.billing.invoices.pay(ctx, id, { paidOutOfBand: true });
      expect(paid).toMatchObject({ status: 'paid', amountPaid: { amount: 11025 }, paymentAttempts: 1 });
      const again = await failure(bed.billing.invoices.pay(ctx, id, { paidOutOfBand: true }));
      expect([again.code, again.message]).toEqual([
        'WORKFLOW_INVALID_STATE',
        `Invoice ${id} is paid, not open`,
      ]);
    });

    it('charges the amount due through the gateway with the attempt id as idempotency key', async () => {
      const id = await openInvoice();
      const paid = await bed.billing.invoices.pay(ctx, id, { paymentMethod: 'pm_card' });
      expect(paid).toMatchObject({ status: 'paid', paymentIntentId: `pi_${tilled.calls.length}` });
      expect(tilled.calls.at(-1)).toEqual({
        idempotencyKey: `${id}_attempt_1`,
        amount: 11025,
        paymentMethodId: 'pm_card',
      });
    });

    it('records a decline on the invoice and throws WORKFLOW_PAYMENT_FAILED', async () => {
      const id = await openInvoice();
      tilled.script.push('declined');
      const error = await failure(bed.billing.invoices.pay(ctx, id, { paymentMethod: 'pm_card' }));
      expect([error.code, error.message]).toEqual([
        'WORKFLOW_PAYMENT_FAILED',
        'The payment was declined: card_declined',
      ]);
      expect(await bed.billing.invoices.retrieve(ctx, id)).toMatchObject({
        status: 'open',
        lastPaymentError: 'card_declined',
        paymentAttempts: 1,
        paymentMethodId: 'pm_card',
      });
      expect(await events(id)).toContain('invoice.payment_failed');
    });

    it('records a gateway error without counting the attempt; the retry reuses the attempt id', async () => {
      const id = await openInvoice();
      tilled.script.push('error');
      const error = await bed.billing.invoices
        .pay(ctx, id, { paymentMethod: 'pm_card' })
        .catch((e: { code?: string }) => e);
      expect((error as { code: string }).code).toBe('TILLED_TIMEOUT');
      expect(await bed.billing.invoices.retrieve(ctx, id)).toMatchObject({
        status: 'open',
        lastPaymentError: 'TILLED_TIMEOUT',
        paymentAttempts: 0,
      });
      expect(await events(id)).toContain('invoice.payment_attempt_errored');
      const paid = await bed.billing.invoices.pay(ctx, id, { paymentMethod: 'pm_card' });
      expect(paid.status).toBe('paid');
      expect(tilled.calls.slice(-2).map((c) => c.idempotencyKey)).toEqual([
        `${id}_attempt_1`,
        `${id}_attempt_1`,
      ]);
    });

    it('leaves a processing payment open with its payment intent', async () => {
      const id = await openInvoice();
      tilled.script.push('processing');
      const pending = await bed.billing.invoices.pay(ctx, id, { paymentMethod: 'pm_ach' });
      expect(pending).toMatchObject({ status: 'open', paymentIntentId: `pi_${tilled.calls.length}` });
      expect(await events(id)).toContain('invoice.payment_pending');
    });

    it('pays once per idempotency key: a repeat returns the first result without charging again', async () => {
      const id = await openInvoice();
      const keyed = { ...ctx, idempotencyKey: `pay-${id}` };
      const first = await bed.billing.invoices.pay(keyed, id, { paymentMethod: 'pm_card' });
      const calls = tilled.calls.length;
      const second = await bed.billing.invoices.pay(keyed, id, { paymentMethod: 'pm_card' });
      expect(second).toEqual(first);
      expect(tilled.calls).toHaveLength(calls);
      const reused = await failure(bed.billing.invoices.pay(keyed, id, { paidOutOfBand: true }));
      expect(reused.code).toBe('WORKFLOW_IDEMPOTENCY_KEY_REUSED');
    });

    it('refuses a gateway payment for a tenant without a gateway (WORKFLOW_PAYMENTS_DISABLED)', async () => {
      await bed.store.addTenant({ id: 'ten_nogw', name: 'No gateway', defaultCurrency: 'USD' });
      const other = { tenantId: 'ten_nogw' };
      await bed.billing.taxRates.replace(other, sampleRateTable as unknown as Record<string, unknown>);
      const product = await bed.billing.catalog.createProduct(other, { name: 'Pickup' });
      const p = await bed.billing.catalog.createPrice(other, {
        product: product.id,
        currency: 'USD',
        billingScheme: 'flat',
        flatAmount: 500,
      });
      const c = await bed.billing.customers.create(other, { currency: 'USD', address: chicago });
      const draft = await bed.billing.invoices.create(other, { customer: c.id, items: [{ price: p.id }] });
      await bed.billing.invoices.finalize(other, draft.id);
      const error = await failure(bed.billing.invoices.pay(other, draft.id, { paymentMethod: 'pm_card' }));
      expect(error.code).toBe('WORKFLOW_PAYMENTS_DISABLED');
    });
  });

  describe('credit notes', () => {
    it('issues, retrieves and lists a credit note against an open invoice', async () => {
      const id = await openInvoice();
      const invoice = await bed.billing.invoices.retrieve(ctx, id);
      const note = await bed.billing.invoices.createCreditNote(ctx, {
        invoice: id,
        lines: [{ invoiceLine: invoice.lines[0]!.id, amount: 1000 }],
        reason: 'order_change',
        memo: 'Missed pickup',
      });
      expect(note).toMatchObject({
        invoiceId: id,
        creditTo: 'invoice',
        type: 'pre_payment',
        total: { amount: 1104 }, // tax rounded half-up per jurisdiction
        memo: 'Missed pickup',
      });
      expect(await bed.billing.invoices.retrieveCreditNote(ctx, note.id)).toEqual(note);
      expect((await bed.billing.invoices.listCreditNotes(ctx, { limit: 10, invoice: id })).data).toEqual([
        note,
      ]);
    });

    it('refuses a credit note for an unknown invoice (WORKFLOW_NOT_FOUND on invoice)', async () => {
      const error = await failure(
        bed.billing.invoices.createCreditNote(ctx, { invoice: 'in_missing', lines: [{ invoiceLine: 'x' }] }),
      );
      expect(error.code).toBe('WORKFLOW_NOT_FOUND');
      expect(error.details.fields).toEqual([{ path: 'invoice', message: 'no such invoice' }]);
    });
  });

  describe('the customer balance', () => {
    const balanceOf = async (customerId: string) =>
      (await bed.billing.customers.retrieve(ctx, customerId)).balance;
    const ledger = async (customerId: string) =>
      (await bed.billing.balance.list(ctx, customerId, { limit: 100 })).data.map((t) => [t.type, t.amount]);

    it('books a downgrade credit, starts the next invoice from it and uses it up at renewal', async () => {
      now = new Date('2026-01-01T00:00:00.000Z');
      const { id: customerId } = await customer('exempt');
      const created = await bed.billing.subscriptions.create(ctx, {
        customer: customerId,
        items: [{ price: plan60 }],
        startAt: '2026-01-01T00:00:00.000Z',
      });
      const subscriptionId = created.subscription.id;
      const first = await bed.billing.invoices.finalize(ctx, created.invoice!.id);
      await bed.billing.invoices.pay(ctx, first.id, { paidOutOfBand: true });

      // Mid-month, 60.00 → 30.00, invoiced now: the unused half of 60.00 is credited, half of 30.00 charged.
      now = new Date('2026-01-16T12:00:00.000Z');
      const item = created.subscription.items[0]!;
      const changed = await bed.billing.subscriptions.change(ctx, subscriptionId, {
        items: [{ id: item.id, price: plan30 }],
        prorationBehavior: 'always_invoice',
        prorationDate: now.toISOString(),
      });
      const downgrade = changed.invoice!;
      expect(downgrade.total.amount).toBeLessThan(0);
      expect(downgrade.amountDue.amount).toBe(0);
      expect(downgrade.endingBalance.amount).toBe(downgrade.total.amount);

      const finalized = await bed.billing.invoices.finalize(ctx, downgrade.id);
      expect(finalized.status).toBe('paid'); // nothing was due
      expect(await ledger(customerId)).toEqual([['invoice_overpaid', downgrade.total.amount]]);
      const credit = await balanceOf(customerId);
      expect(credit).toBe(finalized.endingBalance.amount);

      // The upcoming renewal starts from the credit: 30.00 minus what the customer holds.
      const upcoming = await bed.billing.invoices.upcoming(ctx, { subscription: subscriptionId });
      expect(upcoming.startingBalance.amount).toBe(credit);
      expect(upcoming.total.amount).toBe(3000);
      expect(upcoming.amountDue.amount).toBe(3000 + credit);

      now = new Date('2026-02-01T12:00:00.000Z');
      await bed.billing.billingRuns.create(ctx, { upTo: now.toISOString() });
      const cycle = await bed.billing.invoices.list(ctx, {
        limit: 10,
        subscription: subscriptionId,
        status: 'draft',
      });
      const renewal = cycle.data.find((i) => i.billingReason === 'subscription_cycle')!;
      expect(renewal).toMatchObject({
        subscriptionId,
        billingReason: 'subscription_cycle',
        startingBalance: { amount: credit },
        amountDue: { amount: 3000 + credit },
      });
      const open = await bed.billing.invoices.finalize(ctx, renewal.id);
      expect(open.amountDue.amount).toBe(3000 + credit);
      expect(await ledger(customerId)).toEqual([
        ['invoice_overpaid', downgrade.total.amount],
        ['applied_to_invoice', -credit],
      ]);
      expect(await balanceOf(customerId)).toBe(0);
    });

    it('adds a credit note to customer_balance to the balance, and the next one-off invoice uses it', async () => {
      const { id: customerId } = await customer();
      const draft = await bed.billing.invoices.create(ctx, { customer: customerId, items: [{ price }] });
      const open = await bed.billing.invoices.finalize(ctx, draft.id);
      await bed.billing.invoices.pay(ctx, open.id, { paidOutOfBand: true });
      const note = await bed.billing.invoices.createCreditNote(ctx, {
        invoice: open.id,
        lines: [{ invoiceLine: open.lines[0]!.id, amount: 2000 }],
        creditTo: 'customer_balance',
      });
      expect(note).toMatchObject({
        creditTo: 'customer_balance',
        type: 'post_payment',
        total: { amount: 2205 },
      });
      expect(await ledger(customerId)).toEqual([['credit_note', -2205]]);
      expect(await balanceOf(customerId)).toBe(-2205);

      const next = await bed.billing.invoices.create(ctx, { customer: customerId, items: [{ price }] });
      expect(next).toMatchObject({ startingBalance: { amount: -2205 }, amountDue: { amount: 11025 - 2205 } });
    });

    it('gives the balance an invoice used back when the invoice is voided', async () => {
      const { id: customerId } = await customer();
      await bed.billing.balance.create(ctx, customerId, { amount: -1000, description: 'Goodwill' });
      const draft = await bed.billing.invoices.create(ctx, { customer: customerId, items: [{ price }] });
      const open = await bed.billing.invoices.finalize(ctx, draft.id);
      expect(open.amountDue.amount).toBe(11025 - 1000);
      expect(await balanceOf(customerId)).toBe(0);
      await bed.billing.invoices.void(ctx, open.id);
      expect(await ledger(customerId)).toEqual([
        ['adjustment', -1000],
        ['applied_to_invoice', 1000],
        ['adjustment', -1000],
      ]);
      expect(await balanceOf(customerId)).toBe(-1000);
    });
  });

  describe('the upcoming invoice', () => {
    it('previews the next period without storing anything and refuses an unknown subscription', async () => {
      now = new Date('2026-03-01T00:00:00.000Z');
      const { id: customerId } = await customer();
      const { subscription } = await bed.billing.subscriptions.create(ctx, {
        customer: customerId,
        items: [{ price: plan30 }],
        startAt: '2026-03-01T00:00:00.000Z',
      });
      const preview = await bed.billing.invoices.upcoming(ctx, { subscription: subscription.id });
      expect(preview).toMatchObject({ id: 'upcoming', periodStart: '2026-04-01T00:00:00.000Z' });
      expect(preview.total.amount).toBeGreaterThan(3000); // taxed
      expect(
        await bed.billing.invoices.list(ctx, { limit: 10, subscription: subscription.id }),
      ).toMatchObject({
        data: [{ billingReason: 'subscription_create' }],
      });
      // Unchanged inputs: the same preview object.
      expect(await bed.billing.invoices.upcoming(ctx, { subscription: subscription.id })).toBe(preview);
      const error = await failure(bed.billing.invoices.upcoming(ctx, { subscription: 'sub_missing' }));
      expect([error.code, error.message]).toEqual([
        'WORKFLOW_NOT_FOUND',
        "No such subscription: 'sub_missing'",
      ]);
    });
  });
});
