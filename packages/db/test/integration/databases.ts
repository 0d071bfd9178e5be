import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { resolveDatabaseTarget } from '../../src/database-url.js';
import { type BillingDatabase, openDatabase } from '../../src/index.js';
import { openSqlRunner } from '../../src/sql-runner.js';

// Which databases the integration suites run against: SQLite always; MariaDB when DATABASE_URL_BILLING_TEST
// is set or the default local server answers. With CI=true a missing MariaDB fails the run.

const DEFAULT_MARIADB = 'mysql://root@127.0.0.1:3306/test';
const mariadbUrl =
  process.env.DATABASE_URL_BILLING_TEST ?? process.env.BILLKIT_TEST_MARIADB_URL ?? DEFAULT_MARIADB;

async function reachable(url: string): Promise<boolean> {
  const target = resolveDatabaseTarget(url);
  if (target.provider !== 'mysql') return false;
  return new Promise((resolve) => {
    const socket = createConnection({ host: target.host, port: target.port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const mariadbUp = await reachable(mariadbUrl);
if (!mariadbUp && process.env.CI === 'true') {
  throw new Error(`CI=true but MariaDB is not reachable at ${mariadbUrl}; set DATABASE_URL_BILLING_TEST`);
}

export const providers: ('sqlite' | 'mysql')[] = mariadbUp ? ['sqlite', 'mysql'] : ['sqlite'];

/** A fresh, empty database of the provider: a temp SQLite file or a new billkit_test_* MariaDB database. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(provider: 'sqlite' | 'mysql'): Promise<TestDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'billkit-db-'));
    return {
      url: `file:${join(dir, 'billing.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `billkit_test_${randomBytes(5).toString('hex')}`;
  const server = await openSqlRunner(resolveDatabaseTarget(mariadbUrl));
  await server.execute(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await server.close();
  const url = new URL(mariadbUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const admin = await openSqlRunner(resolveDatabaseTarget(mariadbUrl));
      await admin.execute(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.close();
    },
  };
}

/** Registers beforeAll/afterAll that give the suite a migrated database; read `.db` inside tests. */
export function useMigratedDatabase(provider: 'sqlite' | 'mysql') {
  const holder = {} as { db: BillingDatabase; test: TestDatabase };
  beforeAll(async () => {
    holder.test = await createTestDatabase(provider);
    holder.db = await openDatabase({ url: holder.test.url, migrate: true });
  });
  afterAll(async () => {
    await holder.db?.close();
    await holder.test?.drop();
  });
  return holder;
}
