import { isAbsolute, join, resolve } from 'node:path';
import { DbError } from './errors.js';

/** Connection-pool settings for the MariaDB adapter (the `mariadb` driver's pool). */
export interface PoolOptions {
  /** Maximum open connections (driver default 10). URL: `connectionLimit` or Prisma's `connection_limit`. */
  connectionLimit?: number;
  /** Milliseconds to wait for a free connection before failing (default 10 000). URL: `acquireTimeout` or `pool_timeout` (seconds). */
  acquireTimeout?: number;
  /** Milliseconds to wait for a new connection to open (default 5 000). URL: `connectTimeout` or `connect_timeout` (seconds). */
  connectTimeout?: number;
  /** Seconds an idle connection stays open (default 1 800). URL: `idleTimeout`. */
  idleTimeout?: number;
  /** Idle connections kept open (default = connectionLimit). URL: `minimumIdle`. */
  minimumIdle?: number;
  /**
   * Seconds a statement waits for a row another session has locked before the server gives up with a lock
   * wait timeout (`innodb_lock_wait_timeout`, set on every connection; default 2, the server's is 50). A
   * change then fails with `DB_LOCK_TIMEOUT` within a few seconds instead of minutes.
   * URL: `lockWaitTimeout` or `innodb_lock_wait_timeout`.
   */
  lockWaitTimeout?: number;
}

export type DatabaseTarget =
  | { provider: 'sqlite'; file: string }
  | {
      provider: 'mysql';
      host: string;
      port: number;
      user: string;
      password: string;
      database: string;
      pool: PoolOptions;
    };

/** Where billing_db lives when nothing is configured: `<cwd>/data/billing.db`. */
export const DEFAULT_SQLITE_FILE = join('data', 'billing.db');

/**
 * Resolves a connection string to a target. `mysql://` and `mariadb://` select MariaDB/MySQL; `file:` or a
 * plain path selects SQLite; nothing selects `DATABASE_URL_BILLING`, then `<dataDir>/billing.db`.
 *
 * @example
 * resolveDatabaseTarget('mysql://billing:secret@db:3306/billing_db?connectionLimit=20')
 * // → { provider: 'mysql', host: 'db', port: 3306, …, pool: { connectionLimit: 20 } }
 */
export function resolveDatabaseTarget(
  url?: string,
  options: { dataDir?: string; pool?: PoolOptions; env?: Record<string, string | undefined> } = {},
): DatabaseTarget {
  const env = options.env ?? process.env;
  const text = url ?? env.DATABASE_URL_BILLING ?? '';
  if (text === '') {
    const file = options.dataDir ? join(options.dataDir, 'billing.db') : DEFAULT_SQLITE_FILE;
    return { provider: 'sqlite', file: resolve(file) };
  }
  if (/^(mysql|mariadb):\/\//i.test(text)) return parseMysqlUrl(text, options.pool ?? {});
  if (/^file:/i.test(text)) {
    const path = text.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    return { provider: 'sqlite', file: isAbsolute(path) ? path : resolve(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new DbError(
      'DB_UNSUPPORTED_URL',
      'billing_db supports mysql://, mariadb:// and SQLite (file: or a path)',
      {
        scheme: text.split(':')[0],
      },
    );
  }
  return { provider: 'sqlite', file: resolve(text) };
}

function parseMysqlUrl(text: string, overrides: PoolOptions): DatabaseTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch (cause) {
    throw new DbError('DB_UNSUPPORTED_URL', 'Malformed MySQL connection string', {}, { cause });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '')
    throw new DbError('DB_UNSUPPORTED_URL', 'The MySQL connection string names no database');
  const params = url.searchParams;
  const int = (name: string, scale = 1): number | undefined => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new DbError('DB_UNSUPPORTED_URL', `${name} must be a whole number`);
    return n * scale;
  };
  const fromUrl: PoolOptions = {};
  const set = (key: keyof PoolOptions, value: number | undefined) => {
    if (value !== undefined) fromUrl[key] = value;
  };
  set('connectionLimit', int('connectionLimit') ?? int('connection_limit'));
  set('acquireTimeout', int('acquireTimeout') ?? int('pool_timeout', 1000));
  set('connectTimeout', int('connectTimeout') ?? int('connect_timeout', 1000));
  set('idleTimeout', int('idleTimeout'));
  set('minimumIdle', int('minimumIdle'));
  set('lockWaitTimeout', int('lockWaitTimeout') ?? int('innodb_lock_wait_timeout'));
  return {
    provider: 'mysql',
    host: url.hostname || 'localhost',
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
    pool: { ...fromUrl, ...overrides },
  };
}
