import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type BillingDatabase,
  createEncryptionKeys,
  DbError,
  type GatewayCredentialInput,
  isDbError,
  newId,
  openDatabase,
} from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { providers, useMigratedDatabase } from './databases.js';

const keyOne = randomBytes(32).toString('base64');
const keyTwo = randomBytes(32).toString('hex');

async function failure(promise: Promise<unknown>): Promise<DbError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof DbError) return error;
  throw new Error(`expected a DbError, got ${String(error)}`);
}

describe.each(providers)('gateway credentials on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);
  const q = (name: string) => (provider === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const extra: BillingDatabase[] = [];

  beforeAll(() => {
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY', keyOne);
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY_ID', 'one');
    vi.stubEnv('BILLKIT_ENCRYPTION_KEYS_OLD', '');
  });
  afterEach(async () => {
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY', keyOne);
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY_ID', 'one');
    vi.stubEnv('BILLKIT_ENCRYPTION_KEYS_OLD', '');
    for (const db of extra.splice(0)) await db.close();
  });
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  /** The same database, opened again with explicit keys. */
  async function withKeys(current: { id: string; key: string }, old: { id: string; key: string }[] = []) {
    const db = await openDatabase({
      url: ctx.test.url,
      migrate: false,
      encryptionKeys: createEncryptionKeys({ current, old }),
    });
    extra.push(db);
    return db;
  }

  async function tenant() {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    return tenantId;
  }

  function tilled(): GatewayCredentialInput & { secretKey: string; webhookSecrets: string[] } {
    return {
      provider: 'tilled',
      accountId: `acct_${randomBytes(8).toString('hex')}`,
      secretKey: `sk_${randomBytes(24).toString('base64url')}`,
      webhookSecrets: [
        `whsec_${randomBytes(16).toString('hex')}`,
        `whsec_${randomBytes(16).toString('hex')}`,
      ],
      sandbox: true,
    };
  }

  async function rawRow(tenantId: string) {
    const rows: Record<string, unknown>[] = await prismaOf(ctx.db).$queryRawUnsafe(
      `SELECT * FROM ${q('GatewayCredential')} WHERE ${q('tenantId')} = ?`,
      tenantId,
    );
    expect(rows).toHaveLength(1);
    return rows[0] as Record<string, unknown>;
  }

  const setColumn = (tenantId: string, column: string, value: string) =>
    prismaOf(ctx.db).$executeRawUnsafe(
      `UPDATE ${q('GatewayCredential')} SET ${q(column)} = ? WHERE ${q('tenantId')} = ?`,
      value,
      tenantId,
    );

  it('saves and loads a tenant’s Tilled credentials, secrets decrypted', async () => {
    const tenantId = await tenant();
    const input = tilled();
    const saved = await ctx.db.gatewayCredentials.save(tenantId, input);
    const loaded = await ctx.db.gatewayCredentials.get(tenantId, 'tilled');
    for (const credential of [saved, loaded]) {
      expect(credential).toMatchObject({
        tenantId,
        provider: 'tilled',
        accountId: input.accountId,
        sandbox: true,
        encryptionKeyId: 'one',
      });
      expect(credential?.secretKey.reveal()).toBe(input.secretKey);
      expect(credential?.webhookSecrets.map((s) => s.reveal())).toEqual(input.webhookSecrets);
    }
    expect(loaded?.id).toBe(saved.id);
    expect(await ctx.db.gatewayCredentials.get(await tenant(), 'tilled')).toBeNull();
  });

  it('stores only ciphertext: no secret appears anywhere in the raw row', async () => {
    const tenantId = await tenant();
    const input = tilled();
    await ctx.db.gatewayCredentials.save(tenantId, input);
    const row = await rawRow(tenantId);
    const dump = Object.values(row).map(String).join('\n');
    for (const secret of [input.secretKey, ...input.webhookSecrets]) {
      expect(dump).not.toContain(secret);
      // Nor any recognisable encoding of it.
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
      expect(dump).not.toContain(Buffer.from(secret).toString('hex'));
    }
    expect(row.accountId).toBe(input.accountId);
    expect(row.encryptionKeyId).toBe('one');
    expect(String(row.encryptedSecretKey)).toMatch(/^bk1\.one\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(String(row.encryptedWebhookSecrets)).toMatch(/^bk1\.one\./);
  });

  it('replaces the credentials on a second save (webhook secret rotation), keeping the row', async () => {
    const tenantId = await tenant();
    const first = await ctx.db.gatewayCredentials.save(tenantId, tilled());
    const next = { ...tilled(), sandbox: false };
    const second = await ctx.db.gatewayCredentials.save(tenantId, next);
    expect(second.id).toBe(first.id);
    const loaded = await ctx.db.gatewayCredentials.get(tenantId, 'tilled');
    expect(loaded?.accountId).toBe(next.accountId);
    expect(loaded?.sandbox).toBe(false);
    expect(loaded?.webhookSecrets.map((s) => s.reveal())).toEqual(next.webhookSecrets);
    expect(await ctx.db.gatewayCredentials.findByAccountId('tilled', first.accountId)).toBeNull();
  });

  it('routes a webhook to its tenant by account id', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const [inputA, inputB] = [tilled(), tilled()];
    await ctx.db.gatewayCredentials.save(a, inputA);
    await ctx.db.gatewayCredentials.save(b, inputB);
    const routed = await ctx.db.gatewayCredentials.findByAccountId('tilled', inputB.accountId);
    expect(routed?.tenantId).toBe(b);
    expect(routed?.webhookSecrets.map((s) => s.reveal())).toEqual(inputB.webhookSecrets);
    expect(await ctx.db.gatewayCredentials.findByAccountId('tilled', 'acct_nobody')).toBeNull();
  });

  it('keeps tenants apart: one account per tenant, other tenants’ rows invisible', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const input = tilled();
    await ctx.db.gatewayCredentials.save(a, input);
    const taken = await failure(
      ctx.db.gatewayCredentials.save(b, { ...tilled(), accountId: input.accountId }),
    );
    expect(taken.code).toBe('DB_DUPLICATE');
    expect(taken.message).not.toContain(a);
    expect(await ctx.db.gatewayCredentials.get(b, 'tilled')).toBeNull();
    expect((await failure(ctx.db.gatewayCredentials.delete(b, 'tilled'))).code).toBe('DB_NOT_FOUND');
    expect((await ctx.db.gatewayCredentials.get(a, 'tilled'))?.secretKey.reveal()).toBe(input.secretKey);
    await ctx.db.gatewayCredentials.delete(a, 'tilled');
    expect(await ctx.db.gatewayCredentials.get(a, 'tilled')).toBeNull();
    expect(await ctx.db.gatewayCredentials.findByAccountId('tilled', input.accountId)).toBeNull();
  });

  it('refuses a ciphertext moved into another tenant’s row (bound to tenant and field)', async () => {
    const [a, b] = [await tenant(), await tenant()];
    await ctx.db.gatewayCredentials.save(a, tilled());
    await ctx.db.gatewayCredentials.save(b, tilled());
    const stolen = await rawRow(a);
    await setColumn(b, 'encryptedSecretKey', String(stolen.encryptedSecretKey));
    const error = await failure(ctx.db.gatewayCredentials.get(b, 'tilled'));
    expect(error.code).toBe('DB_DECRYPTION_FAILED');
    expect(error.details).toMatchObject({
      tenantId: b,
      provider: 'tilled',
      field: 'secretKey',
      keyId: 'one',
    });
    // Swapping the two fields of one row fails too.
    const own = await rawRow(a);
    await setColumn(a, 'encryptedWebhookSecrets', String(own.encryptedSecretKey));
    expect((await failure(ctx.db.gatewayCredentials.get(a, 'tilled'))).code).toBe('DB_DECRYPTION_FAILED');
  });

  it('detects a tampered ciphertext through the GCM tag', async () => {
    const tenantId = await tenant();
    await ctx.db.gatewayCredentials.save(tenantId, tilled());
    const parts = String((await rawRow(tenantId)).encryptedSecretKey).split('.');
    const body = Buffer.from(parts[4] as string, 'base64url');
    body[body.length - 1] = (body[body.length - 1] as number) ^ 0x20;
    parts[4] = body.toString('base64url');
    await setColumn(tenantId, 'encryptedSecretKey', parts.join('.'));
    const error = await failure(ctx.db.gatewayCredentials.get(tenantId, 'tilled'));
    expect(error.code).toBe('DB_DECRYPTION_FAILED');
  });

  it('fails with a typed error under a wrong key, a missing key or an unknown key id', async () => {
    const tenantId = await tenant();
    const input = tilled();
    await ctx.db.gatewayCredentials.save(tenantId, input);

    const impostor = await withKeys({ id: 'one', key: keyTwo });
    const wrong = await failure(impostor.gatewayCredentials.get(tenantId, 'tilled'));
    expect(wrong.code).toBe('DB_DECRYPTION_FAILED');

    const newer = await withKeys({ id: 'two', key: keyTwo });
    const unknown = await failure(newer.gatewayCredentials.findByAccountId('tilled', input.accountId));
    expect(unknown.code).toBe('DB_ENCRYPTION_KEY_UNKNOWN');
    expect(unknown.details).toMatchObject({ keyId: 'one', tenantId });

    vi.stubEnv('BILLKIT_ENCRYPTION_KEY', '');
    const missing = await failure(ctx.db.gatewayCredentials.get(tenantId, 'tilled'));
    expect(missing.code).toBe('DB_ENCRYPTION_KEY_MISSING');
    expect(missing.message).toContain('BILLKIT_ENCRYPTION_KEY');

    vi.stubEnv('BILLKIT_ENCRYPTION_KEY', 'not-a-key');
    const invalid = await failure(ctx.db.gatewayCredentials.save(tenantId, tilled()));
    expect(invalid.code).toBe('DB_ENCRYPTION_KEY_INVALID');
    expect(invalid.message).not.toContain('not-a-key');
    // Nothing was written by the refused save.
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY', keyOne);
    expect((await ctx.db.gatewayCredentials.get(tenantId, 'tilled'))?.accountId).toBe(input.accountId);
  });

  it('rotates keys: old rows still decrypt, reencrypt moves them to the current key', async () => {
    const [a, b] = [await tenant(), await tenant()];
    const [inputA, inputB] = [tilled(), tilled()];
    await ctx.db.gatewayCredentials.save(a, inputA);
    await ctx.db.gatewayCredentials.save(b, inputB);
    const damaged = await tenant();
    await ctx.db.gatewayCredentials.save(damaged, tilled());
    await setColumn(damaged, 'encryptedSecretKey', String((await rawRow(a)).encryptedSecretKey));

    // Rotate: the new key is current, the old one is only accepted for decryption.
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY', keyTwo);
    vi.stubEnv('BILLKIT_ENCRYPTION_KEY_ID', 'two');
    vi.stubEnv('BILLKIT_ENCRYPTION_KEYS_OLD', `one:${keyOne}`);
    const before = await ctx.db.gatewayCredentials.get(a, 'tilled');
    expect(before?.encryptionKeyId).toBe('one');
    expect(before?.secretKey.reveal()).toBe(inputA.secretKey);

    expect(await ctx.db.gatewayCredentials.reencrypt(a)).toEqual({ reencrypted: 1, failed: [] });
    expect((await rawRow(a)).encryptionKeyId).toBe('two');
    expect(String((await rawRow(a)).encryptedWebhookSecrets)).toMatch(/^bk1\.two\./);
    expect((await rawRow(b)).encryptionKeyId).toBe('one');
    expect(await ctx.db.gatewayCredentials.reencrypt(a)).toEqual({ reencrypted: 0, failed: [] });

    // reencryptAll reaches every tenant still on an old key (b, and rows other tests left). A row that does
    // not decrypt is reported and left alone; the others are still moved.
    const all = await ctx.db.gatewayCredentials.reencryptAll();
    expect(all.reencrypted).toBeGreaterThanOrEqual(1);
    expect((await rawRow(b)).encryptionKeyId).toBe('two');
    expect(all.failed).toContainEqual({
      tenantId: damaged,
      provider: 'tilled',
      encryptionKeyId: 'one',
      code: 'DB_DECRYPTION_FAILED',
    });
    expect((await rawRow(damaged)).encryptionKeyId).toBe('one');
    for (const failure of all.failed) {
      expect(failure).toMatchObject({
        provider: 'tilled',
        encryptionKeyId: 'one',
        code: 'DB_DECRYPTION_FAILED',
      });
      expect(await ctx.db.gatewayCredentials.reencrypt(failure.tenantId)).toEqual({
        reencrypted: 0,
        failed: [failure],
      });
    }
    expect((await ctx.db.gatewayCredentials.reencryptAll()).reencrypted).toBe(0);

    // With every row moved, the old key can go.
    vi.stubEnv('BILLKIT_ENCRYPTION_KEYS_OLD', '');
    const afterA = await ctx.db.gatewayCredentials.get(a, 'tilled');
    const afterB = await ctx.db.gatewayCredentials.get(b, 'tilled');
    expect(afterA?.secretKey.reveal()).toBe(inputA.secretKey);
    expect(afterA?.webhookSecrets.map((s) => s.reveal())).toEqual(inputA.webhookSecrets);
    expect(afterB?.secretKey.reveal()).toBe(inputB.secretKey);
  });

  it('keeps secrets out of JSON, inspect output and error messages', async () => {
    const tenantId = await tenant();
    const input = tilled();
    const saved = await ctx.db.gatewayCredentials.save(tenantId, input);
    const loaded = await ctx.db.gatewayCredentials.get(tenantId, 'tilled');
    const routed = await ctx.db.gatewayCredentials.findByAccountId('tilled', input.accountId);

    const errors: unknown[] = [
      await failure(ctx.db.gatewayCredentials.save(tenantId, { ...input, accountId: '' })),
      await failure(
        // biome-ignore lint/suspicious/noExplicitAny: a caller outside TypeScript passing a wrong provider
        ctx.db.gatewayCredentials.save(tenantId, { ...input, provider: 'paypal' as any }),
      ),
      await failure(
        ctx.db.gatewayCredentials.save(tenantId, { ...input, webhookSecrets: [input.secretKey, ''] }),
      ),
      await failure((await withKeys({ id: 'one', key: keyTwo })).gatewayCredentials.get(tenantId, 'tilled')),
    ];
    expect(errors.map((e) => (e as DbError).code)).toEqual([
      'DB_INVALID_DATA',
      'DB_INVALID_DATA',
      'DB_INVALID_DATA',
      'DB_DECRYPTION_FAILED',
    ]);
    const shown = [
      JSON.stringify([saved, loaded, routed]),
      inspect([saved, loaded, routed], { depth: 10, showHidden: true }),
      `${saved.secretKey} ${saved.webhookSecrets}`,
      ...errors.map(
        (e) => `${String(e)} ${inspect(e, { depth: 10 })} ${JSON.stringify((e as DbError).details)}`,
      ),
    ].join('\n');
    for (const secret of [input.secretKey, ...input.webhookSecrets]) expect(shown).not.toContain(secret);
    expect(JSON.parse(JSON.stringify(loaded))).toMatchObject({
      secretKey: '[redacted]',
      webhookSecrets: ['[redacted]', '[redacted]'],
    });
    expect(isDbError(errors[0], 'DB_INVALID_DATA')).toBe(true);
  });

  it('refuses credentials for a tenant that does not exist', async () => {
    const error = await failure(ctx.db.gatewayCredentials.save('ten_missing', tilled()));
    expect(error.code).toBe('DB_NOT_FOUND');
  });

  it('commits with the rest of a transaction or not at all', async () => {
    const tenantId = await tenant();
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.gatewayCredentials.save(tenantId, tilled());
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await ctx.db.gatewayCredentials.get(tenantId, 'tilled')).toBeNull();
    const input = tilled();
    await ctx.db.transaction((tx) => tx.gatewayCredentials.save(tenantId, input));
    expect((await ctx.db.gatewayCredentials.get(tenantId, 'tilled'))?.accountId).toBe(input.accountId);
  });
});
