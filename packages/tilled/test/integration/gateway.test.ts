import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { money } from '@billkit/money';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  constructWebhookEvent,
  isTilledError,
  readBillkitMetadata,
  type TilledEvent,
  TilledGateway,
} from '../../src/index.js';
import { clientFor, type FakeTilled, startFake, WEBHOOK_SECRET } from './fake.js';

let fake: FakeTilled;
let gateway: TilledGateway;

beforeEach(async () => {
  fake = await startFake();
  gateway = new TilledGateway({ client: clientFor(fake, { timeoutMs: 300 }), tenantId: 'acme' });
});
afterEach(async () => {
  await fake.close();
});

const createIntentRequests = () =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment-intents');

async function customerWith(type: 'card' | 'ach_debit' = 'card') {
  const { gatewayCustomerId } = await gateway.createCustomer({
    customerId: 'cust_1',
    email: 'ada@example.com',
    name: 'Ada King Lovelace',
  });
  const seeded = fake.seedPaymentMethod({ type });
  const { paymentMethodId } = await gateway.attachPaymentMethod({
    gatewayCustomerId,
    paymentMethodToken: seeded.id,
  });
  return { gatewayCustomerId, paymentMethodId };
}

const charge = (
  ids: { gatewayCustomerId: string; paymentMethodId: string },
  attemptId = 'in_1-1',
  amount = money(4999, 'USD'),
) =>
  gateway.createPaymentIntent({
    ...ids,
    amount,
    metadata: { invoiceId: 'in_1', attemptId },
    idempotencyKey: attemptId,
  });

describe('TilledGateway', () => {
  it('creates a customer named and tagged with billkit ids', async () => {
    const { gatewayCustomerId } = await gateway.createCustomer({
      customerId: 'cust_9',
      email: 'a@b.c',
      name: 'Ada King Lovelace',
    });
    expect(fake.customers.get(gatewayCustomerId)).toMatchObject({
      email: 'a@b.c',
      first_name: 'Ada',
      last_name: 'King Lovelace',
      metadata: { billkit_customer_id: 'cust_9', billkit_tenant_id: 'acme' },
    });
  });

  it('turns a Tilled.js payment token into a payment method and attaches it', async () => {
    const { gatewayCustomerId } = await gateway.createCustomer({ customerId: 'cust_1' });
    const { paymentMethodId } = await gateway.attachPaymentMethod({
      gatewayCustomerId,
      paymentMethodToken: 'tok_from_tilled_js',
    });
    expect(paymentMethodId).toMatch(/^pm_/);
    expect(fake.paymentMethods.get(paymentMethodId)).toMatchObject({
      type: 'card',
      customer_id: gatewayCustomerId,
    });
  });

  it('charges an invoice: succeeded, with invoice/attempt/tenant ids in metadata and merchant_recurring', async () => {
    const intent = await charge(await customerWith());
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: { amount: 4999, currency: 'USD' },
      metadata: { invoiceId: 'in_1', attemptId: 'in_1-1', billkit_tenant_id: 'acme' },
    });
    expect(intent.failureCode).toBeUndefined();
    expect(createIntentRequests()[0]?.body).toMatchObject({
      amount: 4999,
      currency: 'usd',
      confirm: true,
      capture_method: 'automatic',
      occurrence_type: 'merchant_recurring',
      payment_method_types: ['card'],
      metadata: { billkit_invoice_id: 'in_1', billkit_attempt_id: 'in_1-1', billkit_tenant_id: 'acme' },
    });
  });

  it('returns a decline as requires_payment_method with the decline code', async () => {
    const ids = await customerWith();
    fake.script({ type: 'decline', code: 'insufficient_funds' });
    const intent = await charge(ids);
    expect(intent).toMatchObject({ status: 'requires_payment_method', failureCode: 'insufficient_funds' });
    expect(intent.failureMessage).toBeDefined();
  });

  it('charges a zero-decimal currency in whole units (JPY 500 = 500)', async () => {
    const intent = await charge(await customerWith(), 'in_1-1', money(500, 'JPY'));
    expect(intent.amount).toEqual({ amount: 500, currency: 'JPY' });
    expect(createIntentRequests()[0]?.body).toMatchObject({ amount: 500, currency: 'jpy' });
  });

  it('refuses a currency Tilled does not take before any request', async () => {
    const ids = await customerWith();
    const before = fake.requests.length;
    await expect(charge(ids, 'in_1-1', money(1000, 'KWD'))).rejects.toMatchObject({
      code: 'TILLED_AMOUNT_NOT_CHARGEABLE',
    });
    expect(fake.requests.length).toBe(before);
  });

  it('refuses a payment method that belongs to another customer', async () => {
    const ids = await customerWith();
    const other = await gateway.createCustomer({ customerId: 'cust_2' });
    await expect(charge({ ...ids, gatewayCustomerId: other.gatewayCustomerId })).rejects.toMatchObject({
      code: 'TILLED_INVALID_REQUEST',
    });
    expect(fake.intents.size).toBe(0);
  });

  describe('retry-safe creation (no idempotency header: metadata lookup)', () => {
    it('when the create times out after Tilled made the intent, finds it instead of creating a second', async () => {
      const ids = await customerWith();
      fake.script({ type: 'timeout', process: true, match: { method: 'POST', path: '/v1/payment-intents' } });
      const intent = await charge(ids);
      expect(intent.status).toBe('succeeded');
      expect(fake.intents.size).toBe(1);
      expect([...fake.intents.keys()]).toEqual([intent.id]);
      expect(createIntentRequests()).toHaveLength(1);
    });

    it('sending the same attempt again returns the existing intent and never charges twice', async () => {
      const ids = await customerWith();
      const first = await charge(ids);
      const again = await charge(ids);
      expect(again.id).toBe(first.id);
      expect(fake.intents.size).toBe(1);
      expect(createIntentRequests()).toHaveLength(1);
    });

    it('a retry after a timeout (the caller retrying the whole call) still holds exactly one intent', async () => {
      // The create's answer is lost AND the network is down for the lookup right after it: the call
      // fails while Tilled holds the intent. The caller's retry with the same attempt must find it.
      let createSent = false;
      let lookupsToFail = 3;
      const flaky: typeof fetch = (input, init) => {
        const url = String(input);
        if (init?.method === 'POST' && url.endsWith('/v1/payment-intents')) createSent = true;
        else if (
          createSent &&
          init?.method === 'GET' &&
          url.includes('/v1/payment-intents?') &&
          lookupsToFail-- > 0
        ) {
          return Promise.reject(new TypeError('fetch failed'));
        }
        return fetch(input, init);
      };
      gateway = new TilledGateway({
        client: clientFor(fake, { timeoutMs: 300, fetch: flaky }),
        tenantId: 'acme',
      });
      const ids = await customerWith();
      fake.script({ type: 'timeout', process: true, match: { method: 'POST', path: '/v1/payment-intents' } });
      const error = await charge(ids).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'TILLED_NETWORK' });
      expect(isTilledError(error) && error.transient).toBe(true);
      expect(fake.intents.size).toBe(1);
      const retried = await charge(ids);
      expect(retried.status).toBe('succeeded');
      expect(fake.intents.size).toBe(1);
      expect(createIntentRequests()).toHaveLength(1);
    });

    it('when the create failed before Tilled did anything (500), the call fails and a retry creates exactly one', async () => {
      const ids = await customerWith();
      fake.script({ type: 'error', status: 500, match: { method: 'POST', path: '/v1/payment-intents' } });
      await expect(charge(ids)).rejects.toMatchObject({ code: 'TILLED_SERVER_ERROR' });
      expect(fake.intents.size).toBe(0);
      await charge(ids);
      expect(fake.intents.size).toBe(1);
    });

    it('a new attempt id (a dunning retry) creates a new intent', async () => {
      const ids = await customerWith();
      fake.script({ type: 'decline', code: 'do_not_honor' });
      const first = await charge(ids, 'in_1-1');
      const second = await charge(ids, 'in_1-2');
      expect(first.status).toBe('requires_payment_method');
      expect(second.status).toBe('succeeded');
      expect(fake.intents.size).toBe(2);
    });

    it('refuses to reuse an attempt id for a different amount', async () => {
      const ids = await customerWith();
      await charge(ids);
      await expect(charge(ids, 'in_1-1', money(5000, 'USD'))).rejects.toMatchObject({
        code: 'TILLED_IDEMPOTENCY_CONFLICT',
      });
      expect(fake.intents.size).toBe(1);
    });
  });

  it('ACH: processing first, then succeeded when the debit settles', async () => {
    const intent = await charge(await customerWith('ach_debit'));
    expect(intent.status).toBe('processing');
    fake.settleAch(intent.id, { outcome: 'succeeded' });
    expect((await gateway.getPaymentIntent(intent.id)).status).toBe('succeeded');
  });

  it('ACH: processing, then returned R01 → requires_payment_method with failureCode R01', async () => {
    const intent = await charge(await customerWith('ach_debit'));
    fake.settleAch(intent.id, { outcome: 'returned', code: 'R01' });
    expect(await gateway.getPaymentIntent(intent.id)).toMatchObject({
      status: 'requires_payment_method',
      failureCode: 'R01',
    });
  });

  it('refunds in full and reports the refund as pending', async () => {
    const intent = await charge(await customerWith());
    const refund = await gateway.refund({
      paymentIntentId: intent.id,
      amount: money(4999, 'USD'),
      idempotencyKey: 'cn_1',
    });
    expect(refund).toMatchObject({
      paymentIntentId: intent.id,
      amount: { amount: 4999, currency: 'USD' },
      status: 'pending',
    });
    expect(fake.refunds.get(refund.id)?.metadata).toEqual({
      billkit_tenant_id: 'acme',
      billkit_refund_key: 'cn_1',
    });
  });

  it('fetches the status of an intent, and refuses one billkit did not create', async () => {
    const intent = await charge(await customerWith());
    expect((await gateway.getPaymentIntent(intent.id)).id).toBe(intent.id);
    const foreign = await gateway.client.createPaymentIntent({
      amount: 100,
      currency: 'usd',
      payment_method_types: ['card'],
    });
    await expect(gateway.getPaymentIntent(foreign.id)).rejects.toMatchObject({
      code: 'TILLED_INVALID_RESPONSE',
    });
  });

  it('builds from environment variables', () => {
    const fromEnv = TilledGateway.fromEnv('acme', {
      TILLED_SECRET_KEY_ACME: 'sk_test_x',
      TILLED_ACCOUNT_ID_ACME: 'acct_x',
      TILLED_WEBHOOK_SECRET_ACME: 'whsec_x',
      TILLED_BASE_URL: fake.url,
    });
    expect(fromEnv.client.baseUrl).toBe(fake.url);
    expect(fromEnv.tenantId).toBe('acme');
  });
});

describe('signed webhooks from the fake, verified by the adapter', () => {
  let receiver: Server;
  let received: { status: number; event?: TilledEvent; code?: string }[];

  beforeEach(async () => {
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const event = constructWebhookEvent({
            rawBody: Buffer.concat(chunks),
            header: req.headers['tilled-signature'],
            secrets: [WEBHOOK_SECRET],
          });
          received.push({ status: 200, event });
          res.writeHead(200).end();
        } catch (error) {
          received.push({ status: 400, code: isTilledError(error) ? error.code : 'unknown' });
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    fake.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/webhooks/tilled`);
  });
  afterEach(async () => {
    await fake.deliveriesIdle();
    await new Promise((r) => receiver.close(r));
  });

  it('delivers payment_intent.succeeded with a valid ms-timestamp signature and billkit metadata', async () => {
    const intent = await charge(await customerWith());
    const delivery = await fake.waitForDelivery({ type: 'payment_intent.succeeded', objectId: intent.id });
    expect(delivery.ok).toBe(true);
    expect(delivery.signature).toMatch(/^t=\d{13},v1=[0-9a-f]{64}$/);
    const event = received.find((r) => r.event?.type === 'payment_intent.succeeded')?.event;
    expect(readBillkitMetadata(event?.data.metadata)).toEqual({
      invoiceId: 'in_1',
      attemptId: 'in_1-1',
      tenantId: 'acme',
    });
  });

  it('delivers payment_intent.processing then payment_failed for a returned ACH debit', async () => {
    const intent = await charge(await customerWith('ach_debit'));
    await fake.waitForDelivery({ type: 'payment_intent.processing', objectId: intent.id, ok: true });
    fake.settleAch(intent.id, { outcome: 'returned', code: 'R01' });
    await fake.waitForDelivery({ type: 'payment_intent.payment_failed', objectId: intent.id, ok: true });
    const failed = received.find((r) => r.event?.type === 'payment_intent.payment_failed')?.event;
    expect(failed?.data).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'R01' },
    });
  });

  it('delivers charge.refunded (a charge with refunds[]) and charge.refund.updated', async () => {
    const intent = await charge(await customerWith());
    const refund = await gateway.refund({
      paymentIntentId: intent.id,
      amount: money(4999, 'USD'),
      idempotencyKey: 'cn_1',
    });
    await fake.waitForDelivery({ type: 'charge.refunded', ok: true });
    fake.settleRefund(refund.id, 'succeeded');
    await fake.waitForDelivery({ type: 'charge.refund.updated', objectId: refund.id, ok: true });
    const refunded = received.find((r) => r.event?.type === 'charge.refunded')?.event;
    expect(refunded?.data).toMatchObject({
      payment_intent_id: intent.id,
      refunds: [{ id: refund.id, amount: 4999 }],
    });
  });

  it('delivers dispute.created', async () => {
    const intent = await charge(await customerWith());
    const dispute = fake.createDispute(intent.id);
    expect((await fake.waitForDelivery({ type: 'dispute.created', objectId: dispute.id })).ok).toBe(true);
  });

  it('re-sends a duplicate with a fresh valid signature and the same event id', async () => {
    const intent = await charge(await customerWith());
    const first = await fake.waitForDelivery({
      type: 'payment_intent.succeeded',
      objectId: intent.id,
      ok: true,
    });
    const [again] = await fake.redeliver(first.eventId);
    expect(again).toMatchObject({ ok: true, eventId: first.eventId, body: first.body });
    expect(received.filter((r) => r.event?.id === first.eventId)).toHaveLength(2);
  });

  it('delivers held events out of order on request', async () => {
    fake.holdDeliveries();
    const intent = await charge(await customerWith('ach_debit'));
    fake.settleAch(intent.id, { outcome: 'succeeded' });
    await fake.releaseDeliveries('reverse');
    const types = received.map((r) => r.event?.type).filter((t) => t?.startsWith('payment_intent.'));
    expect(types).toEqual(['payment_intent.succeeded', 'payment_intent.processing']);
  });

  it('a receiver with the wrong secret rejects every delivery, which the fake retries', async () => {
    await fake.close();
    fake = await startFake({
      webhookSecret: 'whsec_not_the_receivers',
      webhookMaxAttempts: 2,
      webhookRetryDelayMs: 5,
    });
    fake.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`);
    const event = fake.emit('account.updated', { id: 'acct_merchant_1' });
    await fake.deliveriesIdle();
    const attempts = fake.deliveries.filter((d) => d.eventId === event.id);
    expect(attempts.map((d) => [d.attempt, d.status])).toEqual([
      [1, 400],
      [2, 400],
    ]);
    expect(received.map((r) => r.code)).toEqual([
      'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE',
      'TILLED_WEBHOOK_NO_MATCHING_SIGNATURE',
    ]);
  });
});
