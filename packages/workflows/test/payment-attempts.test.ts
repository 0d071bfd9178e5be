import type { PaymentGateway, PaymentIntent } from '@billkit/billing-core';
import { sampleRateTable } from '@billkit/tax';
import { signWebhookPayload } from '@billkit/tilled';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkflowError, type OperationContext, WorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const PARALLEL = 50;
const chicago = { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A gateway like Tilled as billkit uses it: a repeat of an attempt id finds the intent already made for it
 * (the attempt id is the idempotency key), every other call makes a charge. Slow (`delayMs`), and able to
 * hold calls (`hold`) until released, like a gateway whose answer is on its way back. `pm_ach` payments stay
 * processing until `settle`; `pm_decline` declines.
 */
function countingGateway(delayMs = 20) {
  const intents = new Map<string, PaymentIntent>();
  const byAttempt = new Map<string, string>();
  const calls: string[] = [];
  const held: (() => void)[] = [];
  const state = { hold: false };
  const gateway: PaymentGateway = {
    createCustomer: async () => ({ gatewayCustomerId: 'gcus_1' }),
    attachPaymentMethod: async () => ({ paymentMethodId: 'pm_1' }),
    async createPaymentIntent(input) {
      calls.push(input.idempotencyKey);
      const known = byAttempt.get(input.idempotencyKey);
      let intent = known ? intents.get(known) : undefined;
      if (!intent) {
        const id = `pi_${intents.size + 1}_${input.metadata.invoiceId}`;
        intent = {
          id,
          status:
            input.paymentMethodId === 'pm_ach'
              ? 'processing'
              : input.paymentMethodId === 'pm_decline'
                ? 'requires_payment_method'
                : 'succeeded',
          amount: input.amount,
          metadata: input.metadata,
          ...(input.paymentMethodId === 'pm_decline' ? { failureCode: 'do_not_honor' } : {}),
        };
        intents.set(id, intent);
        byAttempt.set(input.idempotencyKey, id);
      }
      if (state.hold) await new Promise<void>((resolve) => held.push(resolve));
      await sleep(delayMs);
      return intent;
    },
    refund: async () => {
      throw new Error('not used');
    },
    async getPaymentIntent(id) {
      const intent = intents.get(id);
      if (!intent) throw Object.assign(new Error(`No payment intent ${id}`), { code: 'TILLED_NOT_FOUND' });
      return intent;
    },
  };
  /** Charges (succeeded or processing intents) made for the invoice. */
  const chargesOf = (invoiceId: string) =>
    [...intents.values()].filter(
      (i) => i.metadata.invoiceId === invoiceId && (i.status === 'succeeded' || i.status === 'processing'),
    );
  const release = () => {
    state.hold = false;
    for (const resume of held.splice(0)) resume();
  };
  const settle = (intentId: string) => {
    const intent = intents.get(intentId);
    if (intent) intents.set(intentId, { ...intent, status: 'succeeded' });
  };
  return { gateway, calls, state, chargesOf, release, settle, intents };
}

async function outcomeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (isWorkflowError(error)) return error.code;
    return String((error as { code?: unknown }).code ?? error);
  }
}

function tally(outcomes: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return counts;
}

describe.each(backends())('payment attempts on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: OperationContext;
  let price: string;
  const tilled = countingGateway();

  beforeAll(async () => {
    bed = await open({
      gateways: () => tilled.gateway,
      dunning: { scheduleDays: [1], finalAction: 'cancel' },
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
  });
  afterAll(() => bed.close());

  /** A finalized $110.25 one-off invoice. */
  async function openInvoice() {
    const customer = await bed.billing.customers.create(ctx, { currency: 'USD', address: chicago });
    const draft = await bed.billing.invoices.create(ctx, { customer: customer.id, items: [{ price }] });
    return bed.billing.invoices.finalize(ctx, draft.id);
  }
  const attempts = (invoiceId: string) =>
    bed.store.forTenant(ctx.tenantId).list('payment_attempt', { limit: 100, where: { invoiceId } });

  it.each([
    ['without idempotency keys', false],
    ['with 50 different idempotency keys', true],
  ])(
    'charges an invoice once when 50 payments of it race (%s); the others are told it is in flight or paid',
    async (_name, keyed) => {
      const invoice = await openInvoice();
      const outcomes = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          outcomeOf(
            bed.billing.invoices.pay(
              keyed ? { ...ctx, idempotencyKey: `race-${invoice.id}-${i}` } : ctx,
              invoice.id,
              {
                paymentMethod: i % 2 === 0 ? 'pm_card' : 'pm_card_2',
              },
            ),
          ),
        ),
      );
      expect(tilled.chargesOf(invoice.id)).toHaveLength(1);
      expect(tilled.calls.filter((c) => c.startsWith(invoice.id))).toEqual([`${invoice.id}_attempt_1`]);
      const counts = tally(outcomes);
      expect(counts.ok).toBe(1);
      expect((counts.WORKFLOW_CONFLICT ?? 0) + (counts.WORKFLOW_INVALID_STATE ?? 0)).toBe(PARALLEL - 1);
      expect(await bed.billing.invoices.retrieve(ctx, invoice.id)).toMatchObject({
        status: 'paid',
        amountPaid: { amount: 11025 },
        paymentAttempts: 1,
      });
      expect((await attempts(invoice.id)).data).toMatchObject([
        {
          id: `${invoice.id}_attempt_1`,
          status: 'succeeded',
          amount: 11025,
          gatewayCalls: 1,
          leaseUntil: null,
        },
      ]);
    },
  );

  it('refuses every other change of the invoice while an ACH payment of it is processing, and lets it settle', async () => {
    const invoice = await openInvoice();
    const pending = await bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_ach' });
    expect(pending.status).toBe('open');
    const line = invoice.lines[0]!.id;
    const refusals = await Promise.all([
      ...Array.from({ length: 10 }, () =>
        bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_card' }).catch((e) => e),
      ),
      bed.billing.invoices.pay(ctx, invoice.id, { paidOutOfBand: true }).catch((e) => e),
      bed.billing.invoices.void(ctx, invoice.id).catch((e) => e),
      bed.billing.invoices.markUncollectible(ctx, invoice.id).catch((e) => e),
      bed.billing.invoices
        .createCreditNote(ctx, { invoice: invoice.id, lines: [{ invoiceLine: line }] })
        .catch((e) => e),
    ]);
    for (const error of refusals) {
      expect(error).toBeInstanceOf(WorkflowError);
      expect([error.code, error.details.reason]).toEqual(['WORKFLOW_CONFLICT', 'payment_in_flight']);
      expect(error.message).toMatch(/in flight \(.*_attempt_1, processing at the gateway\)/);
    }
    expect(tilled.chargesOf(invoice.id)).toHaveLength(1);

    // The bank settles the debit; the gateway's event pays the invoice and frees it.
    const [intent] = tilled.chargesOf(invoice.id);
    tilled.settle(intent!.id);
    const body = JSON.stringify({
      id: `evt_ach_${invoice.id}`,
      account_id: 'acct_a',
      type: 'payment_intent.succeeded',
      data: {
        id: intent!.id,
        metadata: { billkit_invoice_id: invoice.id, billkit_attempt_id: `${invoice.id}_attempt_1` },
      },
      created_at: new Date().toISOString(),
    });
    const receipt = await bed.billing.gatewayEvents.receive({
      rawBody: body,
      signature: signWebhookPayload(body, 'whsec', Date.now()),
      routing: () => ({ tenantId: ctx.tenantId, secrets: ['whsec'] }),
    });
    await bed.billing.gatewayEvents.apply(ctx, receipt.stored.id);
    expect(await bed.billing.invoices.retrieve(ctx, invoice.id)).toMatchObject({ status: 'paid' });
    expect((await attempts(invoice.id)).data).toMatchObject([{ status: 'succeeded' }]);
    const again = await outcomeOf(bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_card' }));
    expect(again).toBe('WORKFLOW_INVALID_STATE');
  });

  it('refuses to void while the payment waits on the gateway; the payment then pays the invoice', async () => {
    const invoice = await openInvoice();
    tilled.state.hold = true;
    const paying = bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_card' });
    while (!tilled.calls.includes(`${invoice.id}_attempt_1`)) await sleep(5);
    const voids = await Promise.all(
      Array.from({ length: 10 }, () => outcomeOf(bed.billing.invoices.void(ctx, invoice.id))),
    );
    expect(tally(voids)).toEqual({ WORKFLOW_CONFLICT: 10 });
    tilled.release();
    expect(await paying).toMatchObject({ status: 'paid', amountPaid: { amount: 11025 } });
    expect(tilled.chargesOf(invoice.id)).toHaveLength(1);
    // Paid: now a void is the invoice's own rule's to refuse.
    expect(await outcomeOf(bed.billing.invoices.void(ctx, invoice.id))).toBe(
      'BILLING_ILLEGAL_INVOICE_TRANSITION',
    );
  });

  it('resumes an attempt its dead holder left pending, after the lease, with the same attempt id: the gateway finds the first charge', async () => {
    const invoice = await openInvoice();
    tilled.state.hold = true;
    // The first holder reaches the gateway (which charges) and then never hears back: say its process died.
    const first = bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_card' });
    while (!tilled.calls.includes(`${invoice.id}_attempt_1`)) await sleep(5);
    expect(await outcomeOf(bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_other' }))).toBe(
      'WORKFLOW_CONFLICT',
    );
    // Its lease runs out.
    const tenant = bed.store.forTenant(ctx.tenantId);
    await tenant.transaction(async (tx) => {
      const attempt = await tx.getForUpdate('payment_attempt', `${invoice.id}_attempt_1`);
      await tx.update('payment_attempt', {
        ...attempt!,
        leaseUntil: new Date(Date.now() - 1000).toISOString(),
      });
    });
    tilled.state.hold = false;
    const resumed = await bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_other' });
    expect(resumed).toMatchObject({
      status: 'paid',
      amountPaid: { amount: 11025 },
      paymentMethodId: 'pm_card',
    });
    expect(tilled.calls.filter((c) => c.startsWith(invoice.id))).toEqual([
      `${invoice.id}_attempt_1`,
      `${invoice.id}_attempt_1`,
    ]);
    expect(tilled.chargesOf(invoice.id)).toHaveLength(1);
    expect((await attempts(invoice.id)).data).toMatchObject([{ status: 'succeeded', gatewayCalls: 2 }]);
    const audit = (await bed.billing.audit.list(ctx, { limit: 100, entityId: invoice.id })).data.map(
      (e) => e.type,
    );
    expect(audit).toContain('invoice.payment_attempt_resumed');
    // The first holder hears back late: nothing is applied twice.
    tilled.release();
    expect(await first).toMatchObject({ status: 'paid', amountPaid: { amount: 11025 } });
    expect((await bed.billing.invoices.retrieve(ctx, invoice.id)).paymentAttempts).toBe(1);
    expect(audit.filter((t) => t === 'invoice.paid')).toHaveLength(1);
  });

  it('issues one of 50 racing full credit notes; together they never credit more than the invoice', async () => {
    const invoice = await openInvoice();
    const line = invoice.lines[0]!.id;
    const outcomes = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        outcomeOf(
          bed.billing.invoices.createCreditNote(ctx, { invoice: invoice.id, lines: [{ invoiceLine: line }] }),
        ),
      ),
    );
    expect(tally(outcomes)).toEqual({ ok: 1, BILLING_CREDIT_EXCEEDS_INVOICE: PARALLEL - 1 });
    const notes = await bed.billing.invoices.listCreditNotes(ctx, { limit: 100, invoice: invoice.id });
    expect(notes.data.reduce((s, n) => s + n.total.amount, 0)).toBe(invoice.total.amount);
  });

  it('retries a failed invoice once when dunning passes run in parallel and payments race beside them', async () => {
    const invoice = await openInvoice();
    const declined = await outcomeOf(
      bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_decline' }),
    );
    expect(declined).toBe('WORKFLOW_PAYMENT_FAILED');
    // The card is good again: the retry charges it.
    const before = (await bed.billing.invoices.retrieve(ctx, invoice.id)).paymentMethodId;
    expect(before).toBe('pm_decline');
    await bed.store.forTenant(ctx.tenantId).transaction(async (tx) => {
      const locked = await tx.getForUpdate('invoice', invoice.id);
      await tx.update('invoice', { ...locked!, paymentMethodId: 'pm_card' });
    });
    const now = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        i % 5 === 0
          ? outcomeOf(bed.billing.invoices.pay(ctx, invoice.id, { paymentMethod: 'pm_card' }))
          : bed.billing.dunning.run(ctx, { now }).then(
              (summary) =>
                summary.outcomes
                  .filter((o) => o.invoiceId === invoice.id)
                  .map((o) => o.action)
                  .join(',') || 'none',
            ),
      ),
    );
    expect(tilled.chargesOf(invoice.id)).toHaveLength(1);
    expect(results.filter((r) => r === 'ok' || r === 'retried').length).toBe(1);
    expect(await bed.billing.invoices.retrieve(ctx, invoice.id)).toMatchObject({
      status: 'paid',
      amountPaid: { amount: 11025 },
    });
  });
});
