import { describe, expect, it } from 'vitest';
import { type DbError, isDbError, newId, openDatabase } from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { lockFailure } from '../../src/scope.js';
import { providers, useMigratedDatabase } from './databases.js';
import { customer, monthlyPrice, product, subscription } from './fixtures.js';

const mysql = providers.includes('mysql');

describe.runIf(mysql)('repository transactions under lock conflicts on mysql', () => {
  const ctx = useMigratedDatabase('mysql');

  async function someSubscription() {
    const tenantId = newId('ten');
    await ctx.db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
    const p = await ctx.db.products.save(tenantId, product());
    const price = await ctx.db.prices.save(tenantId, monthlyPrice(p.id));
    const c = await ctx.db.customers.save(tenantId, customer());
    return { tenantId, sub: await ctx.db.subscriptions.create(tenantId, subscription(c.id, price.id)) };
  }

  it('retries a transaction that keeps timing out on a lock, then refuses it as a typed lock timeout', async () => {
    const { tenantId, sub } = await someSubscription();
    // One connection, so the short lock wait set on it applies to every statement of this database.
    const waiter = await openDatabase({
      url: ctx.test.url,
      migrate: false,
      pool: { connectionLimit: 1, minimumIdle: 1 },
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Another connection holds the subscription row for the whole test.
    const holder = ctx.db.transaction(async (tx) => {
      await tx.subscriptions.save(tenantId, { ...sub, cancelAtPeriodEnd: true }, { expectedVersion: 0 });
      locked();
      await held;
    });
    try {
      await isLocked;
      await prismaOf(waiter).$executeRawUnsafe('SET SESSION innodb_lock_wait_timeout = 1');
      const started = Date.now();
      const failure = await waiter.subscriptions
        .save(tenantId, { ...sub, status: 'paused' }, { expectedVersion: 0 })
        .catch((e: unknown) => e);
      expect(isDbError(failure, 'DB_LOCK_TIMEOUT')).toBe(true);
      expect((failure as DbError).details).toEqual({
        reason: 'lock_wait_timeout',
        attempts: 3,
        retryAfterSeconds: 1,
      });
      expect(lockFailure((failure as DbError).cause)).toBe('lock_wait_timeout');
      // Three attempts, each waiting about a second for the lock.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    } finally {
      release();
      await holder;
      await waiter.close();
    }
    // The holder's write stands; the refused one left nothing behind.
    expect(await ctx.db.subscriptions.get(tenantId, sub.id)).toMatchObject({
      version: 1,
      cancelAtPeriodEnd: true,
      status: sub.status,
    });
  }, 30_000);

  it('succeeds on a later attempt once the lock is released', async () => {
    const { tenantId, sub } = await someSubscription();
    const waiter = await openDatabase({
      url: ctx.test.url,
      migrate: false,
      pool: { connectionLimit: 1, minimumIdle: 1 },
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Holds the row for about 1.5 s, past the first attempt's one-second wait, and gives it up unchanged.
    const holder = prismaOf(ctx.db).$transaction(
      async (client) => {
        await client.$queryRawUnsafe('SELECT id FROM `Subscription` WHERE id = ? FOR UPDATE', sub.id);
        locked();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      },
      { timeout: 10_000 },
    );
    try {
      await isLocked;
      await prismaOf(waiter).$executeRawUnsafe('SET SESSION innodb_lock_wait_timeout = 1');
      const saved = await waiter.subscriptions.save(
        tenantId,
        { ...sub, status: 'paused' },
        { expectedVersion: 0 },
      );
      expect(saved).toMatchObject({ status: 'paused', version: 1 });
    } finally {
      await holder;
      await waiter.close();
    }
  }, 30_000);
});
