import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { client, type Harness } from './support/harness.js';

// A rate table that does not cover a customer is the operator's configuration gap, not a server
// failure: over HTTP on SQLite and MariaDB, creating a subscription for such a customer answers 422
// with the tax package's code naming the jurisdiction and the tax date, and writes nothing.

/** Illinois only (6.25 % from 2026), so Texas is not covered and Illinois has no rate before 2026. */
const illinoisOnly = {
  tax_categories: [{ id: 'general' }],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-IL', name: 'Illinois', level: 'state', parent_id: 'US', match: { region: 'IL' } },
  ],
  rates: [{ jurisdiction_id: 'US-IL', tax_type: 'sales', rate: '0.0625', valid_from: '2026-01-01' }],
};

describe.each(backends())('configuration gaps answer 4xx over HTTP on $name', ({ start }) => {
  let h: Harness;
  let write: ReturnType<typeof client>;
  let plan: string;

  beforeAll(async () => {
    h = await start();
    write = client(h.baseUrl, h.keys.write);
    const admin = client(h.baseUrl, h.keys.admin);
    const table = await admin('PUT', '/v1/tax/rate-table', illinoisOnly);
    expect(table.status, JSON.stringify(table.body)).toBe(200);
    const product = await write('POST', '/v1/products', { name: 'Curbside pickup' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 3000,
      recurring: { interval: 'month' },
    });
    expect(price.status, JSON.stringify(price.body)).toBe(201);
    plan = price.body.id;
  }, 60_000);
  afterAll(async () => h?.close());

  const customerIn = async (region: string) => {
    const created = await write('POST', '/v1/customers', {
      currency: 'USD',
      timezone: 'America/Chicago',
      address: { country: 'US', region },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id as string;
  };

  const nothingWritten = async (customer: string) => {
    const subscriptions = await write('GET', `/v1/subscriptions?customer=${customer}`);
    expect(subscriptions.status).toBe(200);
    expect(subscriptions.body.data).toEqual([]);
    const invoices = await write('GET', `/v1/invoices?customer=${customer}`);
    expect(invoices.status).toBe(200);
    expect(invoices.body.data).toEqual([]);
  };

  it('answers 422 TAX_UNKNOWN_JURISDICTION naming the state and the date for a customer in an uncovered state', async () => {
    const customer = await customerIn('TX');
    const answer = await write('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: plan }],
      start_at: '2026-04-01T00:00:00-05:00',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body.code).toBe('TAX_UNKNOWN_JURISDICTION');
    expect(answer.body.detail).toMatch(/region TX/);
    expect(answer.body.detail).toMatch(/2026-04-01/);
    await nothingWritten(customer);
  });

  it('answers 422 TAX_NO_RATE_IN_FORCE naming the jurisdiction and the date before the first rate', async () => {
    const customer = await customerIn('IL');
    const answer = await write('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: plan }],
      start_at: '2025-12-01T00:00:00-06:00',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.body.code).toBe('TAX_NO_RATE_IN_FORCE');
    expect(answer.body.detail).toMatch(/US-IL.*Illinois.*2025-12-01/);
    await nothingWritten(customer);
  });

  it('answers 400 naming start_at for a date without a time', async () => {
    const customer = await customerIn('IL');
    const answer = await write('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: plan }],
      start_at: '2026-04-01',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'start_at' })]);
    await nothingWritten(customer);
  });
});
