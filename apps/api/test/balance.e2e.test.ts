import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

describe.each(backends())('customer balance transactions on $name', ({ start }) => {
  let h: Harness;
  let write: ReturnType<typeof client>;
  let read: ReturnType<typeof client>;
  let price: string;

  beforeAll(async () => {
    h = await start();
    write = client(h.baseUrl, h.keys.write);
    read = client(h.baseUrl, h.keys.read);
    const admin = client(h.baseUrl, h.keys.admin);
    expect((await admin('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(200);
    const product = await write('POST', '/v1/products', { name: 'Seat' });
    price = (
      await write('POST', '/v1/prices', {
        product: product.body.id,
        currency: 'USD',
        billing_scheme: 'per_unit',
        unit_amount: 1000,
      })
    ).body.id;
  }, 60_000);
  afterAll(async () => h?.close());

  const newCustomer = async () => (await write('POST', '/v1/customers', chicagoCustomer)).body.id as string;

  it('credits a customer with an adjustment, lists it, and shows the balance on the customer', async () => {
    const customer = await newCustomer();
    const created = await write('POST', `/v1/customers/${customer}/balance-transactions`, {
      amount: -500,
      currency: 'USD',
      description: 'Goodwill',
      metadata: { ticket: 'T-1' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^cbtxn_/),
      object: 'customer_balance_transaction',
      customer,
      amount: -500,
      currency: 'USD',
      type: 'adjustment',
      ending_balance: -500,
      invoice: null,
      credit_note: null,
      description: 'Goodwill',
      metadata: { ticket: 'T-1' },
      created_at: expect.any(String),
    });
    expect((await read('GET', `/v1/customers/${customer}`)).body.balance).toBe(-500);
    const list = await read('GET', `/v1/customers/${customer}/balance-transactions`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ object: 'list', data: [created.body], has_more: false, next_cursor: null });
  });

  it("starts the customer's next invoice from the balance: starting_balance −500 lowers amount_due", async () => {
    const customer = await newCustomer();
    await write('POST', `/v1/customers/${customer}/balance-transactions`, { amount: -500 });
    const invoice = await write('POST', '/v1/invoices', { customer, items: [{ price, quantity: 1 }] });
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    expect(invoice.body.starting_balance).toEqual({ amount: -500, currency: 'USD' });
    expect(invoice.body.amount_due).toEqual({ amount: invoice.body.total.amount - 500, currency: 'USD' });
    expect(invoice.body.ending_balance).toEqual({ amount: 0, currency: 'USD' });
  });

  it('replays a retried adjustment with the same Idempotency-Key instead of crediting twice', async () => {
    const customer = await newCustomer();
    const idem = { 'idempotency-key': `credit-${customer}` };
    const path = `/v1/customers/${customer}/balance-transactions`;
    const first = await write('POST', path, { amount: -300 }, idem);
    const retry = await write('POST', path, { amount: -300 }, idem);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await read('GET', `/v1/customers/${customer}`)).body.balance).toBe(-300);
  });

  it.each([
    [{ amount: -500, currency: 'EUR' }, 'currency', 'API_VALIDATION_FAILED'],
    [{ amount: 1.5 }, 'amount', 'API_VALIDATION_FAILED'],
    [{ amount: -500, kind: 'x' }, 'kind', 'API_VALIDATION_FAILED'],
  ])('refuses %j (field %s) and changes nothing', async (body, field, code) => {
    const customer = await newCustomer();
    const response = await write('POST', `/v1/customers/${customer}/balance-transactions`, body);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe(code);
    const errors = response.body.errors as { location: string; path: string; message: string }[];
    expect(errors.some((e) => e.location === 'body' && (e.path === field || e.message.includes(field)))).toBe(
      true,
    );
    expect((await read('GET', `/v1/customers/${customer}`)).body.balance).toBe(0);
  });

  it("answers 404 for an unknown or another tenant's customer, and 403 to a read key's POST", async () => {
    const customer = await newCustomer();
    const other = client(h.baseUrl, h.keys.otherTenant);
    expect((await other('GET', `/v1/customers/${customer}/balance-transactions`)).body.code).toBe(
      'API_NOT_FOUND',
    );
    const missing = await write('POST', '/v1/customers/cus_missing/balance-transactions', { amount: -1 });
    expect([missing.status, missing.body.code]).toEqual([404, 'API_NOT_FOUND']);
    const refused = await read('POST', `/v1/customers/${customer}/balance-transactions`, { amount: -1 });
    expect([refused.status, refused.body.code]).toEqual([403, 'API_FORBIDDEN_SCOPE']);
  });

  it('documents both operations in the OpenAPI document', async () => {
    const doc = await client(h.baseUrl)('GET', '/openapi.json');
    const path = doc.body.paths['/v1/customers/{id}/balance-transactions'];
    expect(Object.keys(path)).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.body.components.schemas.CustomerBalanceTransaction.properties.ending_balance).toBeDefined();
  });
});
