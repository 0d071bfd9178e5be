import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { chicagoCustomer, rateTableBody } from './support/fixtures.js';
import { client, type Harness } from './support/harness.js';

describe.each(backends())('limits and concurrency on $name', ({ start }) => {
  let h: Harness;
  let write: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    // A small body limit and a per-key rate limit the suite can reach (tenant A's read key is the victim).
    h = await start({ env: { BODY_LIMIT_BYTES: '32768', RATE_LIMIT_PER_MINUTE: '200' } });
    write = client(h.baseUrl, h.keys.write);
    admin = client(h.baseUrl, h.keys.admin);
    expect((await admin('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(200);
  }, 60_000);
  afterAll(async () => h?.close());

  it('refuses a body over the limit with 413 problem+json and stores nothing', async () => {
    const before = await write('GET', '/v1/customers?limit=100');
    const big = { ...chicagoCustomer, metadata: { blob: 'x'.repeat(40_000) } };
    const response = await write('POST', '/v1/customers', big);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('API_BODY_TOO_LARGE');
    expect((await write('GET', '/v1/customers?limit=100')).body.data).toHaveLength(before.body.data.length);
  });

  it.each([
    ['an id longer than the router allows', `/v1/customers/${'c'.repeat(1500)}`, 414, 'API_URI_TOO_LONG'],
    ['a malformed percent-encoding', '/v1/customers/%E0%A4%A', 400, 'API_BAD_URL'],
  ])('answers %s with problem+json, not the framework default', async (_name, path, status, code) => {
    const response = await write('GET', path);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe(code);
    expect(response.body.request_id).toMatch(/^req_/);
  });

  it('rate-limits per API key: the 201st request in a minute is 429, another key is unaffected', async () => {
    const read = client(h.baseUrl, h.keys.read);
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await read('GET', '/v1/products?limit=1')).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await read('GET', '/v1/products?limit=1');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('API_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await client(h.baseUrl, h.keys.otherTenant)('GET', '/v1/products?limit=1')).status).toBe(200);
  });

  async function subscriptionWithTwoPlans() {
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const product = await write('POST', '/v1/products', { name: 'Weekly pickup' });
    const plan = async (amount: number) =>
      (
        await write('POST', '/v1/prices', {
          product: product.body.id,
          currency: 'USD',
          billing_scheme: 'flat',
          flat_amount: amount,
          recurring: { interval: 'month' },
        })
      ).body.id as string;
    const small = await plan(3000);
    const large = await plan(4500);
    const created = await write('POST', '/v1/subscriptions', {
      customer: customer.body.id,
      items: [{ price: small }],
      start_at: '2026-03-01T06:00:00Z',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { subscription: created.body.subscription, small, large };
  }

  it('applies each of 20 parallel changes to one subscription exactly once or answers 409', async () => {
    const { subscription, small, large } = await subscriptionWithTwoPlans();
    const itemId = subscription.items[0].id as string;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        write('POST', `/v1/subscriptions/${subscription.id}/change`, {
          items: [{ id: itemId, price: i % 2 === 0 ? large : small }],
          proration_behavior: 'none',
          proration_date: '2026-03-10T12:00:00Z',
        }),
      ),
    );
    const applied = results.filter((r) => r.status === 200);
    const conflicts = results.filter((r) => r.status === 409);
    expect(applied.length + conflicts.length).toBe(20);
    for (const c of conflicts) expect(c.body.code).toMatch(/CONFLICT/);
    // Every applied change bumped the version by exactly one, each to a distinct version.
    const versions = applied.map((r) => r.body.subscription.version as number).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(applied.length);
    const after = await write('GET', `/v1/subscriptions/${subscription.id}`);
    expect(after.body.version).toBe(subscription.version + applied.length);
    const audit = await admin('GET', `/v1/audit-events?entity_id=${subscription.id}&limit=100`);
    const changes = audit.body.data.filter((e: { type: string }) => e.type === 'subscription.updated');
    expect(changes).toHaveLength(applied.length);
    expect((await admin('GET', '/v1/audit-events/verify')).body.valid).toBe(true);
  });

  it('lets exactly one of 20 parallel changes carrying the same expected_version win; the rest get 409', async () => {
    const { subscription, large } = await subscriptionWithTwoPlans();
    const itemId = subscription.items[0].id as string;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        write('POST', `/v1/subscriptions/${subscription.id}/change`, {
          items: [{ id: itemId, price: large }],
          proration_behavior: 'none',
          proration_date: '2026-03-10T12:00:00Z',
          expected_version: subscription.version,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const conflicts = results.filter((r) => r.status === 409);
    expect(conflicts).toHaveLength(19);
    expect(new Set(conflicts.map((r) => r.body.code))).toEqual(new Set(['API_CONFLICT']));
    expect((await write('GET', `/v1/subscriptions/${subscription.id}`)).body.version).toBe(
      subscription.version + 1,
    );
  });

  it('counts each redemption of one discount by 12 parallel new subscriptions once and stops at max_redemptions', async () => {
    const customer = await write('POST', '/v1/customers', chicagoCustomer);
    const product = await write('POST', '/v1/products', { name: 'Bin rental' });
    const price = await write('POST', '/v1/prices', {
      product: product.body.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 2000,
      recurring: { interval: 'month' },
    });
    const discount = await write('POST', '/v1/discounts', {
      type: 'percentage',
      name: 'Launch 10',
      percent_off: '10',
      duration: { type: 'forever' },
      max_redemptions: 5,
    });
    expect(discount.status, JSON.stringify(discount.body)).toBe(201);
    // Each subscription redeems the discount: a read-modify-write of one shared row per request.
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        write('POST', '/v1/subscriptions', {
          customer: customer.body.id,
          items: [{ price: price.body.id }],
          discounts: [discount.body.id],
          start_at: '2026-03-01T06:00:00Z',
        }),
      ),
    );
    for (const r of results) expect(r.status, JSON.stringify(r.body)).toBe(201);
    // Like Stripe, an exhausted discount is not applied (the subscription is still created): exactly the
    // first five redeemed it, each counted once.
    const discounted = results.filter((r) => r.body.invoice.total_discount.amount > 0);
    expect(discounted).toHaveLength(5);
    for (const r of discounted) expect(r.body.invoice.total_discount.amount).toBe(200);
    const after = await write('GET', `/v1/discounts/${discount.body.id}`);
    expect(after.body.times_redeemed).toBe(5);
    expect((await admin('GET', '/v1/audit-events/verify')).body.valid).toBe(true);
  });

  it('counts a subscription redeeming a discount once, however many prorated changes follow in its first period', async () => {
    const { subscription, large, small } = await subscriptionWithTwoPlans();
    const discount = await write('POST', '/v1/discounts', {
      type: 'percentage',
      name: 'Welcome 20',
      percent_off: '20',
      duration: { type: 'forever' },
      max_redemptions: 2,
    });
    const withDiscount = await write('POST', '/v1/subscriptions', {
      customer: subscription.customer,
      items: [{ price: small }],
      discounts: [discount.body.id],
      start_at: '2026-03-01T06:00:00Z',
    });
    expect(withDiscount.status, JSON.stringify(withDiscount.body)).toBe(201);
    expect((await write('GET', `/v1/discounts/${discount.body.id}`)).body.times_redeemed).toBe(1);
    const itemId = withDiscount.body.subscription.items[0].id as string;
    for (const [day, price] of [
      [10, large],
      [15, small],
      [20, large],
    ] as const) {
      const changed = await write('POST', `/v1/subscriptions/${withDiscount.body.subscription.id}/change`, {
        items: [{ id: itemId, price }],
        proration_behavior: 'always_invoice',
        proration_date: `2026-03-${day}T12:00:00Z`,
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      // The discount still applies to the proration (it was not refused as exhausted).
      expect(changed.body.invoice.total_discount.amount).not.toBe(0);
    }
    expect((await write('GET', `/v1/discounts/${discount.body.id}`)).body.times_redeemed).toBe(1);
  });

  it('takes 90 prorated changes of one subscription in one period (its billed lines outgrow 64 KB)', async () => {
    const { subscription, small, large } = await subscriptionWithTwoPlans();
    const itemId = subscription.items[0].id as string;
    // A key of its own: 90 changes would spend most of the shared write key's rate limit of 200/minute.
    const key = await admin('POST', '/v1/api-keys', { name: 'bulk-changes', scopes: ['write'] });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const bulk = client(h.baseUrl, key.body.secret as string);
    let last: Awaited<ReturnType<typeof write>> | undefined;
    for (let n = 1; n <= 90; n++) {
      last = await bulk('POST', `/v1/subscriptions/${subscription.id}/change`, {
        items: [{ id: itemId, price: n % 2 === 0 ? small : large }],
        proration_behavior: 'always_invoice',
        proration_date: new Date(Date.parse('2026-03-02T00:00:00Z') + n * 3_600_000).toISOString(),
      });
      expect(last.status, `change ${n}: ${JSON.stringify(last.body)}`).toBe(200);
    }
    const after = await bulk('GET', `/v1/subscriptions/${subscription.id}`);
    expect(after.body.version).toBe(subscription.version + 90);
    expect(after.body.items[0].price).toBe(small);
  }, 120_000);

  it('runs 12 concurrent twins of one Idempotency-Key once: one subscription change, one audit event, one answer', async () => {
    const { subscription, large } = await subscriptionWithTwoPlans();
    const itemId = subscription.items[0].id as string;
    const key = `twins-${subscription.id}`;
    const body = {
      items: [{ id: itemId, price: large }],
      proration_behavior: 'none',
      proration_date: '2026-03-10T12:00:00Z',
    };
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        write('POST', `/v1/subscriptions/${subscription.id}/change`, body, { 'idempotency-key': key }),
      ),
    );
    // Every twin either ran (exactly one) or got that run's stored response; none saw a half-done state.
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(results.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.subscription.version))).toEqual(
      new Set([subscription.version + 1]),
    );
    const after = await write('GET', `/v1/subscriptions/${subscription.id}`);
    expect(after.body.version).toBe(subscription.version + 1);
    const audit = await admin('GET', `/v1/audit-events?entity_id=${subscription.id}&limit=100`);
    expect(audit.body.data.filter((e: { type: string }) => e.type === 'subscription.updated')).toHaveLength(
      1,
    );
  });

  it('stores a refused change with its key and replays the refusal, changing nothing', async () => {
    const { subscription, large } = await subscriptionWithTwoPlans();
    const key = `refused-${subscription.id}`;
    const body = {
      items: [{ id: subscription.items[0].id, price: large }],
      proration_behavior: 'none',
      proration_date: '2026-03-10T12:00:00Z',
      expected_version: subscription.version + 5,
    };
    const url = `/v1/subscriptions/${subscription.id}/change`;
    const first = await write('POST', url, body, { 'idempotency-key': key });
    expect(first.status).toBe(409);
    const retry = await write('POST', url, body, { 'idempotency-key': key });
    expect(retry.status).toBe(409);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.code).toBe(first.body.code);
    expect((await write('GET', `/v1/subscriptions/${subscription.id}`)).body.version).toBe(
      subscription.version,
    );
    const other = await write(
      'POST',
      url,
      { ...body, expected_version: subscription.version },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('API_IDEMPOTENCY_KEY_REUSED');
  });

  it('recomputes the upcoming invoice after the tax table is replaced (no stale preview or rate table)', async () => {
    const { subscription } = await subscriptionWithTwoPlans();
    const url = `/v1/invoices/upcoming?subscription=${subscription.id}`;
    const before = await write('GET', url);
    expect(before.status).toBe(200);
    // $30.00 in Chicago: 6.25 % + 1.75 % + 1.25 % + 1 % = 10.25 % → $3.08 (3.075 rounded half up).
    expect(before.body.tax.amount).toBe(308);
    expect((await write('GET', url)).body).toEqual(before.body);
    const rates = (rateTableBody.rates as { jurisdiction_id: string }[]).filter(
      (r) => r.jurisdiction_id !== 'US-IL',
    );
    try {
      expect((await admin('PUT', '/v1/tax/rate-table', { ...rateTableBody, rates })).status).toBe(200);
      const after = await write('GET', url);
      // Without the 6.25 % state rate: 4 % of $30.00 = $1.20.
      expect(after.body.tax.amount).toBe(120);
      expect(after.body.total.amount).toBe(3120);
    } finally {
      expect((await admin('PUT', '/v1/tax/rate-table', rateTableBody)).status).toBe(200);
    }
    expect((await write('GET', url)).body.tax.amount).toBe(308);
  });
});
