import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_LEASE_SECONDS, isDbError, newId, openStore } from '../../src/index.js';
import { providers, useMigratedDatabase } from './databases.js';

describe.each(providers)('idempotency claims with a lease on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);
  const input = { key: 'pay-1', requestHash: 'a'.repeat(64), method: 'POST', path: '/v1/invoices/in_1/pay' };
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString();

  async function tenant() {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    return tenantId;
  }

  it('answers in progress while the holder has the lease, and hands the claim to the next request once it ran out', async () => {
    const tenantId = await tenant();
    const first = await ctx.db.idempotency.begin(tenantId, { ...input, at: at(0) });
    expect(first).toMatchObject({ outcome: 'started', takenOver: false, record: { leaseUntil: at(30) } });
    expect(IDEMPOTENCY_LEASE_SECONDS).toBe(30);
    const during = await ctx.db.idempotency.begin(tenantId, { ...input, at: at(29) });
    expect(during).toMatchObject({ outcome: 'in_progress', record: { leaseUntil: at(30) } });
    // The holder died at second 0: its lease ends at 30 and the retry at 31 takes the claim over.
    const after = await ctx.db.idempotency.begin(tenantId, { ...input, at: at(31) });
    expect(after).toMatchObject({ outcome: 'started', takenOver: true, record: { leaseUntil: at(61) } });
    // The new holder has it now.
    expect((await ctx.db.idempotency.begin(tenantId, { ...input, at: at(40) })).outcome).toBe('in_progress');
    await ctx.db.idempotency.complete(tenantId, input.key, { status: 200, body: '{"status":"paid"}' });
    const replay = await ctx.db.idempotency.begin(tenantId, { ...input, at: at(100) });
    expect(replay).toMatchObject({ outcome: 'replay', record: { responseStatus: 200, leaseUntil: null } });
  });

  it('keeps the claim of a holder that renews its lease', async () => {
    const tenantId = await tenant();
    await ctx.db.idempotency.begin(tenantId, { ...input, at: at(0) });
    expect(await ctx.db.idempotency.renew(tenantId, input.key, { at: at(20) })).toBe(true);
    expect((await ctx.db.idempotency.begin(tenantId, { ...input, at: at(45) })).outcome).toBe('in_progress');
    await ctx.db.idempotency.complete(tenantId, input.key, { status: 201, body: '{}' });
    // A finished request has no lease to renew.
    expect(await ctx.db.idempotency.renew(tenantId, input.key)).toBe(false);
  });

  it('still refuses the key for another request, running or not', async () => {
    const tenantId = await tenant();
    await ctx.db.idempotency.begin(tenantId, { ...input, at: at(0) });
    const other = ctx.db.idempotency.begin(tenantId, { ...input, requestHash: 'b'.repeat(64), at: at(120) });
    await expect(other).rejects.toSatisfy((e) => isDbError(e, 'DB_IDEMPOTENCY_KEY_REUSED'));
  });

  it('gives a dead claim to exactly one of many retries', async () => {
    const tenantId = await tenant();
    await ctx.db.idempotency.begin(tenantId, { ...input, at: at(0) });
    const retries = await Promise.all(
      Array.from({ length: 8 }, () => ctx.db.idempotency.begin(tenantId, { ...input, at: at(31) })),
    );
    expect(retries.filter((r) => r.outcome === 'started')).toHaveLength(1);
    expect(retries.filter((r) => r.outcome === 'in_progress')).toHaveLength(7);
  });

  it('serves the tenant store: begin reports when the lease ends, renew keeps it, a takeover is flagged', async () => {
    const tenantId = await tenant();
    const store = await openStore({ url: ctx.test.url, migrate: false });
    try {
      const tenantStore = store.forTenant(tenantId);
      expect(await tenantStore.beginIdempotent('k', 'c'.repeat(64), 'POST', '/x', 86_400_000, 2_000)).toEqual(
        {
          state: 'new',
          takenOver: false,
        },
      );
      const busy = await tenantStore.beginIdempotent('k', 'c'.repeat(64), 'POST', '/x', 86_400_000, 2_000);
      expect(busy.state).toBe('in_progress');
      expect(busy.state === 'in_progress' && busy.retryAfterMs).toBeGreaterThan(500);
      expect(await tenantStore.renewIdempotent('k', 2_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2_200));
      expect(await tenantStore.beginIdempotent('k', 'c'.repeat(64), 'POST', '/x', 86_400_000, 2_000)).toEqual(
        {
          state: 'new',
          takenOver: true,
        },
      );
    } finally {
      await store.close();
    }
  });
});
