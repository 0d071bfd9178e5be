import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../../src/database-url.js';
import { type BillingDatabase, isDbError, newId, openDatabase, openStore } from '../../src/index.js';
import { prismaOf } from '../../src/open-database.js';
import { providers, useMigratedDatabase } from './databases.js';

const mysql = providers.includes('mysql');

/** A TCP proxy in front of MariaDB that can freeze (hold every byte) or go down (reset and refuse). */
async function startProxy(target: { host: string; port: number }) {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
  const onConnection = (client: Socket) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  };
  let server: Server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const write of held.splice(0)) write();
    },
    down: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
    },
    up: async () => {
      server = createServer(onConnection);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
}

describe.runIf(mysql)('a MariaDB that freezes, goes down or keeps a row locked', () => {
  const ctx = useMigratedDatabase('mysql');
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let db: BillingDatabase;
  let tenantId: string;

  beforeAll(async () => {
    const target = resolveDatabaseTarget(ctx.test.url);
    if (target.provider !== 'mysql') throw new Error('mysql only');
    proxy = await startProxy({ host: target.host, port: target.port });
    const url = new URL(ctx.test.url);
    url.host = `127.0.0.1:${proxy.port}`;
    db = await openDatabase({ url: url.toString(), migrate: false });
    tenantId = newId('ten');
    await db.tenants.create({ id: tenantId, name: 'Hauler', defaultCurrency: 'USD' });
  });

  afterAll(async () => {
    await db?.close();
    await proxy?.down();
  });

  it('fails work on a frozen server with DB_UNAVAILABLE within 2 s, and works again once it thaws', async () => {
    expect(await db.tenants.get(tenantId)).not.toBeNull();
    proxy.freeze();
    try {
      const started = Date.now();
      const failure = await db.transaction((tx) => tx.tenants.get(tenantId)).catch((e: unknown) => e);
      expect(isDbError(failure, 'DB_UNAVAILABLE')).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
      // Known to be away now: the next one fails at once.
      const again = Date.now();
      await expect(db.transaction((tx) => tx.tenants.get(tenantId))).rejects.toSatisfy((e) =>
        isDbError(e, 'DB_UNAVAILABLE'),
      );
      expect(Date.now() - again).toBeLessThan(500);
    } finally {
      proxy.thaw();
    }
    for (let i = 0; i < 50; i++) {
      if (await db.tenants.get(tenantId).catch(() => null)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await db.tenants.get(tenantId)).not.toBeNull();
  });

  it('fails work on a server that is down with DB_UNAVAILABLE within 2 s, and works again once it is back', async () => {
    await proxy.down();
    try {
      const started = Date.now();
      const failure = await db.transaction((tx) => tx.tenants.get(tenantId)).catch((e: unknown) => e);
      expect(isDbError(failure, 'DB_UNAVAILABLE')).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await proxy.up();
    }
    for (let i = 0; i < 50; i++) {
      if (await db.tenants.get(tenantId).catch(() => null)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await db.tenants.get(tenantId)).not.toBeNull();
  });

  it('gives up on a row another session keeps locked within seconds: DB_LOCK_TIMEOUT through the store', async () => {
    const store = await openStore({ url: ctx.test.url, migrate: false });
    const holder = await openDatabase({ url: ctx.test.url, migrate: false, pool: { connectionLimit: 1 } });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = prismaOf(holder).$transaction(
      async (client) => {
        await client.$queryRawUnsafe(
          'SELECT tenantId FROM `AuditChainHead` WHERE tenantId = ? FOR UPDATE',
          tenantId,
        );
        locked();
        await held;
      },
      { timeout: 30_000 },
    );
    try {
      await isLocked;
      const started = Date.now();
      const failure = await store
        .forTenant(tenantId)
        .transaction(async (tx) => {
          await tx.appendAudit({
            type: 'x.created',
            entityType: 'x',
            entityId: 'x_1',
            actor: null,
            data: {},
            occurredAt: new Date().toISOString(),
          });
        })
        .catch((e: unknown) => e);
      const took = Date.now() - started;
      expect(isDbError(failure, 'DB_LOCK_TIMEOUT')).toBe(true);
      // Two waits of the default 2 s lock wait, not six of the server's 50 s.
      expect(took).toBeGreaterThanOrEqual(1_900);
      expect(took).toBeLessThan(6_000);
    } finally {
      release();
      await holding;
      await holder.close();
      await store.close();
    }
  }, 30_000);
});
