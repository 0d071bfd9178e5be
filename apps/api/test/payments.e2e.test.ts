import { type FakeTilled, startFakeTilled } from '@billkit/fake-tilled';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksSettled } from '../src/routes/webhooks.js';
import { tilledWiring } from '../src/tilled-wiring.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness, startMemory } from './support/harness.js';

const ACCOUNT = 'acct_fake_tenant_a';
const SECRET = 'whsec_test_secret';

describe('paying an invoice through Tilled (local fake) with signed webhooks', () => {
  let tilled: FakeTilled;
  let h: Harness;
  let write: ReturnType<typeof client>;
  let invoiceId: string;

  beforeAll(async () => {
    tilled = await startFakeTilled({ apiKey: 'sk_test', accountId: ACCOUNT, webhookSecret: SECRET });
    const wiring = tilledWiring(
      [{ tenantId: 'ten_a', secretKey: 'sk_test', accountId: ACCOUNT, webhookSecrets: [SECRET] }],
      {
        baseUrl: tilled.url,
      },
    );
    h = await startMemory({ appDeps: wiring });
    tilled.setWebhookUrl(`${h.baseUrl}/v1/webhooks/tilled`);
    write = client(h.baseUrl, h.keys.write);
    await client(h.baseUrl, h.keys.admin)('PUT', '/v1/tax/rate-table', rateTableBody);
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const invoice = await write('POST', '/v1/invoices', {
      customer: customer.body.id,
      items: [
        {
          price: (
            await write('POST', '/v1/prices', {
              product: (await write('POST', '/v1/products', { name: 'Bulk pickup' })).body.id,
              currency: 'USD',
              billing_scheme: 'flat',
              flat_amount: 10000,
            })
          ).body.id,
        },
      ],
    });
    invoiceId = invoice.body.id;
    await write('POST', `/v1/invoices/${invoiceId}/finalize`, {});
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
});
