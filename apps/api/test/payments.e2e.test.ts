import { type FakeTilled, startFakeTilled } from '@billkit/fake-tilled';
import { createBilling } from '@billkit/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksSettled } from '../src/routes/webhooks.js';
import { tilledWiring } from '../src/tilled-wiring.js';
import { backends } from './support/backends.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

const ACCOUNT = 'acct_fake_tenant_a';
const SECRET = 'whsec_test_secret';

const DAY = 86_400_000;

describe.each(backends())('paying invoices through Tilled (local fake) on $name', ({ start }) => {
  let tilled: FakeTilled;
  let h: Harness;
  let write: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;
  let invoiceId: string;
  let wiring: ReturnType<typeof tilledWiring>;

  /** A finalized one-off invoice of $100.00 + 10.25 % Chicago tax = $110.25. */
  async function openInvoice(): Promise<string> {
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const product = await write('POST', '/v1/products', { name: 'Bulk pickup' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 10000,
    });
    const invoice = await write('POST', '/v1/invoices', {
      customer: customer.body.id,
      items: [{ price: price.body.id }],
    });
    expect((await write('POST', `/v1/invoices/${invoice.body.id}/finalize`, {})).status).toBe(200);
    return invoice.body.id;
  }

  async function invoiceEvents(id: string): Promise<string[]> {
    const audit = await admin('GET', `/v1/audit-events?entity_id=${id}&limit=100`);
    return audit.body.data.map((e: { type: string }) => e.type);
  }

  beforeAll(async () => {
    tilled = await startFakeTilled({ apiKey: 'sk_test', accountId: ACCOUNT, webhookSecret: SECRET });
    wiring = tilledWiring(
      [{ tenantId: 'ten_a', secretKey: 'sk_test', accountId: ACCOUNT, webhookSecrets: [SECRET] }],
      {
        baseUrl: tilled.url,
      },
    );
    h = await start({ appDeps: wiring });
    admin = client(h.baseUrl, h.keys.admin);
    tilled.setWebhookUrl(`${h.baseUrl}/v1/webhooks/tilled`);
    write = client(h.baseUrl, h.keys.write);
    await client(h.baseUrl, h.keys.admin)('PUT', '/v1/tax/rate-table', rateTableBody);
    invoiceId = await openInvoice();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await tilled?.close();
  });

  it('charges the amount due, then the signed webhook is stored once and the invoice stays paid', async () => {
    const method = tilled.seedPaymentMethod({ type: 'card' });
    const paid = await write('POST', `/v1/invoices/${invoiceId}/pay`, { payment_method: method.id });
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe('paid');
    expect(paid.body.amount_paid.amount).toBe(11025);
    const intent = tilled.intents.get(paid.body.payment_intent);
    expect(intent?.amount).toBe(11025);
    await tilled.waitForDelivery({ type: 'payment_intent.succeeded' }, 5000);
    await webhooksSettled();
    const [event] = tilled.events.filter((e) => e.type === 'payment_intent.succeeded');
    const redelivered = await tilled.redeliver(event!.id);
    expect(redelivered.at(-1)?.status).toBe(200);
    await webhooksSettled();
    const audit = await client(h.baseUrl, h.keys.admin)(
      'GET',
      `/v1/audit-events?entity_id=${invoiceId}&limit=100`,
    );
    expect(audit.body.data.filter((e: { type: string }) => e.type === 'invoice.paid')).toHaveLength(1);
  });

  it('rejects a webhook with a bad signature and one for an unknown account', async () => {
    const body = JSON.stringify({ id: 'evt_x', account_id: ACCOUNT, type: 'customer.updated', data: {} });
    const bad = await fetch(`${h.baseUrl}/v1/webhooks/tilled`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tilled-signature': `t=${Date.now()},v1=${'0'.repeat(64)}`,
      },
      body,
    });
    expect(bad.status).toBe(401);
    const unknown = await fetch(`${h.baseUrl}/v1/webhooks/tilled`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tilled-signature': `t=${Date.now()},v1=${'0'.repeat(64)}`,
      },
      body: body.replace(ACCOUNT, 'acct_other'),
    });
    expect(unknown.status).toBe(404);
  });

  it('acknowledges an unknown event type signed by Tilled', async () => {
    tilled.emit('customer.updated', { id: 'cus_x' });
    const delivery = await tilled.waitForDelivery({ type: 'customer.updated' }, 5000);
    expect(delivery.status).toBe(200);
  });

  it('answers 402 for a declined card, keeps the invoice open and records the failure once', async () => {
    const id = await openInvoice();
    const declining = tilled.seedPaymentMethod({ type: 'card', declineCode: 'insufficient_funds' });
    const declined = await write('POST', `/v1/invoices/${id}/pay`, { payment_method: declining.id });
    expect(declined.status).toBe(402);
    expect(declined.body.code).toBe('API_PAYMENT_FAILED');
    expect(declined.body.detail).toContain('insufficient_funds');
    await tilled.waitForDelivery({ type: 'payment_intent.payment_failed' }, 5000);
    await webhooksSettled();
    const invoice = await write('GET', `/v1/invoices/${id}`);
    expect(invoice.body.status).toBe('open');
    expect(invoice.body.amount_paid.amount).toBe(0);
    expect((await invoiceEvents(id)).filter((t) => t === 'invoice.payment_failed')).toHaveLength(1);
  });

  it('records a gateway error on the invoice without counting the attempt; the retry charges exactly once', async () => {
    const id = await openInvoice();
    const method = tilled.seedPaymentMethod({ type: 'card' });
    tilled.script({ type: 'error', status: 500, match: { method: 'POST', path: '/v1/payment-intents' } });
    const failed = await write('POST', `/v1/invoices/${id}/pay`, { payment_method: method.id });
    expect(failed.status).toBe(502);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    const open = await write('GET', `/v1/invoices/${id}`);
    expect(open.body.status).toBe('open');
    expect(open.body.last_payment_error).toBe(failed.body.code);
    expect(await invoiceEvents(id)).toContain('invoice.payment_attempt_errored');
    const retried = await write('POST', `/v1/invoices/${id}/pay`, { payment_method: method.id });
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('paid');
    const charged = [...tilled.intents.values()].filter((i) => i.metadata?.billkit_invoice_id === id);
    expect(charged).toHaveLength(1);
  });

  it('leaves an ACH debit open while processing and marks it paid when the settlement webhook arrives', async () => {
    const id = await openInvoice();
    const ach = tilled.seedPaymentMethod({ type: 'ach_debit' });
    const pending = await write('POST', `/v1/invoices/${id}/pay`, { payment_method: ach.id });
    expect(pending.status).toBe(200);
    expect(pending.body.status).toBe('open');
    const intentId = pending.body.payment_intent as string;
    expect(tilled.intents.get(intentId)?.status).toBe('processing');
    tilled.settleAch(intentId, { outcome: 'succeeded' });
    await tilled.waitForDelivery({ type: 'payment_intent.succeeded', objectId: intentId, ok: true }, 5000);
    await webhooksSettled();
    const paid = await write('GET', `/v1/invoices/${id}`);
    expect(paid.body.status).toBe('paid');
    expect(paid.body.amount_paid.amount).toBe(11025);
    expect(await invoiceEvents(id)).toEqual(
      expect.arrayContaining(['invoice.payment_pending', 'invoice.paid']),
    );
  });

  it('retries a declined subscription invoice on the 1/3/5-day schedule, then makes it uncollectible and cancels', async () => {
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const product = await write('POST', '/v1/products', { name: 'Weekly pickup' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 3000,
      recurring: { interval: 'month' },
    });
    const created = await write('POST', '/v1/subscriptions', {
      customer: customer.body.id,
      items: [{ price: price.body.id }],
    });
    const subscriptionId = created.body.subscription.id as string;
    const id = created.body.invoice.id as string;
    await write('POST', `/v1/invoices/${id}/finalize`, {});
    const declining = tilled.seedPaymentMethod({ type: 'card', declineCode: 'do_not_honor' });
    const t0 = Date.now();
    expect((await write('POST', `/v1/invoices/${id}/pay`, { payment_method: declining.id })).status).toBe(
      402,
    );
    await webhooksSettled();
    expect((await write('GET', `/v1/subscriptions/${subscriptionId}`)).body.status).toBe('past_due');

    const dunning = async (now: number) => {
      const run = await admin('POST', '/v1/dunning-runs', { now: new Date(now).toISOString() });
      expect(run.status).toBe(200);
      await webhooksSettled();
      return run.body.outcomes.filter((o: { invoice: string }) => o.invoice === id);
    };
    // Half a day later nothing is due: the first retry comes 1 day after the failure.
    expect(await dunning(t0 + DAY / 2)).toEqual([expect.objectContaining({ action: 'waiting' })]);
    const r1 = t0 + DAY + 60_000;
    expect(await dunning(r1)).toEqual([
      expect.objectContaining({ action: 'retried', retry_number: 1, result: 'failed' }),
    ]);
    // The second retry is 3 days after the first retry's failure, not after the original one.
    expect(await dunning(r1 + 2 * DAY)).toEqual([expect.objectContaining({ action: 'waiting' })]);
    const r2 = r1 + 3 * DAY + 60_000;
    expect(await dunning(r2)).toEqual([expect.objectContaining({ action: 'retried', retry_number: 2 })]);
    const r3 = r2 + 5 * DAY + 60_000;
    expect(await dunning(r3)).toEqual([
      expect.objectContaining({ action: 'retried', retry_number: 3, result: 'failed' }),
      expect.objectContaining({ action: 'uncollectible', failed_attempts: 4, subscription: 'canceled' }),
    ]);
    expect((await write('GET', `/v1/invoices/${id}`)).body.status).toBe('uncollectible');
    expect((await write('GET', `/v1/subscriptions/${subscriptionId}`)).body.status).toBe('canceled');
    // Done: a later run leaves the invoice alone (it is no longer open).
    expect(await dunning(r3 + 30 * DAY)).toEqual([]);
    const events = await invoiceEvents(id);
    expect(events.filter((t) => t === 'dunning.retry')).toHaveLength(3);
    expect(events.filter((t) => t === 'invoice.marked_uncollectible')).toHaveLength(1);
    expect(events.filter((t) => t === 'dunning.exhausted')).toHaveLength(1);
    const charged = [...tilled.intents.values()].filter((i) => i.metadata?.billkit_invoice_id === id);
    // The original charge and three retries, each its own intent at the gateway.
    expect(charged).toHaveLength(4);
    expect((await admin('GET', '/v1/audit-events/verify')).body.valid).toBe(true);
  });

  it('replays a stored event log re-processing only what was never processed, and nothing twice', async () => {
    const id = await openInvoice();
    const ach = tilled.seedPaymentMethod({ type: 'ach_debit' });
    const pending = await write('POST', `/v1/invoices/${id}/pay`, { payment_method: ach.id });
    const intentId = pending.body.payment_intent as string;
    // The settlement event reaches the log but its processing never ran (say the process died).
    await tilled.waitForDelivery({ type: 'payment_intent.processing', objectId: intentId }, 5000);
    await webhooksSettled();
    tilled.holdDeliveries();
    tilled.settleAch(intentId, { outcome: 'succeeded' });
    const missed = tilled.events.find(
      (e) => e.type === 'payment_intent.succeeded' && (e.data as { id?: string }).id === intentId,
    );
    expect(missed).toBeDefined();
    const at = new Date().toISOString();
    const stored = await h.store.forTenant('ten_a').recordWebhook({
      id: `whevt_replay_${intentId}`,
      provider: 'tilled',
      eventId: missed!.id,
      type: missed!.type,
      rawBody: JSON.stringify(missed),
      signature: null,
      receivedAt: at,
      processedAt: null,
      processingError: null,
      createdAt: at,
      updatedAt: at,
    });
    expect(stored.stored).toBe(true);
    expect((await write('GET', `/v1/invoices/${id}`)).body.status).toBe('open');

    const replayWebhooks = createBilling({ db: h.store, gateways: wiring.gatewayFor }).gatewayEvents.replay;
    const progress: string[] = [];
    const first = await replayWebhooks({ tenant: 'ten_a' }, (done, total) =>
      progress.push(`${done}/${total}`),
    );
    expect(first.failed).toEqual([]);
    expect(first.processed).toBe(1);
    expect(first.alreadyProcessed).toBe(first.selected - 1);
    expect(progress.at(-1)).toBe(`${first.selected}/${first.selected}`);
    expect((await write('GET', `/v1/invoices/${id}`)).body.status).toBe('paid');

    const second = await replayWebhooks({ tenant: 'ten_a' });
    expect(second).toMatchObject({ selected: first.selected, processed: 0, failed: [] });
    const byEvent = await replayWebhooks({ eventId: missed!.id });
    expect(byEvent).toMatchObject({ selected: 1, processed: 0, alreadyProcessed: 1 });
    const future = await replayWebhooks({ since: new Date(Date.now() + DAY).toISOString() });
    expect(future.selected).toBe(0);
    expect((await invoiceEvents(id)).filter((t) => t === 'invoice.paid')).toHaveLength(1);
  });
});
