import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import Database from 'libsql';
import { verifyConnection } from './connection-guard.js';
import type { DatabaseTarget } from './database-url.js';
import { SQLITE_BUSY_TIMEOUT_MS } from './sqlite-adapter.js';

/** A raw SQL connection used where Prisma's client cannot help: migrations, billing-run locks, backups. */
export interface SqlRunner {
  readonly provider: 'sqlite' | 'mysql';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  execute(sql: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** MariaDB pool settings for a target (also what `openDatabase` hands to `PrismaMariaDb`). */
export function mariadbPoolConfig(target: Extract<DatabaseTarget, { provider: 'mysql' }>) {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: target.pool.connectionLimit ?? 10,
    acquireTimeout: target.pool.acquireTimeout ?? 10_000,
    connectTimeout: target.pool.connectTimeout ?? 5_000,
    idleTimeout: target.pool.idleTimeout ?? 1_800,
    ...(target.pool.minimumIdle !== undefined ? { minimumIdle: target.pool.minimumIdle } : {}),
    // Instants are stored in UTC whatever the server's zone.
    timezone: 'Z',
    bigIntAsNumber: false,
    insertIdAsNumber: true,
    multipleStatements: false,
  };
}

/** `innodb_lock_wait_timeout` of `openDatabase`'s connections, in seconds, unless the pool options say otherwise. */
export const DEFAULT_LOCK_WAIT_TIMEOUT_SECONDS = 2;

/**
 * What every connection of `openDatabase`'s pool runs first: a short lock wait, so a change blocked by a row
 * another session holds fails within seconds (`DB_LOCK_TIMEOUT`) instead of the server's 50 s, times each
 * retry. (Migrations and backups use {@link openSqlRunner}, which keeps the server's settings.)
 */
export function sessionInitSql(target: Extract<DatabaseTarget, { provider: 'mysql' }>): string[] {
  const seconds = Math.max(1, Math.floor(target.pool.lockWaitTimeout ?? DEFAULT_LOCK_WAIT_TIMEOUT_SECONDS));
  return [`SET SESSION innodb_lock_wait_timeout = ${seconds}`];
}

/** Opens a SQLite file (creating its directory) with the settings billing_db relies on. */
export function openSqliteFile(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  // exec, not pragma(): libsql keeps a connection that prepared a statement open after close() until the
  // statement is garbage-collected (tursodatabase/libsql-js#230); `openDatabase` opens and closes this one.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON');
  return db;
}

/**
 * Opens one raw connection. With `createDatabase`, a missing MySQL database is created first (as
 * `prisma migrate deploy` does).
 */
export async function openSqlRunner(
  target: DatabaseTarget,
  options: { createDatabase?: boolean } = {},
): Promise<SqlRunner> {
  if (target.provider === 'sqlite') {
    const db = openSqliteFile(target.file);
    return {
      provider: 'sqlite',
      async query<T>(sql: string, params: unknown[] = []) {
        return db.prepare(sql).all(...params) as T[];
      },
      async execute(sql: string, params: unknown[] = []) {
        const statement = db.prepare(sql);
        if (!statement.reader) return statement.run(...params).changes;
        statement.all(...params);
        return 0;
      },
      async close() {
        db.close();
      },
    };
  }
  // A wrong password, port, host or database answers now with the server's reason (DB_CONNECTION_FAILED),
  // not after the pool's acquire timeout; a database that migrations will create is not asked for.
  await verifyConnection(target, { database: options.createDatabase !== true });
  const config = mariadbPoolConfig({ ...target, pool: { ...target.pool, connectionLimit: 1 } });
  const { database: _database, ...serverOnly } = config;
  const adapter = await new PrismaMariaDb(options.createDatabase ? serverOnly : config).connect();
  const pool = adapter.underlyingDriver();
  const connection = await pool.getConnection();
  if (options.createDatabase) {
    const name = target.database.replaceAll('`', '``');
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    await connection.query(`USE \`${name}\``);
  }
  return {
    provider: 'mysql',
    async query<T>(sql: string, params: unknown[] = []) {
      return (await connection.query(sql, params)) as T[];
    },
    async execute(sql: string, params: unknown[] = []) {
      const result = (await connection.query(sql, params)) as { affectedRows?: number };
      return result.affectedRows ?? 0;
    },
    async close() {
      await connection.release();
      await adapter.dispose();
    },
  };
}
