import { pathToFileURL } from 'node:url';
import { PrismaLibSql } from '@prisma/adapter-libsql';

/**
 * How long a SQLite connection waits for another process's write lock before failing (SQLite's busy timeout),
 * in milliseconds.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/**
 * The Prisma driver adapter for a SQLite file, over libsql: a SQLite whose prebuilt Node-API binaries come
 * inside npm packages, so it installs without a C compiler and one binary runs on every Node version.
 * Foreign keys are on in every connection (libsql's default); the file's WAL mode is set by `openSqliteFile`.
 *
 * @example
 * const prisma = new SqlitePrismaClient({ adapter: sqliteAdapter('/srv/billing/data/billing.db') });
 */
export function sqliteAdapter(file: string): PrismaLibSql {
  // A file URL, so a path with `?`, `#` or `%` in it is not read as a query or an escape.
  return new PrismaLibSql({ url: pathToFileURL(file).href, timeout: SQLITE_BUSY_TIMEOUT_MS });
}
