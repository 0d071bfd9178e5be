import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDatabaseTarget } from '../src/database-url.js';
import { type DbError, isDbError, migrate, openDatabase, openStore } from '../src/index.js';
import { providers } from './integration/databases.js';

// A connection mistake answers within 3 s with the server's own reason and where it tried, never the password
// (before: 10–21 s of silence, then a pool timeout or Prisma's P2039 saying nothing about why).

const PASSWORD = 'hB-s3cret-do-not-print';
const mariadb = resolveDatabaseTarget(
  process.env.DATABASE_URL_BILLING_TEST ?? 'mysql://root@127.0.0.1:3306/test',
);
const server = mariadb.provider === 'mysql' ? { host: mariadb.host, port: mariadb.port } : null;

/** Opens the database (and, like a host app, runs a first query), timing how long the failure takes. */
async function failureOf(url: string, open: 'database' | 'store' | 'migrate' = 'database') {
  const started = Date.now();
  const error = await (async () => {
    if (open === 'migrate') {
      await migrate({ url });
    } else if (open === 'store') {
      const store = await openStore({ url, migrate: false });
      await store.listTenants().finally(() => store.close());
    } else {
      const db = await openDatabase({ url, migrate: false });
      await db.tenants.list().finally(() => db.close());
    }
  })().catch((e: unknown) => e);
  return { error: error as DbError, ms: Date.now() - started };
}

function expectConnectionFailure(
  { error, ms }: { error: DbError; ms: number },
  expected: { reason: string; says: string; host: string; port: number; user: string },
) {
  expect(isDbError(error, 'DB_CONNECTION_FAILED')).toBe(true);
  expect(ms).toBeLessThan(3_000);
  expect(error.message).toContain(expected.says);
  expect(error.message).toContain(`${expected.user}@${expected.host}:${expected.port}`);
  expect(error.details).toMatchObject({
    reason: expected.reason,
    host: expected.host,
    port: expected.port,
    user: expected.user,
  });
  expect(`${error.message} ${JSON.stringify(error.details)}`).not.toContain(PASSWORD);
}

describe('a MariaDB URL that cannot connect', () => {
  let silent: Server;
  let silentPort: number;
  let closedPort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // A server that accepts connections and never says a word (a frozen host, a wrong service on the port).
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    // A port nothing listens on.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it.each(['database', 'migrate'] as const)(
    'answers a port nothing listens on with ECONNREFUSED (%s)',
    async (open) => {
      const url = `mysql://billing:${PASSWORD}@127.0.0.1:${closedPort}/billing_db`;
      expectConnectionFailure(await failureOf(url, open), {
        reason: 'refused',
        says: 'ECONNREFUSED',
        host: '127.0.0.1',
        port: closedPort,
        user: 'billing',
      });
    },
  );

  it('answers a host name that does not resolve', async () => {
    const url = `mysql://billing:${PASSWORD}@no-such-host.invalid:3306/billing_db`;
    expectConnectionFailure(await failureOf(url, 'store'), {
      reason: 'unknown_host',
      says: 'ENOTFOUND',
      host: 'no-such-host.invalid',
      port: 3306,
      user: 'billing',
    });
  });

  it('answers a server that never speaks within the connect timeout', async () => {
    const url = `mysql://billing:${PASSWORD}@127.0.0.1:${silentPort}/billing_db`;
    expectConnectionFailure(await failureOf(url), {
      reason: 'timeout',
      says: 'timeout',
      host: '127.0.0.1',
      port: silentPort,
      user: 'billing',
    });
  });

  describe.runIf(providers.includes('mysql') && server !== null)('on a real MariaDB', () => {
    const host = server?.host ?? '';
    const port = server?.port ?? 0;

    it('answers a wrong user or password with the server’s "Access denied"', async () => {
      const url = `mysql://nobody:${PASSWORD}@${host}:${port}/billing_db`;
      for (const open of ['database', 'store', 'migrate'] as const) {
        expectConnectionFailure(await failureOf(url, open), {
          reason: 'access_denied',
          says: "Access denied for user 'nobody'@",
          host,
          port,
          user: 'nobody',
        });
      }
    });

    it('answers a database that does not exist with the server’s "Unknown database" and the fix', async () => {
      const url = new URL(process.env.DATABASE_URL_BILLING_TEST ?? 'mysql://root@127.0.0.1:3306/test');
      url.pathname = '/billkit_no_such_database';
      const failure = await failureOf(url.toString());
      expectConnectionFailure(failure, {
        reason: 'unknown_database',
        says: "Unknown database 'billkit_no_such_database'",
        host,
        port,
        user: decodeURIComponent(url.username || 'root'),
      });
      expect(failure.error.message).toContain('billkit-db migrate');
    });
  });
});
