// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, seedCatalog } from './support/fixtures.js';
import { type CallResult, client, isProblem } from './support/http.js';
import { checksumAllTables } from './support/mariadb.js';
import { API_DIR } from './support/paths.js';
import type { ApiProcess } from './support/server.js';
import { type Stack, startStack } from './support/stack.js';
import { tally } from './support/summary.js';

// Issue 18, "hostile input": each attack of the table, against the real API process on MariaDB.
// Every refusal must be a 4xx problem+json with a code naming the field, change nothing, and never be a
// 5xx; the limiters must count what they claim to count and never lock out a valid key.

const SUITE = 'hostile input';
const AUTH_FAILURE_LIMIT = 20;
const RATE_LIMIT = 30;
/** Loopback is the proxy in front of the API here: the client address is the X-Forwarded-For entry. */
const PROXY_ENV = { TRUST_PROXY: 'loopback', AUTH_FAILURE_LIMIT_PER_MINUTE: String(AUTH_FAILURE_LIMIT) };

let stack: Stack;
let catalog: Catalog;
let discountId: string;
let mishandled = 0;
let tried = 0;

/** Checks a refusal: 4xx problem+json with `code`, naming `field` when given (in `errors[].path`). */
function expectRefusal(res: CallResult, status: number, code: string | RegExp, field?: string): void {
  tried += 1;
  if (res.status >= 500 || res.status < 400) mishandled += 1;
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expect(isProblem(res), res.text.slice(0, 300)).toBe(true);
  if (typeof code === 'string') expect(res.body.code).toBe(code);
  else expect(res.body.code).toMatch(code);
  expect(res.text).not.toMatch(/node_modules|at [A-Za-z.]+ \(|RangeError|Maximum call stack/);
  if (field !== undefined) {
    const paths = (res.body.errors ?? []).map((e: { path: string }) => e.path);
    expect(paths, res.text.slice(0, 500)).toContain(field);
  }
}

/** `depth` nested arrays, as raw JSON text (`[[[…]]]`). */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

beforeAll(async () => {
  stack = await startStack('hostile', { env: PROXY_ENV });
  catalog = await seedCatalog(stack.as('admin'), 1);
  const discount = await stack.as('admin')('POST', '/v1/discounts', {
    type: 'percentage',
    name: 'Hostile',
    percent_off: '10',
    duration: { type: 'forever' },
  });
  expect(discount.status, discount.text).toBe(201);
  discountId = discount.body.id;
});

afterAll(async () => {
  tally(SUITE, { badInputs: tried, badInputsMishandled: mishandled });
  await stack?.close();
});

describe('JSON depth', () => {
  it('answers 400 API_JSON_TOO_DEEP to 8,000 nested [ inside a JSON field (16 KB), on every route that takes free-form JSON, and stays up', async () => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    const deep = nestedArrays(8000);
    expect(deep.length).toBe(16_000);
    const bodies: [string, string, string][] = [
      [
        'PUT',
        '/v1/tax/rate-table',
        `{"tax_categories":[{"id":"general","note":${deep}}],"jurisdictions":[{"id":"US"}],"rates":[]}`,
      ],
      ['POST', '/v1/customers', `{"currency":"USD","address":{"country":"US"},"metadata":${deep}}`],
      ['POST', '/v1/products', `{"name":"deep","metadata":{"k":${deep}}}`],
      ['POST', '/v1/tax/quote', `{"currency":"USD","tax_date":"2025-01-01","customer":${deep}}`],
      ['POST', '/v1/discounts', `{"type":"percentage","name":"x","percent_off":"5","duration":${deep}}`],
      ['POST', `/v1/invoices/${'in_x'}/pay`, `{"payment_method":${deep}}`],
    ];
    for (const [method, path, body] of bodies) {
      const res = await admin(method, path, body);
      expectRefusal(res, 400, 'API_JSON_TOO_DEEP');
    }
    // Objects nest the same way, and a deep body in many parallel requests does not take the process down.
    const deepObject = `${'{"a":'.repeat(8000)}1${'}'.repeat(8000)}`;
    const parallel = await Promise.all(
      Array.from({ length: 20 }, () =>
        admin(
          'PUT',
          '/v1/tax/rate-table',
          `{"tax_categories":[${deepObject}],"jurisdictions":[],"rates":[]}`,
        ),
      ),
    );
    for (const res of parallel) expectRefusal(res, 400, 'API_JSON_TOO_DEEP');
    expect((await fetch(`${stack.api.url}/readyz`)).status).toBe(200);
    // A legitimately nested document still goes through.
    const ok = await admin('GET', '/v1/tax/rate-table');
    expect(ok.status, ok.text).toBe(200);
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });
});

describe('amounts and instants out of range', () => {
  it('answers 422 naming the quantity when a price of 2^53−1 × quantity 2 overflows, on subscriptions and invoices', async () => {
    const admin = stack.as('admin');
    const huge = await admin('POST', '/v1/prices', {
      product: catalog.productId,
      currency: 'USD',
      billing_scheme: 'per_unit',
      unit_amount: Number.MAX_SAFE_INTEGER,
      recurring: { interval: 'month' },
    });
    expect(huge.status, huge.text).toBe(201);
    const hugeOnce = await admin('POST', '/v1/prices', {
      product: catalog.productId,
      currency: 'USD',
      billing_scheme: 'per_unit',
      unit_amount: Number.MAX_SAFE_INTEGER,
    });
    expect(hugeOnce.status, hugeOnce.text).toBe(201);
    const before = await checksumAllTables(stack.db.name);
    const customer = catalog.customerIds[0];
    const sub = await admin('POST', '/v1/subscriptions', {
      customer,
      items: [{ price: huge.body.id, quantity: 2 }],
    });
    expectRefusal(sub, 422, 'BILLING_AMOUNT_OVERFLOW', 'items.0.quantity');
    const inv = await admin('POST', '/v1/invoices', {
      customer,
      items: [{ price: hugeOnce.body.id, quantity: 2 }],
    });
    expectRefusal(inv, 422, 'BILLING_AMOUNT_OVERFLOW', 'items.0.quantity');
    // Each line fits, their sum or their tax does not: the invoice's items are named.
    const twoLines = await admin('POST', '/v1/invoices', {
      customer,
      items: [{ price: hugeOnce.body.id }, { price: hugeOnce.body.id }],
    });
    expectRefusal(twoLines, 422, 'BILLING_AMOUNT_OVERFLOW', 'items');
    const taxed = await admin('POST', '/v1/subscriptions', { customer, items: [{ price: huge.body.id }] });
    expectRefusal(taxed, 422, 'BILLING_AMOUNT_OVERFLOW', 'items');
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  it.each([
    ['start_at in year 9999', '/v1/subscriptions', { start_at: '9999-12-31T00:00:00Z' }, 'start_at'],
    ['start_at in year 1000', '/v1/subscriptions', { start_at: '1000-01-01T00:00:00Z' }, 'start_at'],
    ['trial_end in year 9999', '/v1/subscriptions', { trial_end: '9999-01-01T00:00:00Z' }, 'trial_end'],
    ['billing run up_to in year 9999', '/v1/billing-runs', { up_to: '9999-01-01T00:00:00Z' }, 'up_to'],
    ['dunning run now in year 1000', '/v1/dunning-runs', { now: '1000-01-01T00:00:00Z' }, 'now'],
  ])('answers 400 naming the field for %s, and stores nothing', async (_label, path, extra, field) => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    const body =
      path === '/v1/subscriptions'
        ? { customer: catalog.customerIds[0], items: [{ price: catalog.monthlyPriceId }], ...extra }
        : extra;
    const res = await admin('POST', path, body);
    expectRefusal(res, 400, 'API_VALIDATION_FAILED', field);
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  it('answers 400 naming tax_date for a tax quote in year 9999', async () => {
    const res = await stack.as('admin')('POST', '/v1/tax/quote', {
      currency: 'USD',
      tax_date: '9999-06-01',
      customer: { location: { country: 'US', region: 'IL' } },
      lines: [{ id: 'a', amount: 100 }],
    });
    expectRefusal(res, 400, 'API_VALIDATION_FAILED', 'tax_date');
  });
});

describe('currencies and countries against the ISO lists', () => {
  const customerBody = (over: Record<string, unknown>) => ({
    currency: 'USD',
    address: { country: 'US', region: 'IL' },
    ...over,
  });

  it.each([
    ['customer currency QQQ', 'POST', '/v1/customers', customerBody({ currency: 'QQQ' }), 'currency'],
    [
      'customer country ZZ',
      'POST',
      '/v1/customers',
      customerBody({ address: { country: 'ZZ' } }),
      'address.country',
    ],
    [
      'customer country AA (unassigned)',
      'POST',
      '/v1/customers',
      customerBody({ address: { country: 'AA' } }),
      'address.country',
    ],
    [
      'price currency QQQ',
      'POST',
      '/v1/prices',
      () => ({ product: catalog.productId, currency: 'QQQ', billing_scheme: 'flat', flat_amount: 100 }),
      'currency',
    ],
    [
      'tax quote currency QQQ',
      'POST',
      '/v1/tax/quote',
      {
        currency: 'QQQ',
        tax_date: '2025-06-01',
        customer: { location: { country: 'US' } },
        lines: [{ id: 'a', amount: 100 }],
      },
      'currency',
    ],
    [
      'tax quote country ZZ',
      'POST',
      '/v1/tax/quote',
      {
        currency: 'USD',
        tax_date: '2025-06-01',
        customer: { location: { country: 'ZZ' } },
        lines: [{ id: 'a', amount: 100 }],
      },
      'customer.location.country',
    ],
    [
      'discount preview currency QQQ',
      'POST',
      '/v1/discounts/preview',
      () => ({ currency: 'QQQ', discounts: [discountId], lines: [{ id: 'a', amount: 100 }] }),
      'currency',
    ],
  ])('answers 400 naming the field for %s, and stores nothing', async (_label, method, path, body, field) => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    const res = await admin(method, path, typeof body === 'function' ? body() : body);
    expectRefusal(res, 400, 'API_VALIDATION_FAILED', field);
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  it('refuses a customer update to country ZZ and a tax table whose jurisdiction is in country ZZ', async () => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    const update = await admin('POST', `/v1/customers/${catalog.customerIds[0]}`, {
      address: { country: 'ZZ' },
    });
    expectRefusal(update, 400, 'API_VALIDATION_FAILED', 'address.country');
    const table = await admin('PUT', '/v1/tax/rate-table', {
      tax_categories: [{ id: 'general' }],
      jurisdictions: [{ id: 'ZZ', name: 'Nowhere', level: 'country', country: 'ZZ' }],
      rates: [{ jurisdiction_id: 'ZZ', tax_type: 'vat', rate: '0.2', valid_from: '2020-01-01' }],
    });
    expectRefusal(table, 400, 'API_VALIDATION_FAILED', 'jurisdictions.0.country');
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  it('still accepts real codes in any supported currency and country (JPY in JP, EUR in DE, lower case refused)', async () => {
    const admin = stack.as('admin');
    const jp = await admin(
      'POST',
      '/v1/customers',
      customerBody({ currency: 'JPY', address: { country: 'JP' } }),
    );
    expect(jp.status, jp.text).toBe(201);
    const de = await admin(
      'POST',
      '/v1/customers',
      customerBody({ currency: 'EUR', address: { country: 'DE' } }),
    );
    expect(de.status, de.text).toBe(201);
    const lower = await admin('POST', '/v1/customers', customerBody({ currency: 'usd' }));
    expectRefusal(lower, 400, 'API_VALIDATION_FAILED', 'currency');
  });
});

describe('failed-authentication limiter behind a proxy', () => {
  const viaProxy = (key: string | undefined, clientAddress: string) => {
    const call = client(stack.api.url, key);
    return (path: string) => call('GET', path, undefined, { headers: { 'x-forwarded-for': clientAddress } });
  };

  it(`locks out only the client that sent ${AUTH_FAILURE_LIMIT} bad keys (its X-Forwarded-For address), never a valid key`, async () => {
    const attacker = '203.0.113.7';
    const bad = viaProxy('bk_live_not_a_real_key_000000000000', attacker);
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) {
      const res = await bad('/v1/customers');
      expectRefusal(res, 401, 'API_UNAUTHENTICATED');
    }
    const locked = await bad('/v1/customers');
    expectRefusal(locked, 429, 'API_RATE_LIMITED');
    expect(locked.headers.get('retry-after')).toBeTruthy();
    // Another client behind the same proxy is not locked out by the attacker.
    const neighbour = await viaProxy(
      'bk_live_wrong_key_neighbour_00000000',
      '198.51.100.20',
    )('/v1/customers');
    expectRefusal(neighbour, 401, 'API_UNAUTHENTICATED');
    // A valid key is never refused by the failed-auth limiter, even from the locked-out address …
    const validFromAttacker = await viaProxy(stack.keys.read, attacker)('/v1/customers');
    expect(validFromAttacker.status, validFromAttacker.text).toBe(200);
    // … nor from another tenant behind the same proxy.
    const otherTenant = await viaProxy(stack.keys.otherTenant, '198.51.100.30')('/v1/customers');
    expect(otherTenant.status, otherTenant.text).toBe(200);
  });

  it('keys the count on the address the proxy appended, so rotating the client-written X-Forwarded-For entries does not reset it', async () => {
    const anon = client(stack.api.url, 'bk_live_again_not_a_key_0000000000');
    const spoofed = (i: number) =>
      anon('GET', '/v1/customers', undefined, {
        headers: { 'x-forwarded-for': `10.9.9.${i}, 203.0.113.99` },
      });
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) expectRefusal(await spoofed(i), 401, 'API_UNAUTHENTICATED');
    // The proxy (loopback) appends the real client last: rotating the client-written first entries does not help.
    expectRefusal(await spoofed(99), 429, 'API_RATE_LIMITED');
  });
});

describe('request rate limiter', () => {
  let limited: ApiProcess;
  beforeAll(async () => {
    limited = await stack.startAnother('rate', { RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it(`counts requests refused by validation: after ${RATE_LIMIT} invalid bodies the key gets 429 on a valid request`, async () => {
    const call = client(limited.url, stack.keys.write);
    const before = await checksumAllTables(stack.db.name);
    let refused = 0;
    for (let i = 0; i < RATE_LIMIT; i++) {
      const res = await call('POST', '/v1/customers', { currency: 'USD', address: {}, nonsense: i });
      if (res.status === 400) refused += 1;
      tried += 1;
    }
    expect(refused).toBe(RATE_LIMIT);
    const valid = await call('GET', '/v1/customers');
    expectRefusal(valid, 429, 'API_RATE_LIMITED');
    expect(Number(valid.headers.get('retry-after'))).toBeGreaterThan(0);
    // The limit is per key: another key of the same tenant is unaffected.
    const other = await client(limited.url, stack.keys.read)('GET', '/v1/customers');
    expect(other.status, other.text).toBe(200);
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  const ioredisInstalled = (() => {
    try {
      createRequire(`${API_DIR}package.json`).resolve('ioredis');
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!ioredisInstalled)(
    'shares one budget across API processes and restarts through Redis (RATE_LIMIT_REDIS_URL)',
    async () => {
      const env = {
        RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        RATE_LIMIT_REDIS_URL: 'redis://127.0.0.1:6379',
        RATE_LIMIT_REDIS_PREFIX: `billkit-rel-${Date.now()}-${Math.random().toString(36).slice(2)}:`,
      };
      const first = await stack.startAnother('redis-1', env);
      let second = await stack.startAnother('redis-2', env);
      try {
        let allowed = 0;
        for (let i = 0; i < RATE_LIMIT; i++) {
          const target = i % 2 === 0 ? first : second;
          const res = await client(target.url, stack.keys.admin)('GET', '/v1/products');
          if (res.status === 200) allowed += 1;
        }
        expect(allowed).toBe(RATE_LIMIT);
        // Restarting a process does not reset the budget.
        await second.stop();
        second = await stack.startAnother('redis-2b', env);
        const afterRestart = await client(second.url, stack.keys.admin)('GET', '/v1/products');
        expectRefusal(afterRestart, 429, 'API_RATE_LIMITED');
        expectRefusal(
          await client(first.url, stack.keys.admin)('GET', '/v1/products'),
          429,
          'API_RATE_LIMITED',
        );
      } finally {
        await first.stop();
        await second.stop();
      }
    },
  );
});

describe('x-request-id', () => {
  it('replaces a client x-request-id of 8,000 characters with a generated one, in the answer and in the audit trail', async () => {
    const admin = stack.as('admin');
    const hostile = 'r'.repeat(8000);
    const res = await admin(
      'POST',
      '/v1/customers',
      { currency: 'USD', address: { country: 'US', region: 'IL' }, name: 'Request id probe' },
      { headers: { 'x-request-id': hostile } },
    );
    expect(res.status, res.text.slice(0, 300)).toBe(201);
    tried += 1;
    const echoed = res.headers.get('x-request-id') ?? '';
    expect(echoed.length).toBeGreaterThan(0);
    expect(echoed.length).toBeLessThanOrEqual(128);
    const audit = await admin('GET', `/v1/audit-events?entity_id=${res.body.id}`);
    expect(audit.status, audit.text.slice(0, 300)).toBe(200);
    expect(audit.body.data.length).toBeGreaterThan(0);
    for (const event of audit.body.data) {
      expect(event.data.requestId).toBe(echoed);
      if (event.data.requestId === hostile) mishandled += 1;
    }
    expect(audit.text).not.toContain(hostile);
  });

  it.each([
    ['a control character', 'abc\tdef'],
    ['spaces', 'a b c'],
    ['129 characters', 'x'.repeat(129)],
  ])('replaces an x-request-id with %s, and keeps a well-formed one', async (_label, bad) => {
    const admin = stack.as('read');
    const res = await admin('GET', '/v1/customers', undefined, { headers: { 'x-request-id': bad } });
    expect(res.status).toBe(200);
    tried += 1;
    expect(res.headers.get('x-request-id')).not.toBe(bad);
    expect(res.headers.get('x-request-id')).toMatch(/^[\x21-\x7e]{1,128}$/);
    const good = 'trace-7f3a_2025.01/abc:1';
    const kept = await admin('GET', '/v1/customers', undefined, { headers: { 'x-request-id': good } });
    expect(kept.headers.get('x-request-id')).toBe(good);
  });
});
