import { LibsqlAdapterFactory, SqliteConnection } from './sqlite/adapter.js';

/**
 * How long a SQLite connection waits for another process's write lock before failing (SQLite's busy timeout),
 * in milliseconds.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 10_000;

/** Opens the one libsql connection a process keeps to a SQLite file (see {@link SqliteConnection}). */
export function openSqliteConnection(file: string): SqliteConnection {
  return SqliteConnection.open(file, SQLITE_BUSY_TIMEOUT_MS);
}

/**
 * The Prisma driver adapter over a SQLite file's connection, over libsql: a SQLite whose prebuilt Node-API
 * binaries come inside npm packages, so it installs without a C compiler and one binary runs on every Node
 * version. Its transactions take the connection's turn. Foreign keys are on (libsql's default); the file's
 * WAL mode is set by `openSqliteFile`.
 *
 * @example
 * const prisma = new SqlitePrismaClient({ adapter: sqliteAdapter(openSqliteConnection('/srv/billing/data/billing.db')) });
 */
export function sqliteAdapter(connection: SqliteConnection): LibsqlAdapterFactory {
  return new LibsqlAdapterFactory(connection);
}
