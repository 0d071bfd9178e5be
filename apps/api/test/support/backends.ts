import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore as openDbStore } from '@billkit/db';
import { createConnection as createMariadbConnection } from 'mariadb';
import { type Harness, type StartOptions, startServer } from './harness.js';

// Which stores the end-to-end suites run against. Default: SQLite (a temp file per suite) and MariaDB
// (a scratch `billkit_api_test_<random>` database per suite, dropped afterwards). MariaDB is skipped
// when unreachable, unless CI=true, where that fails the run. `BILLKIT_TEST_BACKENDS=sqlite` picks
// explicitly.

export type BackendName = 'sqlite' | 'mysql';

export interface Backend {
  readonly name: BackendName;
  readonly start: (options?: StartOptions) => Promise<Harness>;
}

/** The server every scratch database is created on (root with an empty password by default). */
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

const requested = (process.env.BILLKIT_TEST_BACKENDS ?? 'sqlite,mysql')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean) as BackendName[];
const mariadbUp = requested.includes('mysql') ? await reachable(MARIADB_SERVER_URL) : false;
if (requested.includes('mysql') && !mariadbUp && process.env.CI === 'true') {
  throw new Error(`CI=true but MariaDB is not reachable at ${new URL(MARIADB_SERVER_URL).host}`);
}

/** A temp SQLite file, migrated by the store on open. */
async function startSqlite(options: StartOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'billkit-api-'));
  const store = await openDbStore({ url: `file:${join(dir, 'billing.db')}` });
  return startServer(store, options, async () => rmSync(dir, { recursive: true, force: true }));
}

/** Runs one statement on the MariaDB server (outside any billkit database). */
async function onServer(sql: string): Promise<void> {
  const url = new URL(MARIADB_SERVER_URL);
  const connection = await createMariadbConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
  });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** A scratch MariaDB database, migrated, dropped when the harness closes. */
async function startMariadb(options: StartOptions = {}): Promise<Harness> {
  const name = `billkit_api_test_${randomBytes(5).toString('hex')}`;
  await onServer(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = new URL(MARIADB_SERVER_URL);
  url.pathname = `/${name}`;
  try {
    const store = await openDbStore({ url: url.toString(), migrate: true });
    return await startServer(store, options, () => onServer(`DROP DATABASE IF EXISTS \`${name}\``));
  } catch (error) {
    await onServer(`DROP DATABASE IF EXISTS \`${name}\``);
    throw error;
  }
}

/** The stores the end-to-end suites run against (see the note at the top). */
export function backends(): Backend[] {
  const all: Backend[] = [
    { name: 'sqlite', start: startSqlite },
    { name: 'mysql', start: startMariadb },
  ];
  return all.filter((b) => requested.includes(b.name) && (b.name !== 'mysql' || mariadbUp));
}
