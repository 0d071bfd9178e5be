import { describe, expect, it } from 'vitest';
import { auditHash, isDbError, newId, openDatabase } from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer } from './fixtures.js';

describe.each(providers)('audit log and operational records on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);
  const q = (name: string) => (provider === 'mysql' ? `\`${name}\`` : `"${name}"`);

  async function tenant() {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    return tenantId;
  }

  async function tenantWithEvents(count: number) {
    const tenantId = await tenant();
    for (let n = 1; n <= count; n++) {
      await ctx.db.auditLog.append(tenantId, {
        type: 'invoice.paid',
        entityType: 'invoice',
        entityId: `in_${n}`,
        actor: 'api-key:ops',
        data: { amountPaid: 1000 * n, note: { z: 1, a: [n, 'x'] } },
        occurredAt: `2026-01-0${n}T00:00:00.000Z`,
      });
    }
    return tenantId;
  }

  it('chains each tenant’s events from the genesis hash and verifies an untouched chain', async () => {
    const tenantId = await tenantWithEvents(4);
    const other = await tenantWithEvents(2);
    const events = await ctx.db.auditLog.list(tenantId);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]?.prevHash).toBe('0'.repeat(64));
    for (let n = 1; n < events.length; n++) expect(events[n]?.prevHash).toBe(events[n - 1]?.hash);
    expect(await ctx.db.verifyAuditChain(tenantId)).toEqual({
      valid: true,
      events: 4,
      head: events[3]?.hash,
    });
    expect((await ctx.db.verifyAuditChain(other)).valid).toBe(true);
  });

  it.each([
    [
      'an edited payload',
      'hash_mismatch',
      `UPDATE {t} SET data = '{"amountPaid":1}' WHERE tenantId = ? AND seq = 2`,
      2,
    ],
    ['a deleted event', 'sequence_gap', 'DELETE FROM {t} WHERE tenantId = ? AND seq = 3', 3],
    [
      'a forged previous hash',
      'prev_hash_mismatch',
      `UPDATE {t} SET prevHash = '${'f'.repeat(64)}' WHERE tenantId = ? AND seq = 4`,
      4,
    ],
  ])('detects %s in the chain', async (_what, reason, sql, seq) => {
    const tenantId = await tenantWithEvents(4);
    const quoted = sql.replace('{t}', q('AuditEvent')).replace('tenantId', q('tenantId'));
    await prismaOf(ctx.db).$executeRawUnsafe(quoted, tenantId);
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: false, reason, brokenAtSeq: seq });
  });

  it.each([
    ['the newest event', 4, 'events after seq 3 are missing (chain head records 4)'],
    ['the newest two events', 3, 'events after seq 2 are missing (chain head records 4)'],
    ['every event', 1, 'events after seq 0 are missing (chain head records 4)'],
  ])('detects that %s was deleted, although what is left still links up', async (_what, seq, message) => {
    const tenantId = await tenantWithEvents(4);
    await prismaOf(ctx.db).auditEvent.deleteMany({ where: { tenantId, seq: { gte: seq } } });
    expect(await ctx.db.verifyAuditChain(tenantId)).toEqual({
      valid: false,
      events: seq - 1,
      brokenAtSeq: seq,
      reason: 'events_missing',
      message,
    });
    expect(await ctx.db.auditLog.verifyChain(tenantId)).toMatchObject({
      valid: false,
      reason: 'events_missing',
    });
  });

  it('detects a newest event replaced by a consistent forgery the chain head does not record', async () => {
    const tenantId = await tenantWithEvents(4);
    const [third] = await ctx.db.auditLog.list(tenantId, { afterSeq: 2, limit: 1 });
    // Rewrite event 4 with a correctly computed hash: the chain alone still verifies.
    const forged = {
      seq: 4,
      type: 'invoice.voided',
      entityType: 'invoice',
      entityId: 'in_4',
      actor: 'api-key:ops',
      data: {},
      occurredAt: '2026-01-04T00:00:00.000Z',
      prevHash: third!.hash,
    };
    await prismaOf(ctx.db).auditEvent.updateMany({
      where: { tenantId, seq: 4 },
      data: { type: forged.type, data: '{}', hash: auditHash(tenantId, forged) },
    });
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({
      valid: false,
      events: 3,
      brokenAtSeq: 4,
      reason: 'head_mismatch',
    });
  });

  it('verifies a chain that grows while it is checked', async () => {
    const tenantId = await tenantWithEvents(3);
    const [verification] = await Promise.all([
      ctx.db.verifyAuditChain(tenantId),
      ctx.db.auditLog.append(tenantId, { type: 'x.y', entityType: 'x', entityId: 'x_1', data: {} }),
    ]);
    expect(verification.valid).toBe(true);
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 4 });
  });

  it('hands db.transaction every repository and rolls all of them back together', async () => {
    const tenantId = await tenant();
    const c = await ctx.db.customers.save(tenantId, customer());
    const failure = await ctx.db
      .transaction(async (tx) => {
        await tx.idempotency.begin(tenantId, {
          key: 'k1',
          requestHash: 'a'.repeat(64),
          method: 'POST',
          path: '/x',
        });
        await tx.auditLog.append(tenantId, { type: 'x.created', entityType: 'x', entityId: 'x_1', data: {} });
        await tx.webhookEvents.record(tenantId, {
          provider: 'tilled',
          eventId: 'evt_1',
          type: 't',
          rawBody: '{}',
        });
        await tx.apiKeys.create(tenantId, { name: 'ops', scopes: ['admin'] });
        await tx.customerBalance.append(tenantId, { customerId: c.id, type: 'adjustment', amount: -500 });
        throw new Error('the caller gives up');
      })
      .catch((error: unknown) => error);
    expect((failure as Error).message).toBe('the caller gives up');
    expect(
      (
        await ctx.db.idempotency.begin(tenantId, {
          key: 'k1',
          requestHash: 'b'.repeat(64),
          method: 'POST',
          path: '/x',
        })
      ).outcome,
    ).toBe('started');
    expect(await ctx.db.auditLog.list(tenantId)).toEqual([]);
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 0 });
    expect(await ctx.db.webhookEvents.listUnprocessed(tenantId)).toEqual([]);
    expect(await ctx.db.apiKeys.list(tenantId)).toEqual([]);
    expect(await ctx.db.customerBalance.list(tenantId, c.id)).toEqual([]);
    expect((await ctx.db.customers.get(tenantId, c.id))?.balance).toBe(0);
  });

  it('keeps the chain intact under concurrent appends', async () => {
    const tenantId = await tenant();
    await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        ctx.db.auditLog.append(tenantId, {
          type: 'customer.updated',
          entityType: 'customer',
          entityId: `cus_${n}`,
          data: { n },
        }),
      ),
    );
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 8 });
  });

  it('keeps the chain intact and the head on the last event under concurrent appends from many connections', async () => {
    const tenantId = await tenant();
    const others = await Promise.all(
      [0, 1, 2].map(() => openDatabase({ url: ctx.test.url, migrate: false })),
    );
    try {
      await Promise.all(
        [ctx.db, ...others].flatMap((db, w) =>
          Array.from({ length: 6 }, (_, n) =>
            db.auditLog.append(
              tenantId,
              { type: 'customer.updated', entityType: 'customer', entityId: `cus_${w}_${n}`, data: { w, n } },
              { type: 'customer.viewed', entityType: 'customer', entityId: `cus_${w}_${n}`, data: { w, n } },
            ),
          ),
        ),
      );
    } finally {
      await Promise.all(others.map((db) => db.close()));
    }
    const verification = await ctx.db.verifyAuditChain(tenantId);
    expect(verification).toMatchObject({ valid: true, events: 48 });
    const head = await prismaOf(ctx.db).auditChainHead.findUnique({ where: { tenantId } });
    expect(head).toEqual({ tenantId, seq: 48, hash: verification.valid ? verification.head : null });
    // Each append's two events are adjacent: an append holds the chain until its transaction commits.
    const events = await ctx.db.auditLog.list(tenantId);
    for (let n = 0; n < events.length; n += 2) expect(events[n]?.entityId).toBe(events[n + 1]?.entityId);
  });

  it('continues a chain whose tenant has no head row from the chain’s latest event', async () => {
    const tenantId = await tenantWithEvents(3);
    await prismaOf(ctx.db).auditChainHead.delete({ where: { tenantId } });
    const [next] = await ctx.db.auditLog.append(tenantId, {
      type: 'invoice.voided',
      entityType: 'invoice',
      entityId: 'in_9',
      data: {},
    });
    expect(next?.seq).toBe(4);
    expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({
      valid: true,
      events: 4,
      head: next?.hash,
    });
    expect(await prismaOf(ctx.db).auditChainHead.findUnique({ where: { tenantId } })).toMatchObject({
      seq: 4,
    });
  });

  it('replays a finished idempotent request and refuses the key for a different request', async () => {
    const tenantId = await tenant();
    const input = { key: 'idem-1', requestHash: 'a'.repeat(64), method: 'POST', path: '/v1/subscriptions' };
    expect((await ctx.db.idempotency.begin(tenantId, input)).outcome).toBe('started');
    expect((await ctx.db.idempotency.begin(tenantId, input)).outcome).toBe('in_progress');
    await ctx.db.idempotency.complete(tenantId, 'idem-1', { status: 201, body: '{"id":"sub_1"}' });
    const replay = await ctx.db.idempotency.begin(tenantId, input);
    expect([replay.outcome, replay.record.responseStatus, replay.record.responseBody]).toEqual([
      'replay',
      201,
      '{"id":"sub_1"}',
    ]);
    const reused = ctx.db.idempotency.begin(tenantId, { ...input, requestHash: 'b'.repeat(64) });
    await expect(reused).rejects.toSatisfy((e) => isDbError(e, 'DB_IDEMPOTENCY_KEY_REUSED'));
    // The same key in another tenant is another record.
    expect(
      (await ctx.db.idempotency.begin(await tenant(), { ...input, requestHash: 'b'.repeat(64) })).outcome,
    ).toBe('started');
  });

  it('starts afresh once an idempotency record has expired', async () => {
    const tenantId = await tenant();
    const input = {
      key: 'k',
      requestHash: 'a'.repeat(64),
      method: 'POST',
      path: '/x',
      ttlSeconds: 60,
      at: '2026-01-01T00:00:00.000Z',
    };
    await ctx.db.idempotency.begin(tenantId, input);
    const later = await ctx.db.idempotency.begin(tenantId, {
      ...input,
      requestHash: 'c'.repeat(64),
      at: '2026-01-01T00:02:00.000Z',
    });
    expect(later.outcome).toBe('started');
  });

  it('keeps a webhook body byte-for-byte and recognises a redelivery by provider event id', async () => {
    const tenantId = await tenant();
    const rawBody =
      '{"id":"evt_1","type":"payment_intent.succeeded","data":{"amount":2339,"note":"naïve ✓ \\u00e9"}}\n';
    const first = await ctx.db.webhookEvents.record(tenantId, {
      provider: 'stripe',
      eventId: 'evt_1',
      type: 'payment_intent.succeeded',
      rawBody,
      signature: 't=1,v1=abc',
    });
    const again = await ctx.db.webhookEvents.record(tenantId, {
      provider: 'stripe',
      eventId: 'evt_1',
      type: 'payment_intent.succeeded',
      rawBody,
    });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ event: first.event, duplicate: true });
    expect((await ctx.db.webhookEvents.get(tenantId, first.event.id))?.rawBody).toBe(rawBody);
    await ctx.db.webhookEvents.markProcessed(tenantId, first.event.id);
    expect(await ctx.db.webhookEvents.listUnprocessed(tenantId)).toEqual([]);
  });

  it('authenticates an API key by its secret until it is revoked, storing only a hash', async () => {
    const tenantId = await tenant();
    const { apiKey, secret } = await ctx.db.apiKeys.create(tenantId, {
      name: 'ops',
      scopes: ['invoices:read'],
    });
    expect((await ctx.db.apiKeys.authenticate(secret))?.tenantId).toBe(tenantId);
    expect(await ctx.db.apiKeys.authenticate(`${secret}x`)).toBeNull();
    const stored = await prismaOf(ctx.db).apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(stored.hashedKey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(secret);
    await ctx.db.apiKeys.revoke(tenantId, apiKey.id);
    expect(await ctx.db.apiKeys.authenticate(secret)).toBeNull();
  });

  it('counts payment attempts and finds a payment by its gateway id', async () => {
    const tenantId = await tenant();
    const c = await ctx.db.customers.save(tenantId, customer());
    const payment = await ctx.db.payments.create(tenantId, {
      customerId: c.id,
      invoiceId: null,
      gateway: 'stripe',
      gatewayPaymentId: null,
      gatewayCustomerId: 'cus_stripe_1',
      amount: 2339,
      currency: 'USD',
    });
    await ctx.db.payments.recordAttempt(tenantId, payment.id, {
      status: 'failed',
      error: 'card_declined',
      nextAttemptAt: '2026-01-03T00:00:00.000Z',
    });
    const ok = await ctx.db.payments.recordAttempt(tenantId, payment.id, {
      status: 'succeeded',
      gatewayPaymentId: 'pi_123',
    });
    expect([ok.attempts, ok.status, ok.lastError, ok.nextAttemptAt]).toEqual([2, 'succeeded', null, null]);
    expect((await ctx.db.payments.findByGatewayId(tenantId, 'stripe', 'pi_123'))?.id).toBe(payment.id);
  });

  it('returns the tax rates in force at an instant, honouring effective dates', async () => {
    const tenantId = await tenant();
    await ctx.db.taxRates.saveJurisdiction(tenantId, {
      code: 'US-IL',
      name: 'Illinois',
      level: 'state',
      country: 'US',
      region: 'IL',
      county: null,
      city: null,
      district: null,
    });
    await ctx.db.taxRates.addRate(tenantId, {
      jurisdictionCode: 'US-IL',
      taxType: 'sales',
      taxCategory: null,
      rate: '0.0625',
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      effectiveTo: '2026-07-01T00:00:00.000Z',
    });
    await ctx.db.taxRates.addRate(tenantId, {
      jurisdictionCode: 'US-IL',
      taxType: 'sales',
      taxCategory: null,
      rate: '0.065',
      effectiveFrom: '2026-07-01T00:00:00.000Z',
      effectiveTo: null,
    });
    expect(
      (await ctx.db.taxRates.ratesInForce(tenantId, '2026-06-30T23:59:59.999Z')).map((r) => r.rate),
    ).toEqual(['0.0625']);
    expect(
      (await ctx.db.taxRates.ratesInForce(tenantId, '2026-07-01T00:00:00.000Z')).map((r) => r.rate),
    ).toEqual(['0.065']);
    await expect(
      ctx.db.taxRates.addRate(tenantId, {
        jurisdictionCode: 'US-IL',
        taxType: 'sales',
        taxCategory: null,
        rate: '6.25%',
        effectiveFrom: '2027-01-01T00:00:00.000Z',
        effectiveTo: null,
      }),
    ).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
  });
});
