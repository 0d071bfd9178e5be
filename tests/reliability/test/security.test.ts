// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenInvoice, createSubscription, seedCatalog } from './support/fixtures.js';
import { client, isProblem } from './support/http.js';
import { checksumAllTables, dumpAllText } from './support/mariadb.js';
import { minimalValid, type Operation, operationsOf, requiredScope } from './support/openapi.js';
import { startApi } from './support/server.js';
import { type Stack, startStack, TENANT_A } from './support/stack.js';
import { tally } from './support/summary.js';

const SUITE = 'security';
const RANK = { none: 0, read: 1, write: 2, admin: 3 } as const;

let stack: Stack;
let ops: Operation[];
/** Tenant A's ids by path segment, e.g. `invoices` → `in_…`. */
const ids: Record<string, string> = {};
let refs: Record<string, string> = {};
let secretsOfA: string[] = [];

const fill = (path: string, id: string) => path.replace('{id}', encodeURIComponent(id));
const resourceOf = (path: string) => path.split('/')[2] ?? '';

beforeAll(async () => {
  stack = await startStack('security');
  const admin = stack.as('admin');
  const catalog = await seedCatalog(admin, 1);
  const customerId = catalog.customerIds[0]!;
  const sub = await createSubscription(admin, catalog, customerId, 2);
  const invoice = await createOpenInvoice(admin, catalog, customerId);
  const discount = await admin('POST', '/v1/discounts', {
    type: 'percentage',
    name: 'Senior',
    percent_off: '15',
    duration: { type: 'forever' },
  });
  expect(discount.status, discount.text).toBe(201);
  const note = await admin('POST', '/v1/credit-notes', {
    invoice: invoice.id,
    lines: [{ invoice_line: invoice.lines[0].id, amount: 100 }],
  });
  expect(note.status, note.text).toBe(201);
  const run = await admin('POST', '/v1/billing-runs', {});
  expect(run.status, run.text).toBe(201);
  const key = await admin('POST', '/v1/api-keys', { name: 'isolation', scopes: ['read'] });
  expect(key.status, key.text).toBe(201);
  Object.assign(ids, {
    customers: customerId,
    products: catalog.productId,
    prices: catalog.monthlyPriceId,
    discounts: discount.body.id,
    subscriptions: sub.id,
    invoices: invoice.id,
    'credit-notes': note.body.id,
    'billing-runs': run.body.id,
    'api-keys': key.body.id,
  });
  refs = {
    customer: customerId,
    price: catalog.monthlyPriceId,
    product: catalog.productId,
    invoice: invoice.id,
    invoice_line: invoice.lines[0].id,
    discount: discount.body.id,
    subscription: sub.id,
    payment_method: 'pm_rel_isolation',
  };
  secretsOfA = ['rel-0@example.com', 'Reliability customer 0', 'Weekly curbside pickup'];
  ops = operationsOf((await admin('GET', '/openapi.json')).body);
});

afterAll(async () => {
  await stack?.close();
});

describe('tenant isolation', () => {
  it("answers 404 to every :id route called with tenant B's key on tenant A's ids, exactly as for an id that never existed, and changes nothing", async () => {
    const other = stack.as('otherTenant');
    const routes = ops.filter((op) => op.pathParams.includes('id'));
    expect(routes.length).toBeGreaterThanOrEqual(15);
    const before = await checksumAllTables(stack.db.name);
    const failures: string[] = [];
    for (const op of routes) {
      const realId = ids[resourceOf(op.path)];
      if (!realId) {
        failures.push(`${op.method} ${op.path}: the suite has no tenant A id for it`);
        continue;
      }
      const body =
        op.method === 'GET'
          ? undefined
          : op.path === '/v1/invoices/{id}/pay'
            ? { payment_method: 'pm_rel_isolation' }
            : op.body
              ? minimalValid(op.body, refs)
              : {};
      const onA = await other(op.method, fill(op.path, realId), body);
      const ghostId = `${realId.split('_')[0]}_0000000000000000000000000`;
      const onGhost = await other(op.method, fill(op.path, ghostId), body);
      const normalise = (text: string, id: string) =>
        text.replaceAll(id, '<id>').replace(/req_[0-9a-f]+/g, '<req>');
      if (onA.status !== 404 || onA.body?.code !== 'API_NOT_FOUND') {
        failures.push(`${op.method} ${op.path}: ${onA.status} ${onA.text.slice(0, 200)}`);
      } else if (normalise(onA.text, realId) !== normalise(onGhost.text, ghostId)) {
        failures.push(
          `${op.method} ${op.path}: differs from a never-existing id: ${onA.text} vs ${onGhost.text}`,
        );
      }
      for (const secret of secretsOfA) {
        if (onA.text.includes(secret)) failures.push(`${op.method} ${op.path}: leaks "${secret}"`);
      }
    }
    expect(failures).toEqual([]);
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  it.each([
    ['customers', '/v1/customers'],
    ['products', '/v1/products'],
    ['prices', '/v1/prices'],
    ['discounts', '/v1/discounts'],
    ['subscriptions', '/v1/subscriptions'],
    ['invoices', '/v1/invoices'],
    ['credit notes', '/v1/credit-notes'],
    ['billing runs', '/v1/billing-runs'],
    ['audit events', '/v1/audit-events'],
  ])("lists none of tenant A's %s to tenant B", async (_name, path) => {
    const res = await stack.as('otherTenant')('GET', `${path}?limit=100`);
    expect(res.status).toBe(200);
    for (const id of Object.values(ids)) expect(res.text).not.toContain(id);
  });

  it("filters by tenant A's ids return empty lists to tenant B", async () => {
    const other = stack.as('otherTenant');
    for (const path of [
      `/v1/invoices?customer=${ids.customers}`,
      `/v1/invoices?subscription=${ids.subscriptions}`,
      `/v1/subscriptions?customer=${ids.customers}`,
      `/v1/credit-notes?invoice=${ids.invoices}`,
      `/v1/audit-events?entity_id=${ids.invoices}`,
      `/v1/prices?product=${ids.products}`,
    ]) {
      const res = await other('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.body.data, path).toEqual([]);
    }
    const upcoming = await other('GET', `/v1/invoices/upcoming?subscription=${ids.subscriptions}`);
    expect(upcoming.status).toBe(404);
  });
});

describe('API keys', () => {
  it('stores no plaintext key anywhere in the database, only its SHA-256', async () => {
    const tables = await dumpAllText(stack.db.name);
    const keys = Object.values(stack.keys);
    for (const key of keys) {
      const tail = key.slice(-20);
      const hits = tables.filter((t) => t.text.includes(key) || t.text.includes(tail)).map((t) => t.table);
      expect(hits, `plaintext key found in ${hits.join(', ')}`).toEqual([]);
    }
    const apiKeyTable = tables.find((t) => t.table === 'ApiKey');
    expect(apiKeyTable).toBeDefined();
    for (const key of keys) {
      expect(apiKeyTable!.text).toContain(createHash('sha256').update(key, 'utf8').digest('hex'));
    }
  });

  it('a revoked key stops working on the very next request', async () => {
    const { apiKey, secret } = await stack.billing.apiKeys.create(TENANT_A, {
      name: 'to revoke',
      scopes: ['read'],
    });
    const call = client(stack.api.url, secret);
    expect((await call('GET', '/v1/customers')).status).toBe(200);
    await stack.billing.apiKeys.revoke(TENANT_A, apiKey.id);
    const after = await call('GET', '/v1/customers');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('API_UNAUTHENTICATED');
  });

  it('an expired key is refused', async () => {
    const { secret } = await stack.billing.apiKeys.create(TENANT_A, {
      name: 'expired',
      scopes: ['admin'],
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect((await client(stack.api.url, secret)('GET', '/v1/customers')).status).toBe(401);
  });

  it('creates a key over HTTP (secret shown once, hashed at rest), lists it without secrets, and revokes it at once', async () => {
    const admin = stack.as('admin');
    const created = await admin('POST', '/v1/api-keys', { name: 'rotated', scopes: ['read'] });
    expect(created.status, created.text).toBe(201);
    const secret: string = created.body.secret;
    expect(typeof secret).toBe('string');
    const listed = await admin('GET', '/v1/api-keys');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(secret);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(await dumpAllText(stack.db.name))).not.toContain(secret);
    const asNewKey = client(stack.api.url, secret);
    expect((await asNewKey('GET', '/v1/customers')).status).toBe(200);
    expect((await asNewKey('POST', '/v1/customers', {})).status).toBe(403);
    const revoked = await admin('POST', `/v1/api-keys/${created.body.id}/revoke`, {});
    expect(revoked.status, revoked.text).toBe(200);
    const after = await asNewKey('GET', '/v1/customers');
    expect(after.status).toBe(401);
    expect(isProblem(after)).toBe(true);
  });
});

describe('scopes', () => {
  it('every /v1 route refuses a request without a key with 401 problem+json', async () => {
    const anonymous = client(stack.api.url);
    const failures: string[] = [];
    for (const op of ops.filter((o) => o.path.startsWith('/v1/') && o.path !== '/v1/webhooks/tilled')) {
      const res = await anonymous(op.method, fill(op.path, 'x_1'), op.method === 'GET' ? undefined : {});
      if (res.status !== 401 || !isProblem(res)) failures.push(`${op.method} ${op.path}: ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('every /v1 route enforces its scope: a weaker key gets 403, a sufficient one gets past auth', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const op of ops.filter((o) => o.path.startsWith('/v1/') && o.path !== '/v1/webhooks/tilled')) {
      const needed = requiredScope(op);
      for (const key of ['none', 'read', 'write', 'admin'] as const) {
        // An empty body: a sufficient key gets a validation answer (or a harmless 2xx), never 401/403.
        const res = await stack.as(key)(
          op.method,
          fill(op.path, 'x_1'),
          op.method === 'GET' ? undefined : {},
        );
        checked += 1;
        const enough = RANK[key] >= RANK[needed];
        if (!enough && (res.status !== 403 || res.body?.code !== 'API_FORBIDDEN_SCOPE')) {
          failures.push(`${op.method} ${op.path} with ${key}: expected 403, got ${res.status}`);
        }
        if (enough && (res.status === 401 || res.status === 403)) {
          failures.push(`${op.method} ${op.path} with ${key}: refused with ${res.status}`);
        }
        if (res.status >= 500) failures.push(`${op.method} ${op.path} with ${key}: ${res.status}`);
        for (const secret of Object.values(stack.keys)) {
          if (res.text.includes(secret)) failures.push(`${op.method} ${op.path}: a key appears in the body`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});

describe('failed authentication', () => {
  it('is rate limited per client address: past the limit the next attempt is 429 with Retry-After', async () => {
    const limited = await startApi('security-ratelimit', {
      ...stack.env,
      AUTH_FAILURE_LIMIT_PER_MINUTE: '5',
    });
    try {
      const bad = client(limited.url, 'bk_000000000000_not-a-real-key-at-all-000000');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await bad('GET', '/v1/customers')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401]);
      const sixth = await bad('GET', '/v1/customers');
      expect(sixth.status).toBe(429);
      expect(sixth.body.code).toBe('API_RATE_LIMITED');
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
      tally(SUITE, { faultsInjected: 1, faultsSurvived: 1 });
    } finally {
      await limited.stop();
    }
  });
});

describe('transport', () => {
  it.each([
    ['/healthz', 'none'],
    ['/v1/customers', 'admin'],
    ['/v1/customers', 'anonymous (401)'],
  ])('sends security headers on %s (%s)', async (path, who) => {
    const call = who === 'admin' ? stack.as('admin') : client(stack.api.url);
    const res = await call('GET', path);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('referrer-policy')).toBeTruthy();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('refuses a body over the limit with 413 problem+json and stores nothing', async () => {
    const admin = stack.as('admin');
    const before = await checksumAllTables(stack.db.name);
    const res = await admin('POST', '/v1/customers', {
      currency: 'USD',
      name: 'x'.repeat(300_000),
      address: { country: 'US' },
    });
    expect(res.status).toBe(413);
    expect(isProblem(res)).toBe(true);
    expect(res.body.code).toBe('API_BODY_TOO_LARGE');
    expect(await checksumAllTables(stack.db.name)).toEqual(before);
  });

  it('keeps CORS closed: no Access-Control-Allow-Origin for a foreign origin, preflight or not', async () => {
    const origin = 'https://evil.example';
    const preflight = await fetch(`${stack.api.url}/v1/customers`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const simple = await stack.as('admin')('GET', '/v1/customers', undefined, { headers: { origin } });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});
