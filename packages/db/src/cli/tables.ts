import type { SqlRunner } from '../sql-runner.js';
import type { BackupTable, Cell } from './backup-file.js';

// How backup and restore read and write whole tables of either provider through a raw SqlRunner.

const quote = (runner: SqlRunner, name: string) =>
  runner.provider === 'sqlite' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``;

/** Every table of the database (SQLite's own `sqlite_*` excepted), with DDL, columns and row counts. */
export async function describeTables(
  runner: SqlRunner,
): Promise<{ tables: BackupTable[]; extras: string[] }> {
  const tables: BackupTable[] = [];
  if (runner.provider === 'sqlite') {
    const rows = await runner.query<{ name: string; sql: string }>(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    for (const { name, sql } of rows) {
      const columns = await runner.query<{ name: string }>(
        'SELECT name FROM pragma_table_info(?) ORDER BY cid',
        [name],
      );
      tables.push({
        name,
        create: sql,
        columns: columns.map((c) => c.name),
        rows: await count(runner, name),
      });
    }
    const extras = await runner.query<{ sql: string }>(
      "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'index' THEN 0 WHEN 'view' THEN 1 ELSE 2 END, name",
    );
    return { tables, extras: extras.map((e) => e.sql) };
  }
  const rows = await runner.query<{ name: string }>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
  );
  for (const { name } of rows) {
    const [created] = await runner.query<Record<string, string>>(`SHOW CREATE TABLE ${quote(runner, name)}`);
    const columns = await mysqlColumns(runner, name);
    tables.push({
      name,
      create: created?.['Create Table'] ?? '',
      columns: columns.map((c) => c.name),
      rows: await count(runner, name),
    });
  }
  return { tables, extras: [] };
}

async function count(runner: SqlRunner, table: string): Promise<number> {
  const [row] = await runner.query<{ n: number | bigint }>(
    `SELECT COUNT(*) AS n FROM ${quote(runner, table)}`,
  );
  return Number(row?.n ?? 0);
}

interface MysqlColumn {
  name: string;
  type: string;
}

async function mysqlColumns(runner: SqlRunner, table: string): Promise<MysqlColumn[]> {
  const rows = await runner.query<{ name: string; type: string; extra: string }>(
    'SELECT COLUMN_NAME AS name, DATA_TYPE AS type, EXTRA AS extra FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [table],
  );
  // Generated columns are computed again on insert and cannot be written.
  return rows
    .filter((r) => !/generated/i.test(r.extra ?? ''))
    .map((r) => ({ name: r.name, type: r.type.toLowerCase() }));
}

const MYSQL_INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const MYSQL_FLOAT = new Set(['float', 'double', 'real']);
const MYSQL_BYTES = /^(bit|binary|varbinary|tinyblob|blob|mediumblob|longblob)$/;
// Everything else travels as the server prints it: instants exact to the microsecond whatever the session
// zone, decimals exact, and JSON as written (the driver would parse MariaDB's JSON columns into objects).

/** The table's rows in batches of `batchSize`, in primary-key order, as {@link Cell}s in `table.columns` order. */
export async function* readRows(
  runner: SqlRunner,
  table: BackupTable,
  batchSize: number,
): AsyncGenerator<Cell[][]> {
  if (runner.provider === 'sqlite') yield* readSqliteRows(runner, table, batchSize);
  else yield* readMysqlRows(runner, table, batchSize);
}

async function* readSqliteRows(runner: SqlRunner, table: BackupTable, batchSize: number) {
  // typeof() keeps each value's storage class; integers travel as text so that none beyond 2^53 is rounded.
  const select = table.columns
    .map((column, i) => {
      const c = quote(runner, column);
      return `typeof(${c}) AS t${i}, CASE typeof(${c}) WHEN 'integer' THEN CAST(${c} AS TEXT) ELSE ${c} END AS v${i}`;
    })
    .join(', ');
  const from = quote(runner, table.name);
  const hasRowid = !/without\s+rowid/i.test(table.create);
  let after = -(2n ** 63n);
  let offset = 0;
  for (;;) {
    const rows = hasRowid
      ? await runner.query<Record<string, unknown>>(
          `SELECT CAST(_rowid_ AS TEXT) AS k, ${select} FROM ${from} WHERE _rowid_ > ? ORDER BY _rowid_ LIMIT ?`,
          [after, batchSize],
        )
      : await runner.query<Record<string, unknown>>(`SELECT ${select} FROM ${from} LIMIT ? OFFSET ?`, [
          batchSize,
          offset,
        ]);
    if (rows.length === 0) return;
    yield rows.map((row) =>
      table.columns.map((_, i): Cell => {
        const value = row[`v${i}`];
        switch (row[`t${i}`]) {
          case 'integer':
            return BigInt(value as string);
          case 'null':
            return null;
          default:
            return value as Cell;
        }
      }),
    );
    offset += rows.length;
    after = BigInt(rows.at(-1)?.k as string);
    if (rows.length < batchSize) return;
  }
}

async function* readMysqlRows(runner: SqlRunner, table: BackupTable, batchSize: number) {
  const columns = await mysqlColumns(runner, table.name);
  const select = columns
    .map((column, i) => {
      const c = quote(runner, column.name);
      const native =
        MYSQL_INTEGER.has(column.type) || MYSQL_FLOAT.has(column.type) || MYSQL_BYTES.test(column.type);
      return `${native ? c : `CAST(${c} AS CHAR)`} AS c${i}`;
    })
    .join(', ');
  const keys = await runner.query<{ name: string }>(
    "SELECT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX",
    [table.name],
  );
  const keyIndexes = keys.map((k) => columns.findIndex((c) => c.name === k.name));
  const keyed = keyIndexes.length > 0 && keyIndexes.every((i) => i >= 0);
  const keyList = keyIndexes.map((i) => quote(runner, (columns[i] as MysqlColumn).name)).join(', ');
  const from = quote(runner, table.name);
  let after: unknown[] | null = null;
  let offset = 0;
  for (;;) {
    let rows: Record<string, unknown>[];
    if (!keyed)
      rows = await runner.query(`SELECT ${select} FROM ${from} LIMIT ? OFFSET ?`, [batchSize, offset]);
    else if (after === null)
      rows = await runner.query(`SELECT ${select} FROM ${from} ORDER BY ${keyList} LIMIT ?`, [batchSize]);
    else
      rows = await runner.query(
        `SELECT ${select} FROM ${from} WHERE (${keyList}) > (${after.map(() => '?').join(', ')}) ORDER BY ${keyList} LIMIT ?`,
        [...after, batchSize],
      );
    if (rows.length === 0) return;
    const cells = rows.map((row) =>
      columns.map((column, i): Cell => {
        const value = row[`c${i}`];
        if (value === null || value === undefined) return null;
        if (MYSQL_INTEGER.has(column.type)) return BigInt(value as number | bigint | string);
        if (MYSQL_FLOAT.has(column.type)) return Number(value);
        if (MYSQL_BYTES.test(column.type)) return value as Uint8Array;
        return String(value);
      }),
    );
    yield cells;
    offset += rows.length;
    const last = cells.at(-1) as Cell[];
    after = keyIndexes.map((i) => last[i]);
    if (rows.length < batchSize) return;
  }
}

/** Tables and views the database holds now (a restore refuses to overwrite them without `--force`). */
export async function existingObjects(
  runner: SqlRunner,
): Promise<{ type: 'table' | 'view'; name: string }[]> {
  return runner.provider === 'sqlite'
    ? runner.query(
        "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
    : runner.query(
        "SELECT CASE TABLE_TYPE WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
      );
}

/** Drops every table and view (foreign key checks must be off). */
export async function dropObjects(
  runner: SqlRunner,
  objects: { type: 'table' | 'view'; name: string }[],
): Promise<void> {
  for (const { type, name } of [...objects].sort((a, b) =>
    a.type === 'view' ? -1 : b.type === 'view' ? 1 : 0,
  ))
    await runner.execute(`DROP ${type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS ${quote(runner, name)}`);
}

/**
 * Inserts rows in multi-row statements, each under SQLite's 999 parameters and about 4 MB of values (MySQL's
 * packet limit is 16 MB by default).
 */
export async function insertRows(runner: SqlRunner, table: BackupTable, rows: Cell[][]): Promise<void> {
  const perStatement = Math.max(1, Math.floor(999 / table.columns.length));
  const head = `INSERT INTO ${quote(runner, table.name)} (${table.columns.map((c) => quote(runner, c)).join(', ')}) VALUES `;
  const tuple = `(${table.columns.map(() => '?').join(', ')})`;
  let chunk: Cell[][] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await runner.execute(head + chunk.map(() => tuple).join(', '), chunk.flat());
    chunk = [];
    bytes = 0;
  };
  for (const row of rows) {
    const size = row.reduce<number>((sum, cell) => sum + sizeOf(cell), 0);
    if (chunk.length >= perStatement || (chunk.length > 0 && bytes + size > 4_000_000)) await flush();
    chunk.push(row);
    bytes += size;
  }
  await flush();
}

function sizeOf(cell: Cell): number {
  if (typeof cell === 'string') return cell.length * 3;
  if (cell instanceof Uint8Array) return cell.length * 2;
  return 24;
}
