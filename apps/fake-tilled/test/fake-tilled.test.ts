import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTilled, startFakeTilled } from '../src/index.js';

let fake: FakeTilled;
const headers = {
  'tilled-api-key': 'sk_test_k',
  'tilled-account': 'acct_1',
  'content-type': 'application/json',
};

beforeEach(async () => {
  fake = await startFakeTilled({ apiKey: 'sk_test_k', accountId: 'acct_1', webhookSecret: 'whsec_1' });
});
afterEach(async () => {
  await fake.close();
});

describe('fake Tilled', () => {
  it('listens on 127.0.0.1 on a random port', () => {
    expect(fake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([
    ['no api key', {}, 401],
    ['a wrong api key', { 'tilled-api-key': 'sk_wrong', 'tilled-account': 'acct_1' }, 401],
    ['another account', { 'tilled-api-key': 'sk_test_k', 'tilled-account': 'acct_2' }, 403],
  ])('answers %s with %i, a Tilled-style body and a request-id', async (_label, h, status) => {
    const res = await fetch(`${fake.url}/v1/payment-intents`, { headers: h });
    expect(res.status).toBe(status);
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toMatchObject({ statusCode: status, message: expect.any(String) });
  });

  it("lists in Tilled's shape { items, has_more, limit, offset, total }", async () => {
    for (let i = 0; i < 3; i++) {
      await fetch(`${fake.url}/v1/customers`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ email: `${i}@x.y` }),
      });
    }
    const res = await fetch(`${fake.url}/v1/payment-intents?limit=2`, { headers });
    expect(await res.json()).toEqual({ items: [], has_more: false, limit: 2, offset: 0, total: 0 });
  });

  it('rejects an upper-case currency like Tilled (lower case on the wire)', async () => {
    const res = await fetch(`${fake.url}/v1/payment-intents`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: 100, currency: 'USD', payment_method_types: ['card'] }),
    });
    expect(res.status).toBe(400);
  });

  it('signs webhooks as t=<ms>,v1=HMAC-SHA256("t.body") with the endpoint secret', async () => {
    const bodies: { body: string; signature: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push({ body, signature: String(req.headers['tilled-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    fake.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    const before = Date.now();
    const event = fake.emit('customer.updated', { id: 'cus_1' });
    await fake.waitForDelivery({ eventId: event.id, ok: true });
    await new Promise((r) => receiver.close(r));
    const [delivered] = bodies;
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(delivered!.signature)!;
    expect(Number(t)).toBeGreaterThanOrEqual(before);
    expect(Number(t)).toBeLessThanOrEqual(Date.now());
    expect(v1).toBe(createHmac('sha256', 'whsec_1').update(`${t}.${delivered!.body}`).digest('hex'));
    expect(JSON.parse(delivered!.body)).toMatchObject({
      id: event.id,
      account_id: 'acct_1',
      type: 'customer.updated',
      data: { id: 'cus_1' },
    });
  });
});
