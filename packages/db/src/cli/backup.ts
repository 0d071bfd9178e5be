import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Command } from 'commander';
import { openSqlRunner, type SqlRunner } from '../sql-runner.js';
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupHeader, encodeCell } from './backup-file.js';
import { type ConnectionOptions, describeTarget, targetOf, withConnection } from './connection.js';
import { type CliIo, packageVersion } from './io.js';
import { startProgress } from './progress.js';
import { describeTables, readRows } from './tables.js';

export interface BackupOptions extends ConnectionOptions {
  /** Default: `backups/billing-db-<UTC timestamp>.jsonl.gz` under the working directory. */
  file?: string;
  quiet?: boolean;
  /** Rows read per query (default 1 000). */
  batchSize?: number;
  /** Progress goes here (default stderr). */
  progressStream?: NodeJS.WritableStream;
}

/**
 * Writes every table of billing_db, read in one consistent snapshot (MySQL `START TRANSACTION WITH CONSISTENT
 * SNAPSHOT`, a SQLite read transaction), to a gzipped JSON-lines file (see backup-file.ts), through a
 * `.partial` file renamed at the end. The header records the schema version: the applied migrations.
 *
 * @example
 * const { file, rows } = await backupDatabase({ url: 'mysql://backup@db:3306/billing_db' });
 */
export async function backupDatabase(
  options: BackupOptions = {},
): Promise<{ file: string; header: BackupHeader; rows: number }> {
  const target = targetOf(options);
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const file = resolve(options.file ?? `backups/billing-db-${stamp}.jsonl.gz`);
  const runner = await openSqlRunner(target);
  const partial = `${file}.partial`;
  try {
    await beginSnapshot(runner);
    const { tables, extras } = await describeTables(runner);
    const migrations = tables.some((t) => t.name === '_prisma_migrations')
      ? (
          await runner.query<{ migration_name: string }>(
            'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
          )
        ).map((r) => r.migration_name)
      : [];
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      provider: target.provider,
      createdAt: new Date().toISOString(),
      writtenBy: packageVersion(),
      schema: { migration: migrations.at(-1) ?? null, migrations },
      tables,
      extras,
    };
    mkdirSync(dirname(file), { recursive: true });
    const gzip = createGzip({ level: 6 });
    const written = pipeline(gzip, createWriteStream(partial));
    const write = async (value: unknown) => {
      if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, 'drain');
    };
    const total = tables.reduce((sum, t) => sum + t.rows, 0);
    const progress = startProgress(`backup ${describeTarget(target)}`, {
      unit: 'rows',
      total,
      ...(options.quiet !== undefined ? { quiet: options.quiet } : {}),
      ...(options.progressStream ? { stream: options.progressStream } : {}),
    });
    let rows = 0;
    try {
      await write(header);
      for (const [index, table] of tables.entries()) {
        await write({ table: table.name });
        for await (const batch of readRows(runner, table, options.batchSize ?? 1_000)) {
          for (const row of batch) await write(row.map(encodeCell));
          rows += batch.length;
          progress.update(rows, `${index}/${tables.length} tables`);
        }
        progress.update(rows, `${index + 1}/${tables.length} tables`);
      }
      await write({ end: true, rows });
      gzip.end();
      await written;
    } catch (error) {
      gzip.destroy();
      await written.catch(() => undefined);
      throw error;
    } finally {
      progress.stop();
    }
    renameSync(partial, file);
    return { file, header, rows };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    await runner.execute('COMMIT').catch(() => undefined);
    await runner.close();
  }
}

async function beginSnapshot(runner: SqlRunner): Promise<void> {
  if (runner.provider === 'sqlite') {
    // A WAL reader sees the database as of its first read until it ends.
    await runner.execute('BEGIN');
    return;
  }
  await runner.execute('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await runner.execute('START TRANSACTION WITH CONSISTENT SNAPSHOT');
}

export function backupCommand(io: CliIo): Command {
  return withConnection(new Command('backup'))
    .description(
      'write every table to a gzipped JSON-lines file in one consistent snapshot; prints the file path',
    )
    .argument('[file]', 'output file (default: backups/billing-db-<UTC timestamp>.jsonl.gz)')
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string | undefined, options: ConnectionOptions & { quiet?: boolean }) => {
      const result = await backupDatabase({
        ...options,
        ...(file !== undefined ? { file } : {}),
        progressStream: io.stderr,
      });
      io.stdout.write(`${result.file}\n`);
    });
}
