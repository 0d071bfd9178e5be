import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DbStore, openStore } from '@billkit/db';
import { type BillingOptions, createBilling } from '../src/index.js';

// Both backends for the workflow tests: a temp SQLite file, and a scratch MariaDB database
// (`billkit_wf_test_<random>`, dropped afterwards). MariaDB is skipped when unreachable unless CI=true.

export const MARIADB_SERVER_URL = process.env.BILLKIT_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/mysql';

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 3306) });
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

const mariadbUp = await reachable(MARIADB_SERVER_URL);
if (!mariadbUp && process.env.CI === 'true') {
  throw new Error(`CI=true but MariaDB is not reachable at ${new URL(MARIADB_SERVER_URL).host}`);
}

export interface TestBed {
  readonly store: DbStore;
  readonly billing: ReturnType<typeof createBilling>;
  /** The tenant every test bed starts with. */
  readonly tenantId: string;
  close(): Promise<void>;
}

type Open = (options?: Omit<BillingOptions, 'db'>) => Promise<TestBed>;

async function bed(
  store: DbStore,
  options: Omit<BillingOptions, 'db'>,
  dispose: () => Promise<void>,
): Promise<TestBed> {
  const tenantId = 'ten_a';
  await store.addTenant({ id: tenantId, name: 'Tenant A', defaultCurrency: 'USD' });
  await store.addTenant({ id: 'ten_b', name: 'Tenant B', defaultCurrency: 'USD' });
  return {
    store,
    billing: createBilling({ db: store, ...options }),
    tenantId,
    close: async () => {
      await store.close();
      await dispose();
    },
  };
}

const sqlite: Open = async (options = {}) => {
  const dir = mkdtempSync(join(tmpdir(), 'billkit-wf-'));
  const store = await openStore({ url: `file:${join(dir, 'billing.db')}` });
  return bed(store, options, async () => rmSync(dir, { recursive: true, force: true }));
};

async function onServer(sql: string): Promise<void> {
  const mariadb = await import('mariadb');
  const url = new URL(MARIADB_SERVER_URL);
  const conn = await mariadb.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
  });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

const mysql: Open = async (options = {}) => {
  const name = `billkit_wf_test_${randomBytes(5).toString('hex')}`;
  await onServer(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(MARIADB_SERVER_URL);
  url.pathname = `/${name}`;
  try {
    const store = await openStore({ url: url.toString(), migrate: true });
    return await bed(store, options, () => onServer(`DROP DATABASE IF EXISTS \`${name}\``));
  } catch (error) {
    await onServer(`DROP DATABASE IF EXISTS \`${name}\``);
    throw error;
  }
};

/** The backends to run a suite on: `describe.each(backends())('… on $name', ({ open }) => …)`. */
export function backends(): { name: 'sqlite' | 'mysql'; open: Open }[] {
  return [
    { name: 'sqlite' as const, open: sqlite },
    ...(mariadbUp ? [{ name: 'mysql' as const, open: mysql }] : []),
  ];
}
