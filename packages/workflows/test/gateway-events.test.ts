import type { PaymentGateway, PaymentIntent } from '@billkit/billing-core';
import { sampleRateTable } from '@billkit/tax';
import { signWebhookPayload } from '@billkit/tilled';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayAccountRoute, isWorkflowError, type OperationContext } from '../src/index.js';
import { backends, type TestBed } from './support.js';

const ACCOUNT = 'acct_tenant_a';
const SECRET = 'whsec_test';
const routing = (accountId: string): GatewayAccountRoute | null =>
  accountId === ACCOUNT ? { tenantId: 'ten_a', secrets: ['whsec_old', SECRET] } : null;

/**
 * A gateway whose payments stay `processing` (ACH) until the bank settles them (`settle`); it holds its
 * intents, so an event's intent can be fetched, and records refunds. `failNextFetch` makes the next
 * `getPaymentIntent` time out.
 */
function achGateway() {
  const intents = new Map<string, PaymentIntent>();
  const refunds: { paymentIntentId: string; amount: number; idempotencyKey: string }[] = [];
  const state = { failNextFetch: false };
  const gateway: PaymentGateway = {
    createCustomer: async () => ({ gatewayCustomerId: 'gcus_1' }),
    attachPaymentMethod: async () => ({ paymentMethodId: 'pm_1' }),
    async createPaymentIntent(input) {
      const id = `pi_${input.metadata.attemptId}`;
      const intent: PaymentIntent = intents.get(id) ?? {
        id,
        status: 'processing',
        amount: input.amount,
        metadata: input.metadata,
      };
      intents.set(id, intent);
      return intent;
    },
    async refund(input) {
      refunds.push({
        paymentIntentId: input.paymentIntentId,
        amount: input.amount.amount,
        idempotencyKey: input.idempotencyKey,
      });
      return {
        id: `re_${refunds.length}`,
        paymentIntentId: input.paymentIntentId,
        amount: input.amount,
        status: 'pending',
      };
    },
    async getPaymentIntent(id) {
      if (state.failNextFetch) {
        state.failNextFetch = false;
        throw Object.assign(new Error('timed out'), { code: 'TILLED_TIMEOUT' });
      }
      const intent = intents.get(id);
      if (!intent)
        throw Object.assign(new Error(`No payment intent ${id}`), { code: 'TILLED_NOT_FOUND', status: 404 });
      return intent;
    },
  };
  /** The bank's answer for the intent of `invoiceId`'s first attempt. */
  const settle = (
    invoiceId: string,
    status: 'succeeded' | 'requires_payment_method',
    failureCode?: string,
  ) => {
    const id = `pi_${invoiceId}_attempt_1`;
    const intent = intents.get(id);
    if (!intent) throw new Error(`no intent ${id}`);
    intents.set(id, { ...intent, status, ...(failureCode ? { failureCode } : {}) });
  };
  return { gateway, intents, refunds, state, settle };
}

let events = 0;

/** A Tilled event about a payment intent of `invoiceId`, signed now with the account's secret. */
function delivery(type: string, invoiceId: string, data: Record<string, unknown> = {}) {
  events += 1;
  const body = JSON.stringify({
    id: `evt_${events}_${invoiceId}`,
    account_id: ACCOUNT,
    type,
    data: {
      id: `pi_${invoiceId}_attempt_1`,
      metadata: { billkit_invoice_id: invoiceId, billkit_attempt_id: `${invoiceId}_attempt_1` },
      ...data,
    },
    created_at: new Date(Date.now() - 2000).toISOString(),
  });
  return { rawBody: body, signature: signWebhookPayload(body, SECRET, Date.now()), routing };
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isWorkflowError(error)) throw new Error(`expected a WorkflowError, got ${String(error)}`);
  return { code: error.code, reason: error.details.reason, message: error.message };
}

describe.each(backends())('gateway events on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: OperationContext;
  let price: string;
  const ach = achGateway();

  beforeAll(async () => {
    bed = await open({ gateways: () => ach.gateway });
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

  /** An open invoice whose ACH payment is processing. */
  async function processingInvoice(): Promise<string> {
    const customer = await bed.billing.customers.create(ctx, {
      currency: 'USD',
      address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' },
    });
    const draft = await bed.billing.invoices.create(ctx, { customer: customer.id, items: [{ price }] });
    await bed.billing.invoices.finalize(ctx, draft.id);
    const pending = await bed.billing.invoices.pay(ctx, draft.id, { paymentMethod: 'pm_ach' });
    expect(pending.status).toBe('open');
    return draft.id;
  }

  it('stores a verified event once and settles its invoice once, as webhook:tilled', async () => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    const input = delivery('payment_intent.succeeded', id);
    const receipt = await bed.billing.gatewayEvents.receive(input);
    expect(receipt).toMatchObject({ tenantId: 'ten_a', type: 'payment_intent.succeeded', duplicate: false });
    expect(receipt.stored).toMatchObject({
      rawBody: input.rawBody,
      signature: input.signature,
      processedAt: null,
    });

    const applied = await bed.billing.gatewayEvents.apply({ tenantId: receipt.tenantId }, receipt.stored.id);
    expect(applied.applied).toBe(true);
    expect(applied.lagSeconds).toBeGreaterThanOrEqual(0);
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');
    const paid = (await bed.billing.audit.list(ctx, { limit: 100, entityId: id })).data.find(
      (e) => e.type === 'invoice.paid',
    );
    expect(paid).toMatchObject({ actor: 'webhook:tilled', data: { webhookEventId: receipt.eventId } });

    const again = await bed.billing.gatewayEvents.receive(input);
    expect(again).toMatchObject({ duplicate: true, stored: { id: receipt.stored.id } });
    expect(again.stored.processedAt).not.toBeNull();
    expect((await bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, receipt.stored.id)).applied).toBe(
      false,
    );
    const audit = await bed.billing.audit.list(ctx, { limit: 100, entityId: id });
    expect(audit.data.filter((e) => e.type === 'invoice.paid')).toHaveLength(1);
  });

  it('records a failed payment on the open invoice', async () => {
    const id = await processingInvoice();
    ach.settle(id, 'requires_payment_method', 'insufficient_funds');
    const receipt = await bed.billing.gatewayEvents.receive(
      delivery('payment_intent.payment_failed', id, { last_payment_error: { code: 'insufficient_funds' } }),
    );
    await bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, receipt.stored.id);
    expect(await bed.billing.invoices.retrieve(ctx, id)).toMatchObject({
      status: 'open',
      lastPaymentError: 'insufficient_funds',
    });
  });

  /** Receives and applies a delivery; the stored event afterwards. */
  async function deliver(input: ReturnType<typeof delivery>) {
    const receipt = await bed.billing.gatewayEvents.receive(input);
    const applied = await bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, receipt.stored.id);
    const stored = await bed.store.forTenant('ten_a').get('webhook_event', receipt.stored.id);
    return { applied, stored };
  }
  const auditOf = async (id: string) =>
    (await bed.billing.audit.list(ctx, { limit: 100, entityId: id })).data.map((e) => e.type);

  it.each([
    [
      'a payment intent the gateway never created',
      (id: string) => ({ id: `pi_never_${id}`, amount: 1 }),
      (id: string) => `the gateway has no payment intent pi_never_${id}`,
    ],
    [
      'an amount other than the gateway holds',
      () => ({ amount: 1 }),
      () => 'the event says amount 1, the gateway 11025',
    ],
  ])(
    'does not apply a signed succeeded event about %s: the event keeps the error, the audit trail says why, the invoice is unchanged',
    async (_name, data, reason) => {
      const id = await processingInvoice();
      ach.settle(id, 'succeeded');
      const { applied, stored } = await deliver(delivery('payment_intent.succeeded', id, data(id)));
      expect(applied).toMatchObject({ applied: false, rejection: reason(id) });
      expect(stored).toMatchObject({ processingError: reason(id) });
      expect(stored?.processedAt).not.toBeNull();
      expect(await bed.billing.invoices.retrieve(ctx, id)).toMatchObject({
        status: 'open',
        amountPaid: { amount: 0 },
      });
      expect(await auditOf(id)).toContain('gateway_event.rejected');
      expect(await auditOf(id)).not.toContain('invoice.paid');
    },
  );

  it('applies what the gateway says, not what the event says: a succeeded event for a still processing intent pays nothing', async () => {
    const id = await processingInvoice();
    const { applied } = await deliver(delivery('payment_intent.succeeded', id));
    expect(applied.applied).toBe(true);
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('open');
    // The bank settles it later; its event then pays the invoice.
    ach.settle(id, 'succeeded');
    await deliver(delivery('payment_intent.succeeded', id));
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');
  });

  it('leaves an event unprocessed when the gateway cannot be asked (a timeout): a replay applies it', async () => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    ach.state.failNextFetch = true;
    const input = delivery('payment_intent.succeeded', id);
    const receipt = await bed.billing.gatewayEvents.receive(input);
    const error = await bed.billing.gatewayEvents
      .apply({ tenantId: 'ten_a' }, receipt.stored.id)
      .catch((e) => e);
    expect((error as { code?: string }).code).toBe('TILLED_TIMEOUT');
    expect(await bed.store.forTenant('ten_a').get('webhook_event', receipt.stored.id)).toMatchObject({
      processedAt: null,
    });
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('open');
    const eventId = (JSON.parse(input.rawBody) as { id: string }).id;
    expect(await bed.billing.gatewayEvents.replay({ eventId })).toMatchObject({ processed: 1 });
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');
  });

  it('refunds (and audits) a charge that lands on an invoice that can no longer take it', async () => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    await deliver(delivery('payment_intent.succeeded', id));
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');
    // A second charge of the paid invoice, made behind billkit's back (no attempt of billkit's made it).
    const stray = `pi_stray_${id}`;
    ach.intents.set(stray, {
      id: stray,
      status: 'succeeded',
      amount: { amount: 11025, currency: 'USD' },
      metadata: { invoiceId: id, attemptId: `${id}_attempt_7` },
    });
    const { applied } = await deliver(
      delivery('payment_intent.succeeded', id, {
        id: stray,
        metadata: { billkit_invoice_id: id, billkit_attempt_id: `${id}_attempt_7` },
      }),
    );
    expect(applied.applied).toBe(true);
    expect(ach.refunds.filter((r) => r.paymentIntentId === stray)).toEqual([
      { paymentIntentId: stray, amount: 11025, idempotencyKey: `${id}_attempt_7_refund` },
    ]);
    const invoice = await bed.billing.invoices.retrieve(ctx, id);
    expect(invoice).toMatchObject({ status: 'paid', amountPaid: { amount: 11025 } });
    expect(await auditOf(id)).toEqual(
      expect.arrayContaining(['invoice.payment_unapplied', 'invoice.payment_refunded']),
    );
  });

  it.each([
    ['an event type it does not act on', () => delivery('customer.updated', 'in_none', { metadata: null })],
    ['a charge event of an invoice', (id: string) => delivery('charge.succeeded', id, { id: `ch_${id}` })],
  ])('stores %s as processed at receipt: nothing is left to apply', async (_name, input) => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    const receipt = await bed.billing.gatewayEvents.receive(input(id));
    expect(receipt.stored.processedAt).not.toBeNull();
    expect(await bed.store.forTenant('ten_a').get('webhook_event', receipt.stored.id)).toMatchObject({
      processedAt: receipt.stored.processedAt,
      processingError: null,
    });
    expect((await bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, receipt.stored)).applied).toBe(
      false,
    );
    // Only the payment intent's own event moves the invoice.
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('open');
  });

  it("applies from the receipt's record, trusting only the event as stored: a record naming another intent changes nothing", async () => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    const receipt = await bed.billing.gatewayEvents.receive(delivery('payment_intent.succeeded', id));
    const body = JSON.parse(receipt.stored.rawBody) as { data: Record<string, unknown> };
    const misleading = {
      ...receipt.stored,
      rawBody: JSON.stringify({ ...body, data: { ...body.data, id: `pi_never_${id}` } }),
    };
    const applied = await bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, misleading);
    expect(applied).toMatchObject({ applied: true, type: 'payment_intent.succeeded' });
    expect(applied.rejection).toBeUndefined();
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');
  });

  it("trusts only the event as stored when the receipt's own record is changed before it is applied", async () => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    const receipt = await bed.billing.gatewayEvents.receive(delivery('payment_intent.succeeded', id));
    const body = JSON.parse(receipt.stored.rawBody) as { data: Record<string, unknown> };
    // The same object `receive` returned (and parsed), its body swapped for one naming another intent.
    const record = receipt.stored as { rawBody: string };
    record.rawBody = JSON.stringify({ ...body, data: { ...body.data, id: `pi_never_${id}` } });
    const applied = await bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, receipt.stored);
    expect(applied).toMatchObject({ applied: true, type: 'payment_intent.succeeded' });
    expect(applied.rejection).toBeUndefined();
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');
  });

  it.each([
    ['a body that is not JSON', { rawBody: '{oops' }, 'malformed', 'The webhook body is not a Tilled event'],
    [
      'a body that is not an event',
      { rawBody: '{"id":"evt_1"}' },
      'malformed',
      'The webhook body is not a Tilled event',
    ],
    [
      'an account no tenant receives',
      { rawBody: JSON.stringify({ id: 'evt_x', account_id: 'acct_other', type: 't', data: {} }) },
      'unknown_account',
      'No tenant receives events of account acct_other',
    ],
    [
      'a bad signature',
      {
        rawBody: JSON.stringify({ id: 'evt_x', account_id: ACCOUNT, type: 't', data: {} }),
        signature: `t=${Date.now()},v1=${'0'.repeat(64)}`,
      },
      'invalid_signature',
      'Signature rejected: TILLED_WEBHOOK_NO_MATCHING_SIGNATURE',
    ],
  ])('rejects %s (WORKFLOW_GATEWAY_EVENT_REJECTED)', async (_name, input, reason, message) => {
    const outcome = await rejection(
      bed.billing.gatewayEvents.receive({ signature: undefined, routing, ...input }),
    );
    expect(outcome).toEqual({ code: 'WORKFLOW_GATEWAY_EVENT_REJECTED', reason, message });
  });

  it('rejects a signature older than the tolerance', async () => {
    const input = delivery('payment_intent.succeeded', 'in_old');
    const late = new Date(Date.now() + 10 * 60_000);
    const outcome = await rejection(bed.billing.gatewayEvents.receive({ ...input, now: late }));
    expect(outcome.reason).toBe('invalid_signature');
  });

  it('keeps the error on a stored event that cannot be applied', async () => {
    const at = new Date().toISOString();
    const stored = {
      id: 'whevt_broken',
      provider: 'tilled' as const,
      eventId: 'evt_broken',
      type: 'payment_intent.succeeded',
      rawBody: 'not json',
      signature: null,
      receivedAt: at,
      processedAt: null,
      processingError: null,
      createdAt: at,
      updatedAt: at,
    };
    await bed.store.forTenant('ten_a').recordWebhook(stored);
    const outcome = await rejection(bed.billing.gatewayEvents.apply({ tenantId: 'ten_a' }, stored.id));
    expect(outcome.reason).toBe('malformed');
    expect(await bed.store.forTenant('ten_a').get('webhook_event', stored.id)).toMatchObject({
      processedAt: null,
      processingError: 'The webhook body is not a Tilled event',
    });
  });

  it('replays only what was never processed, and nothing twice', async () => {
    const id = await processingInvoice();
    ach.settle(id, 'succeeded');
    const event = delivery('payment_intent.succeeded', id);
    const eventId = (JSON.parse(event.rawBody) as { id: string }).id;
    const at = new Date().toISOString();
    // The event reached the log but its processing never ran (say the process died).
    await bed.store.forTenant('ten_a').recordWebhook({
      id: `whevt_replay_${id}`,
      provider: 'tilled',
      eventId,
      type: 'payment_intent.succeeded',
      rawBody: event.rawBody,
      signature: null,
      receivedAt: at,
      processedAt: null,
      processingError: null,
      createdAt: at,
      updatedAt: at,
    });
    const progress: string[] = [];
    const first = await bed.billing.gatewayEvents.replay({ tenant: 'ten_a' }, (done, total) =>
      progress.push(`${done}/${total}`),
    );
    expect(first.processed).toBe(1);
    // The broken event of the test above fails again and is reported; the others were processed before.
    expect(first.failed).toEqual([
      { tenant: 'ten_a', eventId: 'evt_broken', error: 'The webhook body is not a Tilled event' },
    ]);
    expect(first.alreadyProcessed).toBe(first.selected - 2);
    expect(progress.at(-1)).toBe(`${first.selected}/${first.selected}`);
    expect((await bed.billing.invoices.retrieve(ctx, id)).status).toBe('paid');

    const second = await bed.billing.gatewayEvents.replay({ tenant: 'ten_a' });
    expect(second).toMatchObject({ selected: first.selected, processed: 0 });
    expect(await bed.billing.gatewayEvents.replay({ eventId })).toMatchObject({
      selected: 1,
      processed: 0,
      alreadyProcessed: 1,
    });
    const future = await bed.billing.gatewayEvents.replay({
      since: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(future.selected).toBe(0);
  });
});
