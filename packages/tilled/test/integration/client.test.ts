import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTilledError, type TilledClient, type TilledError } from '../../src/index.js';
import { ACCOUNT, API_KEY, clientFor, type FakeTilled, PARTNER, startFake } from './fake.js';

let fake: FakeTilled;
let tilled: TilledClient;

beforeEach(async () => {
  fake = await startFake();
  tilled = clientFor(fake);
});
afterEach(async () => {
  await fake.close();
});

async function failure(promise: Promise<unknown>): Promise<TilledError> {
  try {
    await promise;
  } catch (error) {
    if (isTilledError(error)) return error;
    throw error;
  }
  throw new Error('expected a TilledError');
}

const last = () => fake.requests[fake.requests.length - 1]!;

async function customerWithCard() {
  const customer = await tilled.createCustomer({ email: 'ada@example.com', first_name: 'Ada' });
  const pm = await tilled.createPaymentMethod({ type: 'card', payment_token: 'tok_visa' });
  await tilled.attachPaymentMethod(pm.id, customer.id);
  return { customer, pm };
}

describe('TilledClient against the fake Tilled', () => {
  it('sends tilled-api-key and the merchant tilled-account on merchant calls', async () => {
    const customer = await tilled.createCustomer({
      email: 'ada@example.com',
      metadata: { billkit_customer_id: 'c1' },
    });
    expect(customer.id).toMatch(/^cus_/);
    expect(last().headers['tilled-api-key']).toBe(API_KEY);
    expect(last().headers['tilled-account']).toBe(ACCOUNT);
    expect(last().headers['content-type']).toBe('application/json');
    expect(await tilled.getCustomer(customer.id)).toMatchObject({
      email: 'ada@example.com',
      metadata: { billkit_customer_id: 'c1' },
    });
  });

  it('creates, attaches, lists and detaches payment methods', async () => {
    const { customer, pm } = await customerWithCard();
    expect(pm.id).toMatch(/^pm_/);
    const listed = await tilled.listPaymentMethods({ type: 'card', customer_id: customer.id });
    expect(listed.items.map((m) => m.id)).toEqual([pm.id]);
    expect(listed).toMatchObject({ has_more: false, total: 1, offset: 0 });
    expect(last().query.get('type')).toBe('card');
    expect(last().query.get('customer_id')).toBe(customer.id);
    const detached = await tilled.detachPaymentMethod(pm.id);
    expect(detached.customer_id).toBeNull();
    expect((await tilled.listPaymentMethods({ type: 'card', customer_id: customer.id })).items).toEqual([]);
  });

  it('creates and confirms a card payment intent in one call, lower-case currency and minor units on the wire', async () => {
    const { pm } = await customerWithCard();
    const intent = await tilled.createPaymentIntent({
      amount: 4999,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
      confirm: true,
      occurrence_type: 'merchant_recurring',
      metadata: { billkit_invoice_id: 'in_1', billkit_attempt_id: 'in_1-1' },
    });
    expect(intent).toMatchObject({ status: 'succeeded', amount: 4999, currency: 'usd' });
    expect(intent.id).toMatch(/^pi_/);
    expect(last().body).toMatchObject({
      amount: 4999,
      currency: 'usd',
      confirm: true,
      occurrence_type: 'merchant_recurring',
    });
  });

  it('lower-cases an upper-case currency before sending it', async () => {
    const { pm } = await customerWithCard();
    await tilled.createPaymentIntent({
      amount: 100,
      currency: 'EUR',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
    });
    expect(last().body).toMatchObject({ currency: 'eur' });
  });

  it('refuses a currency Tilled does not support without sending anything', async () => {
    const before = fake.requests.length;
    const error = await failure(
      tilled.createPaymentIntent({ amount: 1000, currency: 'mxn', payment_method_types: ['card'] }),
    );
    expect(error.code).toBe('TILLED_AMOUNT_NOT_CHARGEABLE');
    expect(fake.requests.length).toBe(before);
  });

  it('reports a card decline as an intent status with last_payment_error, not as an error', async () => {
    const { pm } = await customerWithCard();
    fake.script({ type: 'decline', code: 'insufficient_funds' });
    const intent = await tilled.createPaymentIntent({
      amount: 2500,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
      confirm: true,
    });
    expect(intent.status).toBe('requires_payment_method');
    expect(intent.last_payment_error?.code).toBe('insufficient_funds');
  });

  it('confirms, then captures a manual-capture intent', async () => {
    const { pm } = await customerWithCard();
    const created = await tilled.createPaymentIntent({
      amount: 1200,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
      capture_method: 'manual',
    });
    expect(created.status).toBe('requires_confirmation');
    const confirmed = await tilled.confirmPaymentIntent(created.id);
    expect(confirmed.status).toBe('requires_capture');
    const captured = await tilled.capturePaymentIntent(created.id);
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 1200 });
  });

  it('cancels an unconfirmed intent, and cannot cancel it twice', async () => {
    const created = await tilled.createPaymentIntent({
      amount: 700,
      currency: 'usd',
      payment_method_types: ['card'],
    });
    expect(created.status).toBe('requires_payment_method');
    expect((await tilled.cancelPaymentIntent(created.id)).status).toBe('canceled');
    expect((await failure(tilled.cancelPaymentIntent(created.id))).code).toBe('TILLED_INVALID_REQUEST');
  });

  it('finds intents by exact metadata pairs and by status', async () => {
    const { pm } = await customerWithCard();
    const make = (invoice: string, attempt: string) =>
      tilled.createPaymentIntent({
        amount: 100,
        currency: 'usd',
        payment_method_types: ['card'],
        payment_method_id: pm.id,
        confirm: true,
        metadata: { billkit_invoice_id: invoice, billkit_attempt_id: attempt },
      });
    const a1 = await make('in_A', '1');
    await make('in_A', '2');
    await make('in_B', '1');
    const found = await tilled.listPaymentIntents({
      metadata: { billkit_invoice_id: 'in_A', billkit_attempt_id: '1' },
    });
    expect(found.items.map((i) => i.id)).toEqual([a1.id]);
    expect(last().query.get('metadata[billkit_invoice_id]')).toBe('in_A');
    expect((await tilled.listPaymentIntents({ metadata: { billkit_invoice_id: 'in_A' } })).total).toBe(2);
    expect((await tilled.listPaymentIntents({ status: ['succeeded'] })).total).toBe(3);
    expect((await tilled.listPaymentIntents({ status: ['canceled', 'processing'] })).total).toBe(0);
  });

  it('refunds a succeeded intent in full and reads the refund back', async () => {
    const { pm } = await customerWithCard();
    const intent = await tilled.createPaymentIntent({
      amount: 3000,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
      confirm: true,
    });
    const refund = await tilled.createRefund({
      payment_intent_id: intent.id,
      amount: 3000,
      reason: 'requested_by_customer',
    });
    expect(refund).toMatchObject({
      status: 'pending',
      amount: 3000,
      currency: 'usd',
      payment_intent_id: intent.id,
    });
    expect(await tilled.getRefund(refund.id)).toMatchObject({ id: refund.id });
  });

  it('maps the "partial refund before batching" refusal to TILLED_INVALID_REQUEST with Tilled\'s code', async () => {
    const { pm } = await customerWithCard();
    const intent = await tilled.createPaymentIntent({
      amount: 3000,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
      confirm: true,
    });
    const error = await failure(tilled.createRefund({ payment_intent_id: intent.id, amount: 1000 }));
    expect(error).toMatchObject({
      code: 'TILLED_INVALID_REQUEST',
      status: 400,
      tilledCode: 'charge_not_batched',
    });
    fake.batchCharges();
    expect((await tilled.createRefund({ payment_intent_id: intent.id, amount: 1000 })).amount).toBe(1000);
  });

  it('lists events for catch-up, filtered by object and type', async () => {
    const { pm } = await customerWithCard();
    const intent = await tilled.createPaymentIntent({
      amount: 100,
      currency: 'usd',
      payment_method_types: ['card'],
      payment_method_id: pm.id,
      confirm: true,
    });
    const events = await tilled.listEvents({ object_id: intent.id, types: ['payment_intent.succeeded'] });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      type: 'payment_intent.succeeded',
      account_id: ACCOUNT,
      data: { id: intent.id },
    });
    expect(last().query.getAll('types[]')).toEqual(['payment_intent.succeeded']);
  });

  it('manages webhook endpoints at the partner account; the secret is shown only at creation', async () => {
    const endpoint = await tilled.createWebhookEndpoint({
      url: 'https://billkit.example/v1/webhooks/tilled',
      enabled_events: ['*'],
    });
    expect(last().headers['tilled-account']).toBe(PARTNER);
    expect(endpoint.secret).toMatch(/^[0-9a-f]{48}$/);
    const listed = await tilled.listWebhookEndpoints();
    expect(listed.items.map((e) => e.id)).toEqual([endpoint.id]);
    expect(listed.items[0]?.secret).toBeUndefined();
    await tilled.deleteWebhookEndpoint(endpoint.id);
    expect((await tilled.listWebhookEndpoints()).items).toEqual([]);
  });
});

describe('TilledClient error mapping', () => {
  it('maps a wrong API key to TILLED_UNAUTHENTICATED, keeping status and request-id, never the key', async () => {
    const wrong = clientFor(fake, { secretKey: 'sk_test_WRONGKEY' });
    const error = await failure(wrong.getPaymentIntent('pi_x'));
    expect(error).toMatchObject({ code: 'TILLED_UNAUTHENTICATED', status: 401 });
    expect(error.requestId).toBe(last().requestId);
    expect(JSON.stringify(error)).not.toContain('WRONGKEY');
    expect(error.message).not.toContain('WRONGKEY');
  });

  it('maps another merchant account to TILLED_FORBIDDEN', async () => {
    const error = await failure(clientFor(fake, { accountId: 'acct_someone_else' }).getPaymentIntent('pi_x'));
    expect(error).toMatchObject({ code: 'TILLED_FORBIDDEN', status: 403 });
  });

  it('maps an unknown id to TILLED_NOT_FOUND', async () => {
    const error = await failure(tilled.getPaymentIntent('pi_missing'));
    expect(error).toMatchObject({ code: 'TILLED_NOT_FOUND', status: 404 });
    expect(error.message).toContain('No payment intent pi_missing');
  });

  it("maps a validation failure to TILLED_INVALID_REQUEST with Tilled's message", async () => {
    const error = await failure(tilled.listPaymentMethods({ type: 'card', customer_id: '' }));
    expect(error).toMatchObject({ code: 'TILLED_INVALID_REQUEST', status: 400 });
  });

  it.each([
    [429, 'TILLED_RATE_LIMITED'],
    [500, 'TILLED_SERVER_ERROR'],
    [503, 'TILLED_SERVER_ERROR'],
  ])('does not retry a POST answered %i; maps it to %s', async (status, code) => {
    fake.script({ type: 'error', status, match: { method: 'POST' } });
    const error = await failure(tilled.createCustomer({ email: 'x@example.com' }));
    expect(error).toMatchObject({ code, status });
    expect(error.transient).toBe(true);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(fake.customers.size).toBe(0);
  });

  it('retries a GET after a 503 and a 429 and then succeeds', async () => {
    const customer = await tilled.createCustomer({ email: 'x@example.com' });
    fake.script(
      { type: 'error', status: 503, match: { method: 'GET' } },
      { type: 'error', status: 429, headers: { 'retry-after': '0' }, match: { method: 'GET' } },
    );
    expect((await tilled.getCustomer(customer.id)).id).toBe(customer.id);
    expect(fake.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('gives up on a GET after maxRetries and reports the last failure', async () => {
    fake.script(...Array.from({ length: 3 }, () => ({ type: 'error' as const, status: 502 })));
    const error = await failure(tilled.getPaymentIntent('pi_x'));
    expect(error).toMatchObject({ code: 'TILLED_SERVER_ERROR', status: 502 });
    expect(fake.requests).toHaveLength(3);
  });

  it('does not retry a 4xx GET', async () => {
    await failure(tilled.getPaymentIntent('pi_missing'));
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a request that gets no answer: TILLED_TIMEOUT', async () => {
    const quick = clientFor(fake, { timeoutMs: 150, retry: { maxRetries: 0 } });
    fake.script({ type: 'timeout' });
    const started = Date.now();
    const error = await failure(quick.getPaymentIntent('pi_x'));
    expect(error.code).toBe('TILLED_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('times out a slow answer but accepts one inside the timeout', async () => {
    const quick = clientFor(fake, { timeoutMs: 300, retry: { maxRetries: 0 } });
    const customer = await quick.createCustomer({ email: 'x@example.com' });
    fake.script({ type: 'slow', delayMs: 600 });
    expect((await failure(quick.getCustomer(customer.id))).code).toBe('TILLED_TIMEOUT');
    fake.script({ type: 'slow', delayMs: 50 });
    expect((await quick.getCustomer(customer.id)).id).toBe(customer.id);
  });

  it('retries a GET that timed out', async () => {
    const customer = await tilled.createCustomer({ email: 'x@example.com' });
    const quick = clientFor(fake, { timeoutMs: 150 });
    fake.script({ type: 'timeout', match: { method: 'GET' } });
    expect((await quick.getCustomer(customer.id)).id).toBe(customer.id);
  });

  it('maps a refused connection to TILLED_NETWORK', async () => {
    const url = fake.url;
    await fake.close();
    fake = await startFake(); // for afterEach
    const error = await failure(
      clientFor(fake, { baseUrl: url, retry: { maxRetries: 0 } }).getPaymentIntent('pi_x'),
    );
    expect(error.code).toBe('TILLED_NETWORK');
  });

  it('maps a 2xx answer that is not JSON, or not the expected shape, to TILLED_INVALID_RESPONSE', async () => {
    fake.script({ type: 'error', status: 200, body: '<html>proxy</html>' });
    expect((await failure(tilled.getPaymentIntent('pi_x'))).code).toBe('TILLED_INVALID_RESPONSE');
    fake.script({ type: 'error', status: 200, body: { id: 'pi_x', status: 'exploded' } });
    const error = await failure(tilled.getPaymentIntent('pi_x'));
    expect(error.code).toBe('TILLED_INVALID_RESPONSE');
    expect(error.requestId).toBeDefined();
  });

  it('reads an HTML or empty error body without failing', async () => {
    fake.script({ type: 'error', status: 502, body: '<html>Bad Gateway</html>' });
    const error = await failure(clientFor(fake, { retry: { maxRetries: 0 } }).getPaymentIntent('pi_x'));
    expect(error).toMatchObject({
      code: 'TILLED_SERVER_ERROR',
      status: 502,
      message: 'GET /v1/payment-intents/pi_x: Tilled answered HTTP 502',
    });
  });

  it('stops when the caller aborts, without retrying', async () => {
    fake.script({ type: 'timeout' });
    const controller = new AbortController();
    const pending = tilled.getPaymentIntent('pi_x', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
    expect(fake.requests).toHaveLength(1);
  });
});
