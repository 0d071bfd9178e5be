import { createRequire } from 'node:module';
import type { DbStore } from '@billkit/db';
import { createConnection } from 'mariadb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

// The money rules of the workflows issue over HTTP, against the real server on loopback: a credit discount
// is spent once, a credit or fixed discount never makes a proration invoice negative, tax rates follow the
// customer's local date, and deleting the newest audit events fails verification.

const texas = { currency: 'USD', timezone: 'America/Chicago', address: { country: 'US', region: 'TX' } };

/** Germany's 2020 VAT cut: 16 % until 31 December 2020, 19 % from 1 January 2021. */
const germany = {
  tax_categories: [{ id: 'general' }],
  jurisdictions: [{ id: 'DE', name: 'Germany', level: 'country', country: 'DE' }],
  rates: [
    {
      jurisdiction_id: 'DE',
      tax_type: 'vat',
      rate: '0.16',
      valid_from: '2020-07-01',
      valid_to: '2021-01-01',
    },
    { jurisdiction_id: 'DE', tax_type: 'vat', rate: '0.19', valid_from: '2021-01-01' },
  ],
};

/** Deletes the tenant's audit events with `seq` above `keep`, bypassing the API (as an attacker with SQL would). */
async function deleteNewestAuditEvents(h: Harness, tenantId: string, keep: number): Promise<number> {
  const target = (h.store as DbStore).db.target;
  if (target.provider === 'sqlite') {
    // libsql is @billkit/db's SQLite driver; resolve it from there. (Its busy timeout is 0 unless given.)
    const Sqlite = createRequire(createRequire(import.meta.url).resolve('@billkit/db'))('libsql');
    const file = new Sqlite(target.file, { timeout: 10_000 });
    try {
      return file.prepare('DELETE FROM "AuditEvent" WHERE "tenantId" = ? AND "seq" > ?').run(tenantId, keep)
        .changes as number;
    } finally {
      file.close();
    }
  }
  const conn = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
  });
  try {
    const result = await conn.query('DELETE FROM `AuditEvent` WHERE `tenantId` = ? AND `seq` > ?', [
      tenantId,
      keep,
    ]);
    return Number(result.affectedRows);
  } finally {
    await conn.end();
  }
}

describe.each(backends())('discount, tax-date and audit money rules over HTTP on $name', ({ start }) => {
  let now = new Date('2026-01-01T06:00:00.000Z');
  let h: Harness;
  let write: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;
  let plan30: string;
  let plan60: string;

  beforeAll(async () => {
    h = await start({ appDeps: { clock: () => now } });
    write = client(h.baseUrl, h.keys.write);
    admin = client(h.baseUrl, h.keys.admin);
    expect((await admin('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(200);
    const product = await write('POST', '/v1/products', { name: 'Curbside pickup' });
    const monthly = async (flat_amount: number) =>
      (
        await write('POST', '/v1/prices', {
          product: product.body.id,
          currency: 'USD',
          billing_scheme: 'flat',
          flat_amount,
          recurring: { interval: 'month' },
        })
      ).body.id as string;
    plan30 = await monthly(3000);
    plan60 = await monthly(6000);
  }, 60_000);
  afterAll(async () => h?.close());

  const creditRemaining = async (subscription: string, discount: string) =>
    (await write('GET', `/v1/subscriptions/${subscription}`)).body.discounts.find(
      (d: { discount: { id: string } }) => d.discount.id === discount,
    )?.credit_remaining;

  it('spends a 50.00 credit once on a 30.00/month plan: 30.00, then 20.00, then nothing', async () => {
    now = new Date('2026-01-01T06:00:00.000Z');
    const credit = await write('POST', '/v1/discounts', {
      type: 'credit',
      name: 'Welcome credit',
      amount: { amount: 5000, currency: 'USD' },
    });
    expect(credit.status, JSON.stringify(credit.body)).toBe(201);
    const customer = (await write('POST', '/v1/customers', texas)).body.id as string;
    const created = await write('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: plan30 }],
      discounts: [credit.body.id],
      start_at: now.toISOString(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const subscription = created.body.subscription.id as string;
    const discounts = [created.body.invoice.total_discount.amount];
    expect(await creditRemaining(subscription, credit.body.id)).toBe(2000);
    const remaining = [];
    for (const upTo of ['2026-02-01T12:00:00Z', '2026-03-01T12:00:00Z', '2026-04-01T12:00:00Z']) {
      now = new Date(upTo);
      const run = await admin('POST', '/v1/billing-runs', { up_to: upTo });
      expect(run.status).toBe(201);
      expect(run.body.renewed).toBe(1);
      remaining.push(await creditRemaining(subscription, credit.body.id));
    }
    const cycles = (await write('GET', `/v1/invoices?subscription=${subscription}&limit=100`)).body.data
      .filter((i: { billing_reason: string }) => i.billing_reason === 'subscription_cycle')
      .sort(
        (a: { period_start: string }, b: { period_start: string }) =>
          Date.parse(a.period_start) - Date.parse(b.period_start),
      );
    expect(cycles).toHaveLength(3);
    for (const cycle of cycles) discounts.push(cycle.total_discount.amount);
    expect(discounts).toEqual([3000, 2000, 0, 0]);
    expect(remaining).toEqual([0, 0, 0]);
  });

  it.each([
    ['a credit discount', { type: 'credit', name: 'Credit', amount: { amount: 10000, currency: 'USD' } }],
    [
      'a fixed-amount coupon',
      {
        type: 'fixed_amount',
        name: '25 off',
        amount_off: { amount: 2500, currency: 'USD' },
        duration: { type: 'forever' },
      },
    ],
  ])('never makes a mid-period upgrade invoice negative with %s', async (_name, definition) => {
    now = new Date('2026-05-01T06:00:00.000Z');
    const discount = await write('POST', '/v1/discounts', definition);
    expect(discount.status, JSON.stringify(discount.body)).toBe(201);
    const customer = (await write('POST', '/v1/customers', texas)).body.id as string;
    const created = await write('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: plan30 }],
      discounts: [discount.body.id],
      start_at: now.toISOString(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    now = new Date('2026-05-16T06:00:00.000Z');
    const upgraded = await write('POST', `/v1/subscriptions/${created.body.subscription.id}/change`, {
      items: [{ id: created.body.subscription.items[0].id, price: plan60 }],
      proration_behavior: 'always_invoice',
    });
    expect(upgraded.status, JSON.stringify(upgraded.body)).toBe(200);
    const invoice = upgraded.body.invoice;
    expect(invoice.lines.some((l: { amount: { amount: number } }) => l.amount.amount < 0)).toBe(true);
    expect(invoice.total.amount).toBeGreaterThanOrEqual(0);
    expect(invoice.subtotal.amount - invoice.total_discount.amount + invoice.tax.amount).toBe(
      invoice.total.amount,
    );
    expect(invoice.amount_due.amount).toBeGreaterThanOrEqual(0);
  });

  it('taxes a Berlin customer whose subscription starts at local midnight on 1 January 2021 at 19 %, not 16 %', async () => {
    now = new Date('2020-12-31T23:00:00.000Z');
    // A tenant of its own: tenant B, with the German table.
    const other = client(h.baseUrl, h.keys.otherTenant);
    expect((await other('PUT', '/v1/tax/rate-table', germany)).status).toBe(200);
    const product = await other('POST', '/v1/products', { name: 'Abholung' });
    const price = await other('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'EUR',
      billing_scheme: 'flat',
      flat_amount: 10000,
      recurring: { interval: 'month' },
    });
    const customer = await other('POST', '/v1/customers', {
      currency: 'EUR',
      timezone: 'Europe/Berlin',
      address: { country: 'DE', city: 'Berlin' },
    });
    const created = await other('POST', '/v1/subscriptions', {
      customer: customer.body.id,
      items: [{ price: price.body.id }],
      start_at: '2020-12-31T23:00:00Z',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.invoice.tax.amount).toBe(1900);
  });

  it("fails verification when the newest audit events are deleted (the tenant's chain head remembers them)", async () => {
    expect((await admin('GET', '/v1/audit-events/verify')).body.valid).toBe(true);
    const newest = (await admin('GET', '/v1/audit-events?limit=100')).body;
    const seqs = newest.data.map((e: { seq: number }) => e.seq);
    const last = Math.max(...seqs);
    expect(await deleteNewestAuditEvents(h, h.tenantA, last - 2)).toBe(2);
    const verified = await admin('GET', '/v1/audit-events/verify');
    expect(verified.status).toBe(200);
    expect(verified.body.valid).toBe(false);
  });
});
