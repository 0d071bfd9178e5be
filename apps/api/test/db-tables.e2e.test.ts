import type { DbStore } from '@billkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

const databases = backends();

describe.each(databases)("customers, products and prices in @billkit/db's tables on $name", ({ start }) => {
  let h: Harness;
  let write: ReturnType<typeof client>;
  let db: DbStore['db'];

  beforeAll(async () => {
    h = await start();
    write = client(h.baseUrl, h.keys.write);
    db = (h.store as DbStore).db;
    expect((await client(h.baseUrl, h.keys.admin)('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(
      200,
    );
  }, 60_000);
  afterAll(async () => h?.close());

  it("stores what the API writes so db's repositories read it, and keeps metadata beside it", async () => {
    const customer = await write('POST', '/v1/customers', {
      ...chicagoCustomer,
      external_id: 'host-42',
      address: { ...chicagoCustomer.address, districts: [] },
      metadata: { plan: 'gold' },
    });
    expect(customer.status).toBe(201);
    const product = await write('POST', '/v1/products', { name: 'Roll-off', metadata: { size: '20yd' } });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'tiered',
      tiers_mode: 'graduated',
      tiers: [
        { up_to: 2, unit_amount: 5000 },
        { up_to: null, unit_amount: 4000, flat_amount: 1000 },
      ],
      recurring: { interval: 'month', interval_count: 3 },
      lookup_key: 'rolloff-quarterly',
    });
    expect(price.status, JSON.stringify(price.body)).toBe(201);

    const stored = await db.customers.get('ten_a', customer.body.id);
    expect(stored).toMatchObject({
      id: customer.body.id,
      externalId: 'host-42',
      name: chicagoCustomer.name,
      currency: 'USD',
      address: { country: 'US', city: 'Chicago', postalCode: '60601' },
      balance: 0,
    });
    expect((await db.products.get('ten_a', product.body.id))?.name).toBe('Roll-off');
    const [storedPrice] = await db.prices.getMany('ten_a', [price.body.id]);
    expect(storedPrice).toMatchObject({
      productId: product.body.id,
      billingScheme: 'tiered',
      recurring: { interval: 'month', intervalCount: 3 },
    });
    expect((await db.prices.getByLookupKey('ten_a', 'rolloff-quarterly'))?.id).toBe(price.body.id);

    // Read back over HTTP: what db has no column for comes from the side document.
    const read = await write('GET', `/v1/customers/${customer.body.id}`);
    expect(read.body).toEqual(customer.body);
    expect(read.body.metadata).toEqual({ plan: 'gold' });
    expect(read.body.address.districts).toEqual([]);
    expect((await write('GET', `/v1/products/${product.body.id}`)).body).toEqual(product.body);
    expect((await write('GET', `/v1/prices/${price.body.id}`)).body).toEqual(price.body);
    // Another tenant's repositories see nothing.
    expect(await db.customers.get('ten_b', customer.body.id)).toBeNull();
  });

  it("keeps subscriptions and discounts in db's tables, readable by its repositories, exactly as the API answers them", async () => {
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const product = await write('POST', '/v1/products', { name: 'Weekly pickup' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 3000,
      recurring: { interval: 'month' },
    });
    const discount = await write('POST', '/v1/discounts', {
      type: 'percentage',
      name: 'Senior',
      percent_off: '15',
      duration: { type: 'forever' },
    });
    expect(discount.status, JSON.stringify(discount.body)).toBe(201);
    const created = await write('POST', '/v1/subscriptions', {
      customer: customer.body.id,
      items: [{ price: price.body.id, quantity: 2 }],
      discounts: [discount.body.id],
      trial_end: '2026-03-08T06:00:00Z',
      start_at: '2026-03-01T06:00:00Z',
      metadata: { route: 'north' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const sub = created.body.subscription;

    const stored = await db.subscriptions.get('ten_a', sub.id);
    expect(stored).toMatchObject({
      customerId: customer.body.id,
      items: [{ priceId: price.body.id, quantity: 2 }],
      version: sub.version,
      trialEnd: '2026-03-08T06:00:00.000Z',
    });
    expect(stored?.discounts[0]?.discount.id).toBe(discount.body.id);
    expect((await db.discounts.getDefinition('ten_a', discount.body.id))?.definition).toMatchObject({
      id: discount.body.id,
      type: 'percentage',
    });
    expect((await db.subscriptions.list('ten_a', { customerId: customer.body.id })).map((s) => s.id)).toEqual(
      [sub.id],
    );

    const read = await write('GET', `/v1/subscriptions/${sub.id}`);
    expect(read.body).toEqual(sub);
    expect(read.body.trial_end).toBe('2026-03-08T06:00:00.000Z');
    expect(read.body.metadata).toEqual({ route: 'north' });

    // Its first invoice is in db's Invoice / InvoiceLine / …Discount / …Tax rows, sums checked by db's reader.
    const invoiceId = created.body.invoice.id as string;
    const storedInvoice = await db.invoices.get('ten_a', invoiceId);
    expect(storedInvoice).toMatchObject({
      subscriptionId: sub.id,
      status: 'draft',
      total: created.body.invoice.total,
      tax: created.body.invoice.tax,
    });
    expect(storedInvoice?.lines).toHaveLength(created.body.invoice.lines.length);
    expect(storedInvoice?.totalDiscount).toEqual(created.body.invoice.total_discount);
    expect((await write('GET', `/v1/invoices/${invoiceId}`)).body).toEqual(created.body.invoice);
    const finalized = await write('POST', `/v1/invoices/${invoiceId}/finalize`, {});
    expect(finalized.status, JSON.stringify(finalized.body)).toBe(200);
    expect((await db.invoices.getByNumber('ten_a', finalized.body.number))?.id).toBe(invoiceId);
    expect((await write('GET', `/v1/invoices/${invoiceId}`)).body).toEqual(finalized.body);

    // A version-checked change moves the row's version on; the stale version is refused.
    const changed = await write('POST', `/v1/subscriptions/${sub.id}/cancel`, { at_period_end: true });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await db.subscriptions.get('ten_a', sub.id))?.version).toBe(changed.body.subscription.version);
    expect(changed.body.subscription.version).toBeGreaterThan(sub.version);
  });

  it("issues credit notes into db's CreditNote rows against the invoice's lines, and the invoice keeps its lines", async () => {
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const product = await write('POST', '/v1/products', { name: 'Bulk pickup' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'per_unit',
      unit_amount: 2000,
    });
    const invoice = await write('POST', '/v1/invoices', {
      customer: customer.body.id,
      items: [{ price: price.body.id, quantity: 3 }],
    });
    expect(invoice.status, JSON.stringify(invoice.body)).toBe(201);
    expect((await write('POST', `/v1/invoices/${invoice.body.id}/finalize`, {})).status).toBe(200);
    const paid = await write('POST', `/v1/invoices/${invoice.body.id}/pay`, { paid_out_of_band: true });
    expect(paid.body.status).toBe('paid');
    const note = await write('POST', '/v1/credit-notes', {
      invoice: invoice.body.id,
      lines: [{ invoice_line: invoice.body.lines[0].id, amount: 2000 }],
      reason: 'order_change',
    });
    expect(note.status, JSON.stringify(note.body)).toBe(201);

    const stored = await db.creditNotes.get('ten_a', note.body.id);
    expect(stored).toMatchObject({
      invoiceId: invoice.body.id,
      number: note.body.number,
      subtotal: note.body.subtotal,
      total: note.body.total,
    });
    expect(stored?.lines[0]?.invoiceLineId).toBe(invoice.body.lines[0].id);
    expect((await db.creditNotes.listForInvoice('ten_a', invoice.body.id)).map((n) => n.id)).toEqual([
      note.body.id,
    ]);
    expect((await write('GET', `/v1/credit-notes/${note.body.id}`)).body).toEqual(note.body);
    // The paid invoice is unchanged by the note's storage, lines included.
    const after = await write('GET', `/v1/invoices/${invoice.body.id}`);
    expect(after.body.lines).toEqual(paid.body.lines);
    expect((await db.invoices.get('ten_a', invoice.body.id))?.status).toBe(after.body.status);
  });

  it("extends one audit chain with @billkit/db's own writers: API changes and repository appends interleave", async () => {
    const admin = client(h.baseUrl, h.keys.admin);
    await write('POST', '/v1/customers', { ...chicagoCustomer, name: 'Chain A' });
    const [appended] = await db.auditLog.append(h.tenantA, {
      type: 'host.note',
      entityType: 'note',
      entityId: 'note_1',
      data: { by: 'a host using the repositories' },
    });
    await write('POST', '/v1/customers', { ...chicagoCustomer, name: 'Chain B' });
    const events = await admin('GET', '/v1/audit-events?limit=100');
    const seqs = events.body.data.map((e: { seq: number }) => e.seq);
    expect(seqs).toContain(appended?.seq);
    expect(Math.max(...seqs)).toBe((appended?.seq ?? 0) + 1);
    expect(new Set(seqs).size).toBe(seqs.length);
    const verify = await admin('GET', '/v1/audit-events/verify');
    expect(verify.body.valid).toBe(true);
    expect((await db.verifyAuditChain(h.tenantA)).valid).toBe(true);
  });

  it('lists prices by product through the table and pages them by id', async () => {
    const product = await write('POST', '/v1/products', { name: 'Bins' });
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) {
      const p = await write('POST', '/v1/prices', {
        product: product.body.id,
        currency: 'USD',
        billing_scheme: 'per_unit',
        unit_amount: amount,
      });
      ids.push(p.body.id);
    }
    const first = await write('GET', `/v1/prices?product=${product.body.id}&limit=2`);
    expect(first.body.data.map((p: { id: string }) => p.id)).toEqual(ids.slice(0, 2));
    expect(first.body.has_more).toBe(true);
    const rest = await write(
      'GET',
      `/v1/prices?product=${product.body.id}&starting_after=${first.body.next_cursor}`,
    );
    expect(rest.body.data.map((p: { id: string }) => p.id)).toEqual(ids.slice(2));
  });
});
