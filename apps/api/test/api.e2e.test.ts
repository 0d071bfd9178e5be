import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

describe.each(backends())('billkit API end to end on $name', ({ start }) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let write: ReturnType<typeof client>;
  let read: ReturnType<typeof client>;
  let other: ReturnType<typeof client>;
  let anon: ReturnType<typeof client>;

  beforeAll(async () => {
    h = await start();
    admin = client(h.baseUrl, h.keys.admin);
    write = client(h.baseUrl, h.keys.write);
    read = client(h.baseUrl, h.keys.read);
    other = client(h.baseUrl, h.keys.otherTenant);
    anon = client(h.baseUrl);
    expect((await admin('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(200);
  }, 60_000);
  afterAll(async () => h?.close());

  describe('operations endpoints', () => {
    it('answers liveness and readiness with the database provider', async () => {
      expect((await anon('GET', '/healthz')).body).toEqual({ status: 'ok' });
      const ready = await anon('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
    });

    it('publishes an OpenAPI 3.1 document listing every /v1 route with bearer auth', async () => {
      const doc = await anon('GET', '/openapi.json');
      expect(doc.body.openapi).toBe('3.1.0');
      const paths = Object.keys(doc.body.paths);
      for (const path of [
        '/v1/customers',
        '/v1/customers/{id}',
        '/v1/products',
        '/v1/prices',
        '/v1/tax/rate-table',
        '/v1/tax/quote',
        '/v1/discounts',
        '/v1/discounts/preview',
        '/v1/subscriptions/{id}/preview-change',
        '/v1/subscriptions/{id}/change',
        '/v1/invoices/upcoming',
        '/v1/invoices/{id}/finalize',
        '/v1/invoices/{id}/pay',
        '/v1/credit-notes',
        '/v1/billing-runs',
        '/v1/audit-events/verify',
        '/v1/webhooks/tilled',
      ]) {
        expect(paths).toContain(path);
      }
      expect(doc.body.paths['/v1/customers'].post.security).toEqual([{ bearerAuth: [] }]);
      const headers = doc.body.paths['/v1/customers'].post.parameters.map((p: { name: string }) => p.name);
      expect(headers).toContain('idempotency-key');
    });

    it('serves the interactive docs page', async () => {
      const response = await fetch(`${h.baseUrl}/docs/`, { redirect: 'follow' });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('swagger');
    });

    it('keeps Prometheus metrics off the public port unless METRICS_TOKEN is set', async () => {
      const metrics = await anon('GET', '/metrics');
      expect(metrics.status).toBe(404);
    });

    it('answers unknown routes with a problem', async () => {
      const response = await anon('GET', '/v2/nothing');
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('API_ROUTE_NOT_FOUND');
    });
  });

  describe('authentication and scopes', () => {
    it.each([
      ['no Authorization header', undefined],
      ['a malformed header', 'Basic abc'],
      ['an unknown key', 'Bearer bk_nope_nope'],
    ])('refuses %s with 401 problem+json', async (_name, header) => {
      const response = await fetch(`${h.baseUrl}/v1/customers`, {
        headers: header ? { authorization: header } : {},
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const body = (await response.json()) as { code: string; status: number; request_id: string };
      expect(body.code).toBe('API_UNAUTHENTICATED');
      expect(body.status).toBe(401);
      expect(body.request_id).toMatch(/^req_/);
    });

    it('lets a read key read but not write', async () => {
      expect((await read('GET', '/v1/customers')).status).toBe(200);
      const denied = await read('POST', '/v1/customers', chicagoCustomer);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('API_FORBIDDEN_SCOPE');
    });

    it('reserves the tax table and billing runs for admin keys', async () => {
      expect((await write('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(403);
      expect((await write('POST', '/v1/billing-runs', {})).status).toBe(403);
      expect((await write('GET', '/v1/audit-events/verify')).status).toBe(403);
    });
  });

  describe('validation', () => {
    it('rejects unknown fields and reports each offending path', async () => {
      const response = await write('POST', '/v1/customers', {
        ...chicagoCustomer,
        currency: 'usd',
        colour: 'red',
      });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('API_VALIDATION_FAILED');
      const paths = response.body.errors.map((e: { path: string }) => e.path);
      expect(paths).toContain('currency');
      expect(response.body.errors.some((e: { message: string }) => e.message.includes('colour'))).toBe(true);
    });

    it.each([
      ['an unknown time zone', { ...chicagoCustomer, timezone: 'Mars/Olympus' }, 'timezone'],
      ['a lower-case country', { ...chicagoCustomer, address: { country: 'us' } }, 'address.country'],
      ['a malformed email', { ...chicagoCustomer, email: 'not-an-email' }, 'email'],
    ])('rejects %s', async (_name, body, path) => {
      const response = await write('POST', '/v1/customers', body);
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    });

    it('rejects malformed JSON and an unknown query parameter', async () => {
      const malformed = await write('POST', '/v1/customers', '{"currency":', {});
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('API_MALFORMED_JSON');
      const query = await read('GET', '/v1/customers?colour=red');
      expect(query.status).toBe(400);
      expect(query.body.errors[0].location).toBe('query');
    });

    it('changes nothing when a request is rejected', async () => {
      const before = await read('GET', '/v1/customers?limit=100');
      await write('POST', '/v1/customers', { ...chicagoCustomer, currency: 'EURO' });
      const after = await read('GET', '/v1/customers?limit=100');
      expect(after.body.data.length).toBe(before.body.data.length);
    });
  });

  describe('customers, tenant scoping and idempotency', () => {
    it('creates, reads, updates and lists customers with cursor pagination', async () => {
      const ids: string[] = [];
      for (const name of ['One', 'Two', 'Three']) {
        const created = await write('POST', '/v1/customers', {
          ...chicagoCustomer,
          name,
          external_id: `ext-${name}-${Date.now()}`,
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          object: 'customer',
          name,
          balance: 0,
          address: { postal_code: '60601' },
        });
        ids.push(created.body.id);
      }
      const updated = await write('POST', `/v1/customers/${ids[0]}`, { name: 'Uno' });
      expect(updated.body.name).toBe('Uno');
      expect(updated.body.email).toBe(chicagoCustomer.email);
      const first = await read('GET', '/v1/customers?limit=2');
      expect(first.body.data).toHaveLength(2);
      expect(first.body.has_more).toBe(true);
      const seen: string[] = first.body.data.map((c: { id: string }) => c.id);
      let cursor = first.body.next_cursor;
      while (cursor) {
        const next = await read('GET', `/v1/customers?limit=2&starting_after=${cursor}`);
        seen.push(...next.body.data.map((c: { id: string }) => c.id));
        cursor = next.body.next_cursor;
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of ids) expect(seen).toContain(id);
    });

    it("answers 404 for another tenant's customer and never leaks or changes it", async () => {
      const mine = await write('POST', '/v1/customers', chicagoCustomer);
      const peek = await other('GET', `/v1/customers/${mine.body.id}`);
      expect(peek.status).toBe(404);
      expect(peek.body.code).toBe('API_NOT_FOUND');
      expect(JSON.stringify(peek.body)).not.toContain('ada@example.com');
      expect((await other('POST', `/v1/customers/${mine.body.id}`, { name: 'Mallory' })).status).toBe(404);
      expect((await read('GET', `/v1/customers/${mine.body.id}`)).body.name).toBe(chicagoCustomer.name);
      const list = await other('GET', '/v1/customers?limit=100');
      expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(mine.body.id);
    });

    it('replays the stored response for a retried Idempotency-Key without creating twice', async () => {
      const key = `idem-${Date.now()}`;
      const body = { ...chicagoCustomer, name: 'Retry Me' };
      const first = await write('POST', '/v1/customers', body, { 'idempotency-key': key });
      const second = await write('POST', '/v1/customers', body, { 'idempotency-key': key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body.id).toBe(first.body.id);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      const all = await read('GET', '/v1/customers?limit=100');
      expect(all.body.data.filter((c: { name: string }) => c.name === 'Retry Me')).toHaveLength(1);
    });

    it('refuses the same Idempotency-Key with a different body (422)', async () => {
      const key = `idem-diff-${Date.now()}`;
      await write('POST', '/v1/customers', { ...chicagoCustomer, name: 'A' }, { 'idempotency-key': key });
      const reused = await write(
        'POST',
        '/v1/customers',
        { ...chicagoCustomer, name: 'B' },
        { 'idempotency-key': key },
      );
      expect(reused.status).toBe(422);
      expect(reused.body.code).toBe('API_IDEMPOTENCY_KEY_REUSED');
    });

    it("keeps idempotency keys per tenant (another tenant's same key is a fresh request)", async () => {
      const key = `idem-shared-${Date.now()}`;
      const a = await write('POST', '/v1/customers', chicagoCustomer, { 'idempotency-key': key });
      const b = await other('POST', '/v1/customers', chicagoCustomer, { 'idempotency-key': key });
      expect(b.status).toBe(201);
      expect(b.body.id).not.toBe(a.body.id);
    });
  });

  describe('catalog, tax and discounts', () => {
    it('creates products and prices, and rejects a price for an unknown product', async () => {
      const product = await write('POST', '/v1/products', { name: 'Weekly pickup', tax_category: 'general' });
      expect(product.status).toBe(201);
      const price = await write('POST', '/v1/prices', {
        product: product.body.id,
        currency: 'USD',
        billing_scheme: 'per_unit',
        unit_amount: 2500,
        recurring: { interval: 'month' },
      });
      expect(price.status).toBe(201);
      expect(price.body).toMatchObject({
        unit_amount: 2500,
        recurring: { interval: 'month', interval_count: 1 },
      });
      const renamed = await write('POST', `/v1/prices/${price.body.id}`, { nickname: 'Standard' });
      expect(renamed.body.nickname).toBe('Standard');
      expect((await write('POST', `/v1/prices/${price.body.id}`, { unit_amount: 1 })).status).toBe(400);
      const missing = await write('POST', '/v1/prices', {
        product: 'prod_missing',
        currency: 'USD',
        billing_scheme: 'flat',
        flat_amount: 100,
      });
      expect(missing.status).toBe(404);
      const listed = await read('GET', `/v1/prices?product=${product.body.id}`);
      expect(listed.body.data).toHaveLength(1);
      expect((await other('GET', `/v1/products/${product.body.id}`)).status).toBe(404);
    });

    it('rejects a tiered price whose last tier is not open', async () => {
      const product = await write('POST', '/v1/products', { name: 'Dumpster' });
      const bad = await write('POST', '/v1/prices', {
        product: product.body.id,
        currency: 'USD',
        billing_scheme: 'tiered',
        tiers_mode: 'graduated',
        tiers: [{ up_to: 5, unit_amount: 100 }],
      });
      expect(bad.status).toBe(400);
      expect(bad.body.errors[0].path).toBe('tiers.0.up_to');
    });

    it('quotes 10.25 % Chicago tax on $100.00 (6.25 + 1.75 + 1.25 + 1)', async () => {
      const quote = await read('POST', '/v1/tax/quote', {
        currency: 'USD',
        tax_date: '2026-01-15',
        customer: { location: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' } },
        lines: [{ id: 'l1', amount: 10000 }],
      });
      expect(quote.status).toBe(200);
      expect(quote.body.tax_total).toEqual({ amount: 1025, currency: 'USD' });
      expect(quote.body.gross_total).toEqual({ amount: 11025, currency: 'USD' });
    });

    it('refuses an invalid rate table with the offending path and keeps the old one', async () => {
      const broken = {
        ...rateTableBody,
        rates: [{ jurisdiction_id: 'US-IL', tax_type: 'sales', rate: '7%', valid_from: '2020-01-01' }],
      };
      const response = await admin('PUT', '/v1/tax/rate-table', broken);
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('TAX_INVALID_TABLE');
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain('rates.0.rate');
      expect((await read('GET', '/v1/tax/rate-table')).body.version).toBe(1);
    });

    it('defines, previews and deactivates a discount', async () => {
      const created = await write('POST', '/v1/discounts', {
        type: 'percentage',
        name: 'Senior 15',
        percent_off: '15',
        duration: { type: 'forever' },
      });
      expect(created.status).toBe(201);
      expect(created.body.definition.percent_off).toBe('15');
      const preview = await read('POST', '/v1/discounts/preview', {
        currency: 'USD',
        discounts: [created.body.id],
        lines: [{ id: 'l1', amount: 10000 }],
      });
      expect(preview.status).toBe(200);
      expect(preview.body.total_discount).toEqual({ amount: 1500, currency: 'USD' });
      expect(preview.body.total).toEqual({ amount: 8500, currency: 'USD' });
      const deactivated = await write('POST', `/v1/discounts/${created.body.id}/deactivate`, {});
      expect(deactivated.body.active).toBe(false);
    });

    it('rejects a discount definition with an unknown field', async () => {
      const response = await write('POST', '/v1/discounts', {
        type: 'percentage',
        percent_off: '10',
        colour: 'red',
      });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain('colour');
    });
  });

  describe('subscriptions, invoices, billing runs and audit', () => {
    let customerId: string;
    let basicPrice: string;
    let premiumPrice: string;
    let perUnitPrice: string;
    let subscriptionId: string;
    let firstInvoice: string;

    beforeAll(async () => {
      customerId = (await write('POST', '/v1/customers', chicagoCustomer)).body.id;
      const product = await write('POST', '/v1/products', {
        name: 'Residential pickup',
        tax_category: 'general',
      });
      const price = (amount: number) =>
        write('POST', '/v1/prices', {
          product: product.body.id,
          currency: 'USD',
          billing_scheme: 'flat',
          flat_amount: amount,
          recurring: { interval: 'month' },
        });
      basicPrice = (await price(10000)).body.id;
      perUnitPrice = (
        await write('POST', '/v1/prices', {
          product: product.body.id,
          currency: 'USD',
          billing_scheme: 'per_unit',
          unit_amount: 2500,
        })
      ).body.id;
      premiumPrice = (await price(20000)).body.id;
    });

    it('creates a subscription with a draft first invoice taxed at 10.25 %', async () => {
      const created = await write('POST', '/v1/subscriptions', {
        customer: customerId,
        items: [{ price: basicPrice }],
        start_at: '2026-01-01T06:00:00Z',
      });
      expect(created.status).toBe(201);
      expect(created.body.subscription).toMatchObject({ status: 'active', customer: customerId, version: 0 });
      expect(created.body.invoice).toMatchObject({ status: 'draft', billing_reason: 'subscription_create' });
      expect(created.body.invoice.subtotal.amount).toBe(10000);
      expect(created.body.invoice.tax.amount).toBe(1025);
      expect(created.body.invoice.total.amount).toBe(11025);
      subscriptionId = created.body.subscription.id;
      firstInvoice = created.body.invoice.id;
      expect(created.body.subscription.latest_invoice).toBe(firstInvoice);
    });

    it('refuses a subscription for an unknown price or another tenant', async () => {
      const unknown = await write('POST', '/v1/subscriptions', {
        customer: customerId,
        items: [{ price: 'price_nope' }],
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors[0].path).toBe('items.0.price');
      expect((await other('GET', `/v1/subscriptions/${subscriptionId}`)).status).toBe(404);
      expect((await other('POST', `/v1/subscriptions/${subscriptionId}/cancel`, {})).status).toBe(404);
    });

    it('previews the upcoming renewal without storing anything', async () => {
      const before = await read('GET', `/v1/invoices?subscription=${subscriptionId}`);
      const upcoming = await read('GET', `/v1/invoices/upcoming?subscription=${subscriptionId}`);
      expect(upcoming.status).toBe(200);
      expect(upcoming.body.billing_reason).toBe('subscription_cycle');
      expect(upcoming.body.total.amount).toBe(11025);
      const after = await read('GET', `/v1/invoices?subscription=${subscriptionId}`);
      expect(after.body.data).toHaveLength(before.body.data.length);
    });

    it('previews a mid-cycle upgrade with a credit for unused time and a charge for the rest', async () => {
      const sub = await read('GET', `/v1/subscriptions/${subscriptionId}`);
      const preview = await read('POST', `/v1/subscriptions/${subscriptionId}/preview-change`, {
        items: [{ id: sub.body.items[0].id, price: premiumPrice }],
        proration_date: '2026-01-16T18:00:00Z',
      });
      expect(preview.status).toBe(200);
      const lines = preview.body.invoice.lines as { amount: { amount: number }; proration: boolean }[];
      expect(lines.some((l) => l.proration && l.amount.amount < 0)).toBe(true);
      expect(lines.some((l) => l.proration && l.amount.amount > 0)).toBe(true);
      // Upgrading from $100 to $200 half-way through costs about $50 before tax.
      expect(preview.body.invoice.subtotal.amount).toBeGreaterThan(4000);
      expect(preview.body.invoice.subtotal.amount).toBeLessThan(6000);
      expect((await read('GET', `/v1/subscriptions/${subscriptionId}`)).body.version).toBe(sub.body.version);
    });

    it('changes the subscription, keeping prorations pending, and refuses a stale version with 409', async () => {
      const sub = await read('GET', `/v1/subscriptions/${subscriptionId}`);
      const changed = await write('POST', `/v1/subscriptions/${subscriptionId}/change`, {
        items: [{ id: sub.body.items[0].id, price: premiumPrice }],
        proration_behavior: 'create_prorations',
        proration_date: '2026-01-16T18:00:00Z',
        expected_version: sub.body.version,
      });
      expect(changed.status).toBe(200);
      expect(changed.body.subscription.items[0].price).toBe(premiumPrice);
      expect(changed.body.subscription.pending_invoice_items.length).toBeGreaterThan(0);
      expect(changed.body.subscription.version).toBe(sub.body.version + 1);
      const stale = await write('POST', `/v1/subscriptions/${subscriptionId}/change`, {
        items: [{ id: sub.body.items[0].id, price: basicPrice }],
        expected_version: sub.body.version,
      });
      expect(stale.status).toBe(409);
      expect(stale.body.code).toBe('API_CONFLICT');
    });

    it('finalizes with a gap-free number, pays out of band, and refuses to void a paid invoice', async () => {
      const finalized = await write('POST', `/v1/invoices/${firstInvoice}/finalize`, {});
      expect(finalized.status).toBe(200);
      expect(finalized.body.status).toBe('open');
      expect(finalized.body.number).toMatch(/^[A-Z]+-0*1$/);
      const again = await write('POST', `/v1/invoices/${firstInvoice}/finalize`, {});
      expect(again.status).toBe(409);
      const paid = await write('POST', `/v1/invoices/${firstInvoice}/pay`, { paid_out_of_band: true });
      expect(paid.status).toBe(200);
      expect(paid.body.status).toBe('paid');
      expect(paid.body.amount_remaining.amount).toBe(0);
      expect(paid.body.amount_paid.amount).toBe(11025);
      const voided = await write('POST', `/v1/invoices/${firstInvoice}/void`, {});
      expect(voided.status).toBe(409);
      expect(voided.body.code).toBe('BILLING_ILLEGAL_INVOICE_TRANSITION');
    });

    it('issues a credit note against the paid invoice whose total is the sum of its parts', async () => {
      const invoice = await read('GET', `/v1/invoices/${firstInvoice}`);
      const note = await write('POST', '/v1/credit-notes', {
        invoice: firstInvoice,
        lines: [{ invoice_line: invoice.body.lines[0].id, amount: 5000 }],
        reason: 'order_change',
      });
      expect(note.status).toBe(201);
      expect(note.body.subtotal.amount).toBe(5000);
      expect(note.body.total.amount).toBe(
        note.body.subtotal.amount - note.body.total_discount.amount + note.body.tax.amount,
      );
      expect((await read('GET', `/v1/credit-notes?invoice=${firstInvoice}`)).body.data).toHaveLength(1);
    });

    it('creates, finalizes and voids a one-off invoice', async () => {
      const created = await write('POST', '/v1/invoices', {
        customer: customerId,
        items: [{ price: perUnitPrice, quantity: 3, description: 'Extra pickups' }],
      });
      expect(created.status).toBe(201);
      expect(created.body.billing_reason).toBe('manual');
      expect(created.body.subtotal.amount).toBe(7500);
      expect((await write('POST', `/v1/invoices/${created.body.id}/finalize`, {})).body.number).toMatch(
        /0*2$/,
      );
      const voided = await write('POST', `/v1/invoices/${created.body.id}/void`, {});
      expect(voided.body.status).toBe('void');
    });

    it('renews due subscriptions once, even when the billing run is called twice', async () => {
      const first = await admin('POST', '/v1/billing-runs', { up_to: '2026-02-01T12:00:00Z' });
      expect(first.status).toBe(201);
      expect(first.body.renewed).toBeGreaterThanOrEqual(1);
      const renewal = await read('GET', `/v1/invoices/${first.body.invoices[0]}`);
      expect(renewal.body.billing_reason).toBe('subscription_cycle');
      // The pending upgrade proration is picked up by the renewal invoice.
      expect(renewal.body.lines.some((l: { proration: boolean }) => l.proration)).toBe(true);
      const second = await admin('POST', '/v1/billing-runs', { up_to: '2026-02-01T12:00:00Z' });
      expect(second.body.renewed).toBe(0);
      expect((await admin('GET', `/v1/billing-runs/${first.body.id}`)).body.renewed).toBe(first.body.renewed);
    });

    it('pauses, resumes and cancels at period end', async () => {
      expect((await write('POST', `/v1/subscriptions/${subscriptionId}/pause`, {})).body.status).toBe(
        'paused',
      );
      const resumed = await write('POST', `/v1/subscriptions/${subscriptionId}/resume`, {});
      expect(resumed.status).toBe(200);
      expect(resumed.body.subscription.status).toBe('active');
      const canceled = await write('POST', `/v1/subscriptions/${subscriptionId}/cancel`, {
        at_period_end: true,
      });
      expect(canceled.body.subscription.cancel_at_period_end).toBe(true);
    });

    it('lists audit events per entity with actor and request id, and verifies the chain', async () => {
      const events = await admin(
        'GET',
        `/v1/audit-events?entity_type=subscription&entity_id=${subscriptionId}&limit=100`,
      );
      expect(events.status).toBe(200);
      const types = events.body.data.map((e: { type: string }) => e.type);
      expect(types).toContain('subscription.created');
      expect(types).toContain('subscription.paused');
      expect(events.body.data[0].actor).toMatch(/\S/);
      expect(events.body.data[0].data.requestId).toMatch(/^req_/);
      const verified = await admin('GET', '/v1/audit-events/verify');
      expect(verified.body).toMatchObject({ valid: true, broken_at_seq: null });
      expect(verified.body.checked).toBeGreaterThan(10);
    });

    it('detects a tampered audit row', async () => {
      const list = await admin('GET', '/v1/audit-events?limit=5');
      const target = list.body.data[2];
      await h.tamperAudit(h.tenantA, target.seq, { ...target.data, after: { forged: true } });
      const verified = await admin('GET', '/v1/audit-events/verify');
      expect(verified.body.valid).toBe(false);
      expect(verified.body.broken_at_seq).toBe(target.seq);
      // The other tenant's chain is untouched.
      expect((await other('GET', '/v1/audit-events/verify')).body.valid).toBe(true);
    });
  });
});
