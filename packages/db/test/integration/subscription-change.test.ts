import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pauseSubscription } from '@billkit/billing-core';
import { describe, expect, it } from 'vitest';
import { isDbError, newId } from '../../src/index.js';
import { providers, useMigratedDatabase } from './databases.js';
import { invoice, tenantWithSubscription } from './fixtures.js';

describe.each(providers)('subscription changes on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  async function setup() {
    const t = await tenantWithSubscription(ctx.db);
    const senior = await ctx.db.discounts.saveDefinition(t.tenantId, {
      id: 'senior',
      type: 'percentage',
      name: 'Senior discount',
      percentOff: '10',
      maxRedemptions: 1,
    });
    return {
      ...t,
      senior,
      ids: { customerId: t.customer.id, subscriptionId: t.subscription.id, priceId: t.price.id },
    };
  }

  it('writes the new state, the proration invoice, the redemption count and the audit events together', async () => {
    const { tenantId, subscription, ids, customer } = await setup();
    const next = { ...subscription, items: [{ ...subscription.items[0]!, quantity: 2 }] };
    const change = invoice(ids);
    const result = await ctx.db.recordSubscriptionChange(tenantId, {
      subscription: next,
      expectedVersion: subscription.version,
      invoice: change,
      redemptions: [{ discountDefinitionId: 'senior', customerId: customer.id }],
      auditEvents: [
        {
          type: 'subscription.updated',
          entityType: 'subscription',
          entityId: subscription.id,
          data: { quantity: 2 },
        },
        { type: 'invoice.created', entityType: 'invoice', entityId: change.id, data: { total: 2339 } },
      ],
    });
    expect(result.subscription.version).toBe(subscription.version + 1);
    expect(result.subscription.latestInvoiceId).toBe(change.id);
    expect((await ctx.db.subscriptions.get(tenantId, subscription.id))?.items[0]?.quantity).toBe(2);
    expect(await ctx.db.invoices.get(tenantId, change.id)).toEqual(change);
    expect((await ctx.db.discounts.getDefinition(tenantId, 'senior'))?.timesRedeemed).toBe(1);
    expect((await ctx.db.auditLog.list(tenantId)).map((e) => [e.seq, e.type])).toEqual([
      [1, 'subscription.updated'],
      [2, 'invoice.created'],
    ]);
  });

  it('persists a billing-core transition with its billing events as audit entries', async () => {
    const { tenantId, subscription } = await setup();
    const transition = pauseSubscription(subscription, { at: '2026-01-10T12:00:00.000Z' });
    const result = await ctx.db.recordSubscriptionChange(tenantId, {
      subscription: transition.subscription,
      expectedVersion: subscription.version,
      invoice: transition.invoice,
      auditEvents: transition.events,
    });
    expect(result.subscription).toEqual({ ...transition.subscription, version: subscription.version + 1 });
    const [event] = await ctx.db.auditLog.list(tenantId);
    expect([event?.type, event?.entityType, event?.entityId, event?.occurredAt, event?.data]).toEqual([
      'subscription.paused',
      'subscription',
      subscription.id,
      '2026-01-10T12:00:00.000Z',
      { previousStatus: 'active' },
    ]);
  });

  it('writes nothing when a step fails mid-way (redemption limit reached after the invoice was written)', async () => {
    const { tenantId, subscription, ids, customer } = await setup();
    await ctx.db.discounts.redeem(tenantId, { discountDefinitionId: 'senior', customerId: customer.id });
    const change = invoice(ids);
    const attempt = ctx.db.recordSubscriptionChange(tenantId, {
      subscription: { ...subscription, status: 'past_due' },
      expectedVersion: subscription.version,
      invoice: change,
      redemptions: [{ discountDefinitionId: 'senior', customerId: customer.id }],
      auditEvents: [
        { type: 'subscription.updated', entityType: 'subscription', entityId: subscription.id, data: {} },
      ],
    });
    await expect(attempt).rejects.toSatisfy((e) => isDbError(e, 'DB_REDEMPTION_LIMIT_REACHED'));
    const stored = await ctx.db.subscriptions.get(tenantId, subscription.id);
    expect([stored?.status, stored?.version, stored?.latestInvoiceId]).toEqual([
      'active',
      subscription.version,
      null,
    ]);
    expect(await ctx.db.invoices.get(tenantId, change.id)).toBeNull();
    expect((await ctx.db.discounts.getDefinition(tenantId, 'senior'))?.timesRedeemed).toBe(1);
    expect(await ctx.db.auditLog.list(tenantId)).toEqual([]);
  });

  it('rejects a change made from a stale version and keeps the winner’s write', async () => {
    const { tenantId, subscription } = await setup();
    const [first, second] = await Promise.allSettled([
      ctx.db.recordSubscriptionChange(tenantId, {
        subscription: { ...subscription, cancelAtPeriodEnd: true },
        expectedVersion: subscription.version,
      }),
      ctx.db.recordSubscriptionChange(tenantId, {
        subscription: { ...subscription, status: 'paused', pausedAt: '2026-01-10T00:00:00.000Z' },
        expectedVersion: subscription.version,
      }),
    ]);
    const outcomes = [first, second].map((r) => r.status).sort();
    expect(outcomes).toEqual(['fulfilled', 'rejected']);
    const loser = [first, second].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(isDbError(loser.reason, 'DB_VERSION_CONFLICT')).toBe(true);
    const stored = await ctx.db.subscriptions.get(tenantId, subscription.id);
    expect(stored?.version).toBe(subscription.version + 1);
    const winnerPaused = stored?.status === 'paused';
    expect(winnerPaused ? !stored?.cancelAtPeriodEnd : stored?.cancelAtPeriodEnd).toBe(true);
  });

  it('limits promotion code redemptions and counts them per customer', async () => {
    const { tenantId, customer } = await setup();
    await ctx.db.discounts.saveDefinition(tenantId, {
      id: 'first-month-free',
      type: 'free_periods',
      periods: 1,
    });
    const code = await ctx.db.discounts.createPromotionCode(tenantId, {
      discountDefinitionId: 'first-month-free',
      code: 'firstmonthfree',
      maxRedemptions: 2,
    });
    expect((await ctx.db.discounts.findPromotionCode(tenantId, 'FirstMonthFree'))?.id).toBe(code.id);
    const redeem = () =>
      ctx.db.discounts.redeem(tenantId, {
        discountDefinitionId: 'first-month-free',
        promotionCodeId: code.id,
        customerId: customer.id,
      });
    await redeem();
    await redeem();
    await expect(redeem()).rejects.toSatisfy((e) => isDbError(e, 'DB_REDEMPTION_LIMIT_REACHED'));
    expect(
      await ctx.db.discounts.countRedemptions(tenantId, {
        discountDefinitionId: 'first-month-free',
        customerId: customer.id,
      }),
    ).toBe(2);
    expect((await ctx.db.discounts.getDefinition(tenantId, 'first-month-free'))?.timesRedeemed).toBe(2);
  });

  it('refuses a change to another tenant’s subscription as not found', async () => {
    const a = await setup();
    const b = await setup();
    const attempt = ctx.db.recordSubscriptionChange(b.tenantId, {
      subscription: { ...a.subscription, status: 'canceled' },
      expectedVersion: a.subscription.version,
    });
    await expect(attempt).rejects.toSatisfy((e) => isDbError(e, 'DB_NOT_FOUND'));
    expect((await ctx.db.subscriptions.get(a.tenantId, a.subscription.id))?.status).toBe('active');
    expect(newId('x')).not.toBe(newId('x'));
  });

  it.runIf(provider === 'sqlite')(
    'serialises changes from two processes: every change lands once, the chain stays valid',
    async () => {
      const { tenantId, subscription } = await setup();
      const run = promisify(execFile);
      const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
      const worker = (label: string) =>
        run(tsx, [
          join(import.meta.dirname, 'change-worker.ts'),
          ctx.test.url,
          tenantId,
          subscription.id,
          '40',
          label,
        ]);
      await Promise.all([worker('P1'), worker('P2')]);
      const stored = await ctx.db.subscriptions.get(tenantId, subscription.id);
      // Each of the 80 changes (40 per process; a read-then-write transaction each) added one to the quantity and one to the version.
      expect([stored?.version, stored?.items[0]?.quantity]).toEqual([80, 81]);
      expect(await ctx.db.verifyAuditChain(tenantId)).toMatchObject({ valid: true, events: 80 });
    },
    60_000,
  );
});
