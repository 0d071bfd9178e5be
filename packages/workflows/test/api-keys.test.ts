import { hashApiKey } from '@billkit/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWorkflowError } from '../src/index.js';
import { backends, type TestBed } from './support.js';

describe.each(backends())('API keys on $name', ({ open }) => {
  let bed: TestBed;
  let ctx: { tenantId: string; actor: string };
  beforeAll(async () => {
    bed = await open();
    ctx = { tenantId: bed.tenantId, actor: 'key_admin' };
  });
  afterAll(() => bed.close());

  it('creates a key whose secret works once stored by hash only, and lists it without the secret', async () => {
    const key = await bed.billing.apiKeys.create(ctx, { name: 'reporting', scopes: ['read', 'read'] });
    expect(key).toMatchObject({ name: 'reporting', scopes: ['read'], revokedAt: null, expiresAt: null });
    expect(key.secret?.startsWith(`${key.prefix}_`)).toBe(true);
    const found = await bed.store.findApiKey(hashApiKey(key.secret ?? ''));
    expect(found?.id).toBe(key.id);
    const listed = await bed.billing.apiKeys.list(ctx, { limit: 100 });
    expect(listed.data.map((k) => k.id)).toContain(key.id);
    expect(JSON.stringify(listed)).not.toContain(key.secret);
    const audit = await bed.billing.audit.list(ctx, { limit: 10, entityId: key.id });
    expect(audit.data.map((e) => e.type)).toEqual(['api_key.created']);
    expect(JSON.stringify(audit.data)).not.toContain(key.secret);
  });

  it('refuses an expiry in the past (WORKFLOW_VALIDATION_FAILED on expiresAt)', async () => {
    const error = await bed.billing.apiKeys
      .create(ctx, { name: 'old', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' })
      .catch((e: unknown) => e);
    expect(isWorkflowError(error) && [error.code, error.message, error.details.fields]).toEqual([
      'WORKFLOW_VALIDATION_FAILED',
      'expires_at must be in the future',
      [{ path: 'expiresAt', message: 'must be in the future' }],
    ]);
  });

  it('revokes a key once: a second revoke changes nothing and records nothing', async () => {
    const key = await bed.billing.apiKeys.create(ctx, { name: 'temporary', scopes: ['write'] });
    const revoked = await bed.billing.apiKeys.revoke(ctx, key.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await bed.store.findApiKey(hashApiKey(key.secret ?? ''))).toBeNull();
    expect((await bed.billing.apiKeys.revoke(ctx, key.id)).revokedAt).toBe(revoked.revokedAt);
    const audit = await bed.billing.audit.list(ctx, { limit: 10, entityId: key.id });
    expect(audit.data.map((e) => e.type)).toEqual(['api_key.created', 'api_key.revoked']);
  });

  it("answers WORKFLOW_NOT_FOUND to revoking an unknown or another tenant's key", async () => {
    const theirs = await bed.billing.apiKeys.create(
      { tenantId: 'ten_b' },
      { name: 'theirs', scopes: ['read'] },
    );
    for (const id of ['key_missing', theirs.id]) {
      const error = await bed.billing.apiKeys.revoke(ctx, id).catch((e: unknown) => e);
      expect(isWorkflowError(error) && error.code).toBe('WORKFLOW_NOT_FOUND');
    }
    expect((await bed.billing.apiKeys.list(ctx, { limit: 100 })).data.map((k) => k.id)).not.toContain(
      theirs.id,
    );
  });

  it('pages keys by id', async () => {
    const all = (await bed.billing.apiKeys.list(ctx, { limit: 100 })).data.map((k) => k.id);
    const first = await bed.billing.apiKeys.list(ctx, { limit: 1 });
    expect(first).toMatchObject({ hasMore: all.length > 1 });
    const next = await bed.billing.apiKeys.list(ctx, { limit: 100, startingAfter: first.data[0]?.id });
    expect([...first.data, ...next.data].map((k) => k.id)).toEqual(all);
  });

  it('replays a creation with the same idempotency key without the secret', async () => {
    const keyed = { ...ctx, idempotencyKey: 'create-key-1' };
    const first = await bed.billing.apiKeys.create(keyed, { name: 'retried', scopes: ['read'] });
    const again = await bed.billing.apiKeys.create(keyed, { name: 'retried', scopes: ['read'] });
    expect(typeof first.secret).toBe('string');
    expect(again).toEqual({ ...first, secret: null });
  });
});
