import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './support/backends.js';
import { client, type Harness } from './support/harness.js';

describe.each(backends())('API key management on $name', ({ start }) => {
  let h: Harness;
  let admin: ReturnType<typeof client>;
  let write: ReturnType<typeof client>;
  let other: ReturnType<typeof client>;

  beforeAll(async () => {
    h = await start();
    admin = client(h.baseUrl, h.keys.admin);
    write = client(h.baseUrl, h.keys.write);
    other = client(h.baseUrl, h.keys.otherTenant);
  }, 60_000);
  afterAll(async () => h?.close());

  it('creates a key whose secret is shown once, works at once with its scopes, and is listed without it', async () => {
    const created = await admin('POST', '/v1/api-keys', { name: 'reporting', scopes: ['read'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      object: 'api_key',
      name: 'reporting',
      scopes: ['read'],
      revoked_at: null,
    });
    const secret = created.body.secret as string;
    expect(secret.startsWith(`${created.body.prefix}_`)).toBe(true);

    const reporting = client(h.baseUrl, secret);
    expect((await reporting('GET', '/v1/customers')).status).toBe(200);
    const refused = await reporting('POST', '/v1/customers', { currency: 'USD' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('API_FORBIDDEN_SCOPE');

    const list = await admin('GET', '/v1/api-keys?limit=100');
    expect(list.status).toBe(200);
    const listed = list.body.data.find((k: { id: string }) => k.id === created.body.id);
    const { secret: _shownOnce, ...withoutSecret } = created.body;
    expect(listed).toEqual(withoutSecret);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(
      list.body.data.every((k: Record<string, unknown>) => !('secret' in k) && !('hashed_key' in k)),
    ).toBe(true);
  });

  it('revokes a key with immediate effect, records it in the audit trail, and revoking again changes nothing', async () => {
    const created = await admin('POST', '/v1/api-keys', { name: 'temporary', scopes: ['write'] });
    const temporary = client(h.baseUrl, created.body.secret);
    expect((await temporary('GET', '/v1/products')).status).toBe(200);

    const revoked = await admin('POST', `/v1/api-keys/${created.body.id}/revoke`, {});
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await temporary('GET', '/v1/products');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('API_UNAUTHENTICATED');

    const again = await admin('POST', `/v1/api-keys/${created.body.id}/revoke`, {});
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    const audit = await admin('GET', `/v1/audit-events?entity_id=${created.body.id}&limit=10`);
    expect(audit.body.data.map((e: { type: string }) => e.type)).toEqual([
      'api_key.created',
      'api_key.revoked',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(created.body.secret);
    expect((await admin('GET', '/v1/audit-events/verify')).body.valid).toBe(true);
  });

  it('accepts a key until its expires_at and refuses it with 401 after', async () => {
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const created = await admin('POST', '/v1/api-keys', {
      name: 'short',
      scopes: ['read'],
      expires_at: expiresAt,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const short = client(h.baseUrl, created.body.secret as string);
    expect((await short('GET', '/v1/customers')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 100));
    const refused = await short('GET', '/v1/customers');
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('API_UNAUTHENTICATED');
  });

  it("answers 404 for another tenant's key and never lists or revokes it", async () => {
    const mine = await admin('POST', '/v1/api-keys', { name: 'mine', scopes: ['read'] });
    const attempt = await other('POST', `/v1/api-keys/${mine.body.id}/revoke`, {});
    expect(attempt.status).toBe(404);
    expect(attempt.body.code).toBe('API_NOT_FOUND');
    const theirs = await other('GET', '/v1/api-keys?limit=100');
    expect(theirs.body.data.map((k: { id: string }) => k.id)).not.toContain(mine.body.id);
    expect((await client(h.baseUrl, mine.body.secret)('GET', '/v1/customers')).status).toBe(200);
    expect((await admin('POST', '/v1/api-keys/key_nope/revoke', {})).status).toBe(404);
  });

  it.each([
    ['a write key', () => write, 'POST', '/v1/api-keys', { name: 'x', scopes: ['read'] }],
    ['a write key', () => write, 'GET', '/v1/api-keys', undefined],
    ['a write key', () => write, 'POST', '/v1/api-keys/key_any/revoke', {}],
  ])('refuses %s on %s %s with 403', async (_who, caller, method, path, body) => {
    const response = await caller()(method, path, body);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('API_FORBIDDEN_SCOPE');
  });

  it.each([
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: ['root'] }, 'scopes.0'],
    [{ name: '', scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: ['read'], hashed_key: 'abc' }, 'hashed_key'],
    [{ name: 'x', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
  ])('refuses an invalid key request %j (field %s) and creates nothing', async (body, path) => {
    const before = (await admin('GET', '/v1/api-keys?limit=100')).body.data.length;
    const response = await admin('POST', '/v1/api-keys', body);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('API_VALIDATION_FAILED');
    // An unknown field is named in the message (its path is the body itself).
    const errors = response.body.errors as { path: string; message: string }[];
    expect(errors.some((e) => e.path === path || e.message.includes(path))).toBe(true);
    expect((await admin('GET', '/v1/api-keys?limit=100')).body.data.length).toBe(before);
  });

  it('replays a retried creation with the same key id but never stores or returns the secret again', async () => {
    const body = { name: 'retried', scopes: ['read'] };
    const idem = { 'idempotency-key': `create-key-${Date.now()}` };
    const first = await admin('POST', '/v1/api-keys', body, idem);
    const retry = await admin('POST', '/v1/api-keys', body, idem);
    expect(first.status).toBe(201);
    expect(typeof first.body.secret).toBe('string');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual({ ...first.body, secret: null });
    const list = await admin('GET', '/v1/api-keys?limit=100');
    expect(list.body.data.filter((k: { name: string }) => k.name === 'retried')).toHaveLength(1);
  });

  it('documents the key endpoints in the OpenAPI document', async () => {
    const doc = await client(h.baseUrl)('GET', '/openapi.json');
    expect(Object.keys(doc.body.paths['/v1/api-keys'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(doc.body.paths['/v1/api-keys/{id}/revoke'].post).toBeDefined();
    expect(doc.body.components.schemas.CreatedApiKey.properties.secret).toBeDefined();
  });
});
