import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Command } from 'commander';
import { DbError } from '../errors.js';
import { readMigrations } from '../migrate.js';
import { openSqlRunner, type SqlRunner } from '../sql-runner.js';
import { type BackupHeader, type BackupTable, type Cell, decodeCell, parseHeader } from './backup-file.js';
import { type ConnectionOptions, describeTarget, targetOf, withConnection } from './connection.js';
import type { CliIo } from './io.js';
import { startProgress } from './progress.js';
import { dropObjects, existingObjects, insertRows } from './tables.js';

export interface RestoreOptions extends ConnectionOptions {
  file: string;
  /** Replace a database that already holds tables (they are dropped). */
  force?: boolean;
  quiet?: boolean;
  progressStream?: NodeJS.WritableStream;
}

export interface RestoreResult {
  header: BackupHeader;
  rows: number;
  /** Shipped migrations newer than the backup's schema: `billkit-db migrate` applies them. */
  pending: string[];
}

/**
 * Restores a `billkit-db backup` file into a database of the same provider: the tables as they were
 * created, then their rows, then (SQLite) indexes, triggers and views. Refuses, before changing anything, a
 * backup whose schema has a migration this package does not ship (a newer schema: upgrade @billkit/db
 * first), a backup of the other provider, and a database that already holds tables unless `force`. On
 * SQLite the restore is one transaction; on MySQL, where DDL commits, a failed restore leaves a partial
 * database to restore again with `force`.
 *
 * @example
 * await restoreDatabase({ url: 'file:./data/billing.db', file: 'backups/billing-db-20260401T000000Z.jsonl.gz' });
 */
export async function restoreDatabase(options: RestoreOptions): Promise<RestoreResult> {
  const target = targetOf(options);
  const file = resolve(options.file);
  if (!existsSync(file))
    throw new DbError('DB_RESTORE_REFUSED', `No backup file at ${file}`, { reason: 'backup_missing', file });
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  let runner: SqlRunner | undefined;
  try {
    const first = await iterator.next().catch((cause: unknown) => {
      throw new DbError(
        'DB_RESTORE_REFUSED',
        `${file} is not a gzip file`,
        { reason: 'backup_malformed', file },
        { cause },
      );
    });
    const header = parseHeader(first.done ? undefined : first.value, file);
    if (header.provider !== target.provider)
      throw new DbError(
        'DB_RESTORE_REFUSED',
        `${file} is a ${header.provider} backup and cannot be restored into ${describeTarget(target)}; restore it into a ${header.provider} database`,
        { reason: 'backup_other_provider', file, provider: header.provider },
      );
    const shipped = readMigrations(target.provider).map((m) => m.name);
    const unknown = header.schema.migrations.filter((name) => !shipped.includes(name));
    if (unknown.length > 0)
      throw new DbError(
        'DB_RESTORE_REFUSED',
        `${file} comes from a newer billing_db schema: migration ${unknown.join(', ')} is not shipped by this @billkit/db; upgrade @billkit/db to a version that has it, then restore`,
        { reason: 'backup_newer_schema', file, unknownMigrations: unknown },
      );
    runner = await openSqlRunner(target, { createDatabase: true });
    const existing = await existingObjects(runner);
    if (existing.length > 0 && !options.force)
      throw new DbError(
        'DB_RESTORE_REFUSED',
        `${describeTarget(target)} is not empty (${existing.length} tables, e.g. ${existing[0]?.name}); a restore replaces everything in it: pass --force to drop them, or restore into a new database`,
        { reason: 'restore_target_not_empty', tables: existing.length },
      );
    const total = header.tables.reduce((sum, t) => sum + t.rows, 0);
    const progress = startProgress(`restore ${describeTarget(target)}`, {
      unit: 'rows',
      total,
      ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
      ...(options.progressStream ? { stream: options.progressStream } : {}),
    });
    const sqlite = runner.provider === 'sqlite';
    await runner.execute(sqlite ? 'PRAGMA foreign_keys = OFF' : 'SET FOREIGN_KEY_CHECKS = 0');
    if (sqlite) await runner.execute('BEGIN IMMEDIATE');
    let rows = 0;
    try {
      await dropObjects(runner, existing);
      for (const table of header.tables) await runner.execute(table.create);
      rows = await loadRows(runner, header, iterator, file, (done, tables) =>
        progress.update(done, `${tables}/${header.tables.length} tables`),
      );
      for (const statement of header.extras) await runner.execute(statement);
      if (sqlite) await runner.execute('COMMIT');
    } catch (error) {
      if (sqlite) await runner.execute('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      progress.stop();
      await runner
        .execute(sqlite ? 'PRAGMA foreign_keys = ON' : 'SET FOREIGN_KEY_CHECKS = 1')
        .catch(() => undefined);
    }
    const restored = new Set(header.schema.migrations);
    return { header, rows, pending: shipped.filter((name) => !restored.has(name)) };
  } finally {
    lines.close();
    await runner?.close();
  }
}

async function loadRows(
  runner: SqlRunner,
  header: BackupHeader,
  lines: AsyncIterator<string>,
  file: string,
  onProgress: (rows: number, tables: number) => void,
): Promise<number> {
  const byName = new Map(header.tables.map((t) => [t.name, t]));
  const malformed = (what: string) =>
    new DbError('DB_RESTORE_REFUSED', `${file} is damaged: ${what}; nothing of it is usable`, {
      reason: 'backup_malformed',
      file,
    });
  let table: BackupTable | undefined;
  let tableRows = 0;
  let tablesDone = 0;
  let rows = 0;
  let batch: Cell[][] = [];
  const flush = async () => {
    if (table && batch.length > 0) await insertRows(runner, table, batch);
    rows += batch.length;
    batch = [];
  };
  const closeTable = async () => {
    await flush();
    if (!table) return;
    if (tableRows !== table.rows)
      throw malformed(`table ${table.name} has ${tableRows} rows where the header says ${table.rows}`);
    tablesDone += 1;
    onProgress(rows, tablesDone);
  };
  for (;;) {
    const next = await lines.next();
    if (next.done) throw malformed('it ends before its last line (truncated?)');
    const line = JSON.parse(next.value) as unknown;
    if (Array.isArray(line)) {
      if (!table || line.length !== table.columns.length) throw malformed('a row does not match its table');
      batch.push(line.map(decodeCell));
      tableRows += 1;
      if (batch.length >= 1_000) {
        await flush();
        onProgress(rows, tablesDone);
      }
      continue;
    }
    await closeTable();
    const marker = line as { table?: string; end?: boolean; rows?: number };
    if (marker.end) {
      if (marker.rows !== rows || tablesDone !== header.tables.length)
        throw malformed(`${rows} rows in ${tablesDone} tables where it records ${marker.rows}`);
      return rows;
    }
    table = byName.get(marker.table ?? '');
    if (!table) throw malformed(`unknown table ${marker.table}`);
    tableRows = 0;
  }
}

export function restoreCommand(io: CliIo): Command {
  return withConnection(new Command('restore'))
    .description(
      'restore a backup made by `billkit-db backup` into an empty database of the same provider (stop the workers first)',
    )
    .argument('<file>', 'the backup file (.jsonl.gz)')
    .option('--force', 'replace a database that already holds tables (they are dropped first)')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, options: ConnectionOptions & { force?: boolean; quiet?: boolean }) => {
      const target = targetOf(options);
      const result = await restoreDatabase({ ...options, file, progressStream: io.stderr });
      io.stdout.write(
        `restored ${result.rows} rows in ${result.header.tables.length} tables into ${describeTarget(target)} (schema ${result.header.schema.migration ?? 'unmigrated'})\n`,
      );
      if (result.pending.length > 0)
        io.stdout.write(
          `${result.pending.length} newer migration(s) pending: run billkit-db migrate to apply them\n`,
        );
    });
}
