// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import type { Call } from './http.js';

/** A minimal real rate table: Illinois state sales tax 6.25 % on `general`, Oregon untaxed. */
export const RATE_TABLE = {
  name: 'reliability suite',
  tax_categories: [{ id: 'general', description: 'General' }],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-IL', name: 'Illinois', level: 'state', parent_id: 'US', match: { region: 'IL' } },
  ],
  rates: [{ jurisdiction_id: 'US-IL', tax_type: 'sales', rate: '0.0625', valid_from: '2016-01-01' }],
};

export interface Catalog {
  readonly productId: string;
  /** $10.00 per unit per month, tax exclusive. */
  readonly monthlyPriceId: string;
  /** $100.00 once. */
  readonly oneOffPriceId: string;
  readonly customerIds: string[];
}

async function ok(res: Promise<{ status: number; body: any; text: string }>, what: string): Promise<any> {
  const r = await res;
  if (r.status < 200 || r.status >= 300)
    throw new Error(`${what} answered ${r.status}: ${r.text.slice(0, 600)}`);
  return r.body;
}

/** The tax table (admin), a product, a monthly and a one-off price, and `customers` Illinois customers. */
export async function seedCatalog(admin: Call, customers = 3): Promise<Catalog> {
  await ok(admin('PUT', '/v1/tax/rate-table', RATE_TABLE), 'PUT /v1/tax/rate-table');
  const product = await ok(
    admin('POST', '/v1/products', { name: 'Weekly curbside pickup' }),
    'POST /v1/products',
  );
  const monthly = await ok(
    admin('POST', '/v1/prices', {
      product: product.id,
      currency: 'USD',
      billing_scheme: 'per_unit',
      unit_amount: 1000,
      recurring: { interval: 'month' },
    }),
    'POST /v1/prices (monthly)',
  );
  const oneOff = await ok(
    admin('POST', '/v1/prices', {
      product: product.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 10000,
    }),
    'POST /v1/prices (one-off)',
  );
  const customerIds: string[] = [];
  for (let i = 0; i < customers; i++) {
    const c = await ok(
      admin('POST', '/v1/customers', {
        currency: 'USD',
        name: `Reliability customer ${i}`,
        email: `rel-${i}@example.com`,
        address: { country: 'US', region: 'IL', city: 'Springfield', postal_code: '62701' },
      }),
      'POST /v1/customers',
    );
    customerIds.push(c.id);
  }
  return { productId: product.id, monthlyPriceId: monthly.id, oneOffPriceId: oneOff.id, customerIds };
}

export async function createSubscription(
  call: Call,
  catalog: Catalog,
  customerId: string,
  quantity = 1,
): Promise<{ id: string; version: number; itemId: string }> {
  const body = await ok(
    call('POST', '/v1/subscriptions', {
      customer: customerId,
      items: [{ price: catalog.monthlyPriceId, quantity }],
    }),
    'POST /v1/subscriptions',
  );
  const sub = body.subscription ?? body;
  return { id: sub.id, version: sub.version, itemId: sub.items[0].id };
}

/** A finalized (open) one-off invoice of $100 + 6.25 % tax. */
export async function createOpenInvoice(call: Call, catalog: Catalog, customerId: string): Promise<any> {
  const draft = await ok(
    call('POST', '/v1/invoices', { customer: customerId, items: [{ price: catalog.oneOffPriceId }] }),
    'POST /v1/invoices',
  );
  return ok(call('POST', `/v1/invoices/${draft.id}/finalize`, {}), 'POST /v1/invoices/:id/finalize');
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
