import { LibsqlAdapterFactory } from './sqlite/adapter.js';

/**
 * How long a SQLite connection waits for another process's write lock before failing (SQLite's busy timeout),
 * in milliseconds.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * The Prisma driver adapter for a SQLite file, over libsql: a SQLite whose prebuilt Node-API binaries come
 * inside npm packages, so it installs without a C compiler and one binary runs on every Node version. The
 * client keeps one connection to the file and runs its transactions on it one at a time. Foreign keys are on
 * (libsql's default); the file's WAL mode is set by `openSqliteFile`.
 *
 * @example
 * const prisma = new SqlitePrismaClient({ adapter: sqliteAdapter('/srv/billing/data/billing.db') });
 */
export function sqliteAdapter(file: string): LibsqlAdapterFactory {
  return new LibsqlAdapterFactory(file, SQLITE_BUSY_TIMEOUT_MS);
}
