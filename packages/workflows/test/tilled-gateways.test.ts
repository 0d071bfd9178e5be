import { type GatewayCredential, Secret } from '@billkit/db';
import { describe, expect, it } from 'vitest';
import { type StoredTilledCredentials, tilledGateways } from '../src/index.js';

/** Stored credentials in memory, counting the reads (each one a database read and a decrypt in db). */
function storedCredentials() {
  const rows = new Map<string, GatewayCredential>();
  const reads = { get: 0, findByAccountId: 0 };
  const state = { failNext: false };
  const credentials: StoredTilledCredentials = {
    async get(tenantId) {
      reads.get += 1;
      return [...rows.values()].find((c) => c.tenantId === tenantId) ?? null;
    },
    async findByAccountId(_provider, accountId) {
      reads.findByAccountId += 1;
      if (state.failNext) {
        state.failNext = false;
        throw new Error('database unavailable');
      }
      return rows.get(accountId) ?? null;
    },
  };
  const save = (tenantId: string, accountId: string, webhookSecrets: string[]) => {
    for (const [id, row] of rows) if (row.tenantId === tenantId) rows.delete(id);
    rows.set(accountId, {
      id: `gwc_${tenantId}`,
      tenantId,
      provider: 'tilled',
      accountId,
      secretKey: new Secret(`sk_${tenantId}`),
      webhookSecrets: webhookSecrets.map((s) => new Secret(s)),
      sandbox: true,
      encryptionKeyId: 'k1',
      createdAt: '2026-03-01T00:00:00.000Z',
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
  };
  const remove = (accountId: string) => rows.delete(accountId);
  return { credentials, reads, state, save, remove };
}

describe('tilledGateways webhook routing', () => {
  const setup = (fallback: Parameters<typeof tilledGateways>[0]['fallback'] = []) => {
    const stored = storedCredentials();
    const clock = { now: 1_000_000 };
    const tilled = tilledGateways({
      credentials: stored.credentials,
      fallback,
      cacheMs: 30_000,
      now: () => clock.now,
    });
    return { ...stored, clock, routing: tilled.routing };
  };

  it('reads (and decrypts) an account once per cache window, not once per event', async () => {
    const { routing, save, reads, clock } = setup();
    save('ten_a', 'acct_a', ['whsec_a']);
    for (let i = 0; i < 5; i++) {
      expect(await routing('acct_a')).toEqual({ tenantId: 'ten_a', secrets: ['whsec_a'] });
    }
    expect(reads.findByAccountId).toBe(1);
    clock.now += 29_999;
    await routing('acct_a');
    expect(reads.findByAccountId).toBe(1);
    clock.now += 1;
    await routing('acct_a');
    expect(reads.findByAccountId).toBe(2);
  });

  it('picks up a rotated secret, and stops routing a deleted account, within the cache window', async () => {
    const { routing, save, remove, clock } = setup();
    save('ten_a', 'acct_a', ['whsec_old']);
    expect((await routing('acct_a'))?.secrets).toEqual(['whsec_old']);
    save('ten_a', 'acct_a', ['whsec_new']);
    clock.now += 30_000;
    expect((await routing('acct_a'))?.secrets).toEqual(['whsec_new']);
    remove('acct_a');
    clock.now += 30_000;
    expect(await routing('acct_a')).toBeNull();
  });

  it('moves an account to its new tenant within the cache window', async () => {
    const { routing, save, remove, clock } = setup();
    save('ten_a', 'acct_shared', ['whsec_a']);
    expect((await routing('acct_shared'))?.tenantId).toBe('ten_a');
    remove('acct_shared');
    save('ten_b', 'acct_shared', ['whsec_b']);
    clock.now += 30_000;
    expect(await routing('acct_shared')).toEqual({ tenantId: 'ten_b', secrets: ['whsec_b'] });
  });

  it('never caches an unknown account: one connected afterwards routes at once', async () => {
    const { routing, save, reads } = setup();
    expect(await routing('acct_new')).toBeNull();
    expect(await routing('acct_new')).toBeNull();
    expect(reads.findByAccountId).toBe(2);
    save('ten_new', 'acct_new', ['whsec_new']);
    expect(await routing('acct_new')).toEqual({ tenantId: 'ten_new', secrets: ['whsec_new'] });
  });

  it('caches a configured (fallback) account too; stored credentials still win once the window ends', async () => {
    const { routing, save, reads, clock } = setup([
      { tenantId: 'ten_env', accountId: 'acct_env', secretKey: 'sk_env', webhookSecrets: ['whsec_env'] },
    ]);
    expect(await routing('acct_env')).toEqual({ tenantId: 'ten_env', secrets: ['whsec_env'] });
    await routing('acct_env');
    expect(reads.findByAccountId).toBe(1);
    save('ten_env', 'acct_env', ['whsec_stored']);
    clock.now += 30_000;
    expect((await routing('acct_env'))?.secrets).toEqual(['whsec_stored']);
  });

  it('does not cache a failed read', async () => {
    const { routing, save, state, reads } = setup();
    save('ten_a', 'acct_a', ['whsec_a']);
    state.failNext = true;
    await expect(routing('acct_a')).rejects.toThrow('database unavailable');
    expect(await routing('acct_a')).toEqual({ tenantId: 'ten_a', secrets: ['whsec_a'] });
    expect(reads.findByAccountId).toBe(2);
  });

  it('hands out a route its caller cannot change for the next event', async () => {
    const { routing, save } = setup();
    save('ten_a', 'acct_a', ['whsec_a']);
    const route = await routing('acct_a');
    if (!route) throw new Error('acct_a is not routed');
    expect(Object.isFrozen(route)).toBe(true);
    expect(Object.isFrozen(route.secrets)).toBe(true);
    expect(() => (route.secrets as string[]).push('whsec_attacker')).toThrow(TypeError);
    expect((await routing('acct_a'))?.secrets).toEqual(['whsec_a']);
  });

  it('with cacheMs 0, reads the credentials for every event', async () => {
    const stored = storedCredentials();
    stored.save('ten_a', 'acct_a', ['whsec_a']);
    const { routing } = tilledGateways({ credentials: stored.credentials, cacheMs: 0, now: () => 5 });
    await routing('acct_a');
    await routing('acct_a');
    expect(stored.reads.findByAccountId).toBe(2);
  });
});
