import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from './client.js';
import { type DatabaseTarget, type PoolOptions, resolveDatabaseTarget } from './database-url.js';
import { DbError } from './errors.js';
import { migrationsDirectory } from './paths.js';
import { openSqlRunner, type SqlRunner } from './sql-runner.js';
import { mysqlCompensation, splitSqlStatements } from './sql-statements.js';

/** One migration folder: `prisma/<provider>/migrations/<name>/migration.sql`. */
export interface MigrationFile {
  name: string;
  script: string;
  /** SHA-256 hex of the file's bytes — the checksum Prisma records. */
  checksum: string;
}

export interface MigrateResult {
  provider: Provider;
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Migrations that were already recorded as finished. */
  alreadyApplied: string[];
  /** Applied migrations whose file changed since (Prisma warns about the same). */
  modified: string[];
}

export interface MigrateOptions {
  /** Connection string; defaults to `DATABASE_URL_BILLING`, then the SQLite file under `dataDir`. */
  url?: string;
  dataDir?: string;
  pool?: PoolOptions;
  /** Read migrations from here instead of the package's own (tests use this). */
  migrationsDir?: string;
  /** Called before each pending migration is applied (`done` of `total` pending so far): the CLI's progress. */
  onMigration?: (progress: { migration: string; done: number; total: number }) => void;
}

// The bookkeeping table exactly as Prisma's schema engine creates it (sql-schema-connector flavours).
const MIGRATIONS_TABLE: Record<Provider, string> = {
  mysql: `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
};

/** Reads a provider's committed migrations in the order Prisma applies them (folder name order). */
export function readMigrations(
  provider: Provider,
  directory = migrationsDirectory(provider),
): MigrationFile[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(directory, name, 'migration.sql'));
      return {
        name,
        script: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

/**
 * Applies pending migrations in order and records each in `_prisma_migrations` the way Prisma does (same
 * table, uuid id, SHA-256 checksum, `applied_steps_count` 1), so `prisma migrate deploy` accepts the
 * database afterwards. A failing migration leaves the database as it was: on SQLite the migration runs in
 * one transaction; on MySQL, where DDL commits implicitly, the statements already run are undone (tables,
 * indexes, foreign keys and added columns are dropped) — other kinds of statement cannot be undone and are
 * listed in the error's `details.notRolledBack`. The error names the failing statement.
 *
 * @example
 * const { applied } = await migrate({ url: 'mysql://root@127.0.0.1:3306/billing_db' });
 */
export async function migrate(options: MigrateOptions = {}): Promise<MigrateResult> {
  const target = resolveDatabaseTarget(options.url, {
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
  });
  const runner = await openSqlRunner(target, { createDatabase: true });
  try {
    return await migrateWith(runner, target, options);
  } finally {
    await runner.close();
  }
}

async function migrateWith(
  runner: SqlRunner,
  target: DatabaseTarget,
  options: MigrateOptions,
): Promise<MigrateResult> {
  const provider = target.provider;
  const migrations = readMigrations(provider, options.migrationsDir);
  if (provider === 'mysql') {
    // Same idea as Prisma's advisory lock: two deploys at once must not interleave.
    const [lock] = await runner.query<{ locked: number | bigint }>(
      "SELECT GET_LOCK('billkit_db_migrate', 60) AS locked",
    );
    if (Number(lock?.locked) !== 1)
      throw new DbError('DB_MIGRATION_FAILED', 'Could not take the migration lock');
  }
  try {
    await runner.execute(MIGRATIONS_TABLE[provider]);
    const rows = await runner.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new DbError(
        'DB_MIGRATION_PREVIOUSLY_FAILED',
        `Migration ${failed.migration_name} is recorded as failed; resolve it (prisma migrate resolve) first`,
        { migration: failed.migration_name },
      );
    }
    const finished = new Map(
      rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]),
    );
    const result: MigrateResult = { provider, applied: [], alreadyApplied: [], modified: [] };
    const pending = migrations.filter((migration) => !finished.has(migration.name)).length;
    for (const migration of migrations) {
      const done = finished.get(migration.name);
      if (done) {
        result.alreadyApplied.push(migration.name);
        if (done.checksum !== migration.checksum) result.modified.push(migration.name);
        continue;
      }
      options.onMigration?.({ migration: migration.name, done: result.applied.length, total: pending });
      if (provider === 'sqlite') await applySqlite(runner, migration);
      else await applyMysql(runner, migration);
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    if (provider === 'mysql') await runner.query("SELECT RELEASE_LOCK('billkit_db_migrate')");
  }
}

/** One migration as {@link migrationStatus} sees it. */
export interface MigrationState {
  name: string;
  /**
   * - `applied`: recorded as finished, file unchanged;
   * - `drifted`: recorded as finished, but the file changed since (its checksum differs from the recorded one);
   * - `pending`: shipped, not applied yet;
   * - `failed`: recorded as started and never finished (resolve it with `prisma migrate resolve`);
   * - `unknown`: recorded in the database but not shipped by this package (the database is newer).
   */
  state: 'applied' | 'drifted' | 'pending' | 'failed' | 'unknown';
  /** When it finished, as the database recorded it (ISO 8601); null unless applied or drifted. */
  appliedAt: string | null;
}

export interface MigrationStatus {
  provider: Provider;
  /** Every shipped and every recorded migration, in name order. */
  migrations: MigrationState[];
  /** True when nothing is pending, drifted, failed or unknown. */
  upToDate: boolean;
}

/**
 * Compares the shipped migrations with those recorded in `_prisma_migrations`, without changing anything
 * (a missing SQLite file or migrations table reads as "everything pending"). `billkit-db status` prints it.
 *
 * @example
 * const { upToDate, migrations } = await migrationStatus({ url: 'file:./data/billing.db' });
 * const pending = migrations.filter((m) => m.state === 'pending').map((m) => m.name);
 */
export async function migrationStatus(
  options: Omit<MigrateOptions, 'onMigration'> = {},
): Promise<MigrationStatus> {
  const target = resolveDatabaseTarget(options.url, {
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    ...(options.pool !== undefined ? { pool: options.pool } : {}),
  });
  const files = readMigrations(target.provider, options.migrationsDir);
  let rows: AppliedRow[] = [];
  // Opening a SQLite file creates it: a status check must not.
  if (target.provider === 'mysql' || existsSync(target.file)) {
    const runner = await openSqlRunner(target);
    try {
      if (await hasMigrationsTable(runner))
        rows = await runner.query<AppliedRow>(
          'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations',
        );
    } finally {
      await runner.close();
    }
  }
  const recorded = new Map<string, AppliedRow>();
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue;
    // A finished record wins over an earlier failed attempt of the same migration.
    if (!recorded.has(row.migration_name) || row.finished_at !== null) recorded.set(row.migration_name, row);
  }
  const shipped = new Map(files.map((file) => [file.name, file]));
  const names = [...new Set([...shipped.keys(), ...recorded.keys()])].sort();
  const migrations = names.map((name): MigrationState => {
    const row = recorded.get(name);
    const file = shipped.get(name);
    if (!row) return { name, state: 'pending', appliedAt: null };
    if (row.finished_at === null) return { name, state: 'failed', appliedAt: null };
    const appliedAt = instant(row.finished_at);
    if (!file) return { name, state: 'unknown', appliedAt };
    return { name, state: file.checksum === row.checksum ? 'applied' : 'drifted', appliedAt };
  });
  return {
    provider: target.provider,
    migrations,
    upToDate: migrations.every((m) => m.state === 'applied'),
  };
}

async function hasMigrationsTable(runner: SqlRunner): Promise<boolean> {
  const rows =
    runner.provider === 'sqlite'
      ? await runner.query(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'",
        )
      : await runner.query(
          "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '_prisma_migrations'",
        );
  return rows.length > 0;
}

// SQLite records Unix milliseconds (see applySqlite); MySQL gives a Date.
function instant(value: unknown): string {
  const date =
    value instanceof Date ? value : new Date(typeof value === 'bigint' ? Number(value) : (value as number));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function failure(
  migration: MigrationFile,
  statement: string,
  index: number,
  cause: unknown,
  extra = {},
): DbError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DbError(
    'DB_MIGRATION_FAILED',
    `Migration ${migration.name} failed at statement ${index + 1}: ${reason}\n${statement}`,
    { migration: migration.name, statementIndex: index, statement, reason, ...extra },
    { cause },
  );
}

async function applySqlite(runner: SqlRunner, migration: MigrationFile): Promise<void> {
  const statements = splitSqlStatements(migration.script);
  await runner.execute('BEGIN IMMEDIATE');
  let index = 0;
  try {
    for (; index < statements.length; index++) await runner.execute(statements[index] as string);
    const now = Date.now();
    // Prisma's SQLite connector stores these instants as Unix milliseconds.
    await runner.execute(
      'INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)',
      [randomUUID(), migration.checksum, now, migration.name, now],
    );
    await runner.execute('COMMIT');
  } catch (cause) {
    await runner.execute('ROLLBACK');
    throw failure(migration, statements[index] ?? '', index, cause);
  }
}

async function applyMysql(runner: SqlRunner, migration: MigrationFile): Promise<void> {
  const statements = splitSqlStatements(migration.script);
  const id = randomUUID();
  await runner.execute(
    'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3), 0)',
    [id, migration.checksum, migration.name],
  );
  const done: string[] = [];
  for (let index = 0; index < statements.length; index++) {
    const statement = statements[index] as string;
    try {
      await runner.execute(statement);
      done.push(statement);
    } catch (cause) {
      const notRolledBack = await compensateMysql(runner, done);
      // With everything undone the migration never happened; otherwise leave Prisma's failure record.
      if (notRolledBack.length === 0)
        await runner.execute('DELETE FROM _prisma_migrations WHERE id = ?', [id]);
      else
        await runner.execute('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [
          cause instanceof Error ? cause.message : String(cause),
          id,
        ]);
      throw failure(migration, statement, index, cause, { notRolledBack });
    }
  }
  await runner.execute(
    'UPDATE _prisma_migrations SET finished_at = CURRENT_TIMESTAMP(3), applied_steps_count = 1 WHERE id = ?',
    [id],
  );
}

async function compensateMysql(runner: SqlRunner, done: string[]): Promise<string[]> {
  const notRolledBack: string[] = [];
  await runner.execute('SET FOREIGN_KEY_CHECKS = 0');
  try {
    for (const statement of [...done].reverse()) {
      const undo = mysqlCompensation(statement);
      if (undo === null) {
        notRolledBack.push(statement);
        continue;
      }
      try {
        await runner.execute(undo);
      } catch {
        notRolledBack.push(statement);
      }
    }
  } finally {
    await runner.execute('SET FOREIGN_KEY_CHECKS = 1');
  }
  return notRolledBack;
}
