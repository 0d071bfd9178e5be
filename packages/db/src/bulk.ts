import type { Scope } from './scope.js';

// Multi-row statements for the batched repository paths (billing-run batches). Values are bound, never
// inlined: Dates, bigints and booleans go through the same driver-adapter argument mapping as Prisma's own
// queries, so a row written here is stored exactly like one written with `create`.

/** A column value as the driver adapters bind it. */
export type SqlValue = string | number | bigint | boolean | Date | null;

/** Limits for splitting one logical write into statements. */
export interface StatementLimits {
  /** Bound parameters per statement (SQLite's compiled limit is 32,766; MySQL's protocol allows 65,535). */
  maxParameters: number;
  /** Rows per statement. */
  maxRows: number;
  /** Rough bytes of string values per statement, to stay well below MySQL's `max_allowed_packet` (16 MB). */
  maxBytes: number;
}

export function statementLimits(scope: Scope): StatementLimits {
  return {
    maxParameters: scope.provider === 'sqlite' ? 32_766 : 65_535,
    maxRows: 1000,
    maxBytes: 4 * 2 ** 20,
  };
}

/** Quotes an identifier for the scope's provider. */
export function ident(scope: Scope, name: string): string {
  return scope.provider === 'mysql' ? `\`${name}\`` : `"${name}"`;
}

const approximateBytes = (row: readonly SqlValue[]) => {
  let bytes = 0;
  for (const value of row) bytes += typeof value === 'string' ? value.length : 8;
  return bytes;
};

/**
 * Splits `items` into consecutive chunks no larger than the limits allow, given the parameters and the
 * approximate size each item binds. A single item above the byte budget still gets a chunk of its own.
 */
export function chunkByLimits<T>(
  items: readonly T[],
  parametersPerItem: number,
  limits: StatementLimits,
  bytesOf: (item: T) => number = () => 0,
  fixedParameters = 0,
): T[][] {
  const perChunk = Math.max(
    1,
    Math.min(limits.maxRows, Math.floor((limits.maxParameters - fixedParameters) / parametersPerItem)),
  );
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length >= perChunk || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * A value as text for MySQL's `JSON_TABLE`: instants as `DATETIME(3)` literals in UTC (how the adapter binds a
 * Date, the session being UTC), bigints as digits, booleans as 1/0. The server converts each to its column's
 * type on INSERT/UPDATE, as it converts a bound string.
 */
function jsonValue(value: SqlValue): string | number | null {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * `JSON_TABLE(?, '$[*]' COLUMNS (c0 … PATH '$[0]', …)) AS j`: the rows of one JSON array (bound as ONE
 * parameter) as a table. On MySQL/MariaDB a multi-row statement then costs one bound value instead of one per
 * cell — binding thousands of parameters through Prisma's raw-query path costs more CPU than the insert itself.
 * Columns are `LONGTEXT`, except a `keyed` table's column 0: `VARCHAR(191)`, the join key of an update.
 */
function jsonTable(count: number, keyed = false): string {
  // The schema's tables are utf8mb4 / utf8mb4_unicode_ci (Prisma's MySQL default): the key column compares with
  // the same collation, so the join uses the key's index.
  const columns = Array.from(
    { length: count },
    (_, n) =>
      `c${n} ${keyed && n === 0 ? 'VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci' : 'LONGTEXT CHARACTER SET utf8mb4'} PATH '$[${n}]'`,
  );
  return `JSON_TABLE(?, '$[*]' COLUMNS (${columns.join(', ')})) AS j`;
}

/**
 * Rows above this size (rough bytes of their values) are inserted with bound parameters even on MySQL:
 * `JSON_TABLE` evaluates each column's path over the row's JSON text, so long text values (an invoice's
 * explanation) make it slower than binding.
 */
const JSON_TABLE_MAX_ROW_BYTES = 1024;

/** Indexes 0‥count−1 ordered by the average length of the values in that position (shortest first). */
function bySize(count: number, rows: readonly (readonly SqlValue[])[], from = 0): number[] {
  const size = (n: number) => {
    let bytes = 0;
    for (const row of rows) {
      const v = row[n];
      bytes += typeof v === 'string' ? v.length : 8;
    }
    return bytes;
  };
  const indexes = Array.from({ length: count - from }, (_, k) => k + from);
  const sizes = new Map(indexes.map((n) => [n, size(n)]));
  return [
    ...Array.from({ length: from }, (_, k) => k),
    ...indexes.sort((a, b) => (sizes.get(a) as number) - (sizes.get(b) as number)),
  ];
}

/**
 * `INSERT INTO table (columns) …` for every row, in as few statements as the limits allow. Each row lists its
 * values in the order of `columns`. MySQL: `INSERT … SELECT … FROM JSON_TABLE(?)`, one bound JSON array per
 * statement (rows with long text: bound parameters); SQLite (in-process, no protocol to save):
 * `VALUES (?, …), (?, …)`.
 */
export async function insertRows(
  scope: Scope,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  limits: StatementLimits = statementLimits(scope),
): Promise<void> {
  if (rows.length === 0) return;
  if (
    scope.provider === 'mysql' &&
    rows.reduce((bytes, row) => bytes + approximateBytes(row), 0) / rows.length <= JSON_TABLE_MAX_ROW_BYTES
  ) {
    // Columns in the JSON ordered by size, so a path to a short value does not scan past a long one.
    const order = bySize(columns.length, rows);
    const sql = `INSERT INTO ${ident(scope, table)} (${order.map((n) => ident(scope, columns[n] as string)).join(', ')}) SELECT ${order.map((_, k) => `j.c${k}`).join(', ')} FROM ${jsonTable(columns.length)}`;
    for (const chunk of chunkByLimits(rows, 1, limits, approximateBytes)) {
      await scope.client.$executeRawUnsafe(
        sql,
        JSON.stringify(chunk.map((row) => order.map((n) => jsonValue(row[n] as SqlValue)))),
      );
    }
    return;
  }
  const head = `INSERT INTO ${ident(scope, table)} (${columns.map((c) => ident(scope, c)).join(', ')}) `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (const chunk of chunkByLimits(rows, columns.length, limits, approximateBytes)) {
    await scope.client.$executeRawUnsafe(
      `${head}VALUES ${Array.from({ length: chunk.length }, () => tuple).join(', ')}`,
      ...chunk.flat(),
    );
  }
}

/** Column names and values of `row`, for inserting objects built with the same keys. */
export function rowsOf<T extends Record<string, SqlValue>>(
  objects: readonly T[],
): { columns: string[]; rows: SqlValue[][] } {
  const first = objects[0];
  if (!first) return { columns: [], rows: [] };
  const columns = Object.keys(first);
  return { columns, rows: objects.map((o) => columns.map((c) => o[c] as SqlValue)) };
}

const sameValue = (a: SqlValue, b: SqlValue) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * One `UPDATE table SET col = CASE key WHEN ? THEN ? … END, … WHERE <where> AND key IN (…)` per chunk: each
 * row's values go to the row with its key. A column whose value is the same for every row of a chunk is
 * set with a plain `col = ?`. `fixed` assignments (`version = version + 1`, …) are appended as given.
 * Returns the number of rows the statements changed.
 */
export async function updateRowsByKey(
  scope: Scope,
  table: string,
  key: string,
  rows: readonly { key: string; values: Readonly<Record<string, SqlValue>> }[],
  options: {
    fixed?: readonly { sql: string; params: readonly SqlValue[] }[];
    where: { sql: string; params: readonly SqlValue[] };
    /**
     * MySQL: `FORCE INDEX (…)` for the key's index. Without it, a table whose statistics are stale (a claim
     * table that grew from empty a moment ago) can be updated with a locking full scan that locks every row,
     * other transactions' included.
     */
    mysqlIndex?: string;
  },
  limits: StatementLimits = statementLimits(scope),
): Promise<number> {
  const first = rows[0];
  if (!first) return 0;
  const columns = Object.keys(first.values);
  const fixed = options.fixed ?? [];
  if (scope.provider === 'mysql')
    return updateRowsByKeyOnMysql(scope, table, key, rows, columns, options, limits);
  const fixedParameters =
    fixed.reduce((n, f) => n + f.params.length, 0) + options.where.params.length + columns.length;
  let changed = 0;
  // SQLite: `SET col = CASE key WHEN ? THEN ? … END` (a column equal in every row: `col = ?`).
  const chunks = chunkByLimits(
    rows,
    columns.length * 2 + 1,
    limits,
    (row) => approximateBytes(Object.values(row.values)),
    fixedParameters,
  );
  for (const chunk of chunks) {
    const params: SqlValue[] = [];
    const assignments: string[] = [];
    for (const column of columns) {
      const values = chunk.map((row) => row.values[column] as SqlValue);
      const v0 = values[0] as SqlValue;
      if (values.every((v) => sameValue(v, v0))) {
        assignments.push(`${ident(scope, column)} = ?`);
        params.push(v0);
        continue;
      }
      assignments.push(
        `${ident(scope, column)} = CASE ${ident(scope, key)} ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} END`,
      );
      for (const [n, row] of chunk.entries()) params.push(row.key, values[n] as SqlValue);
    }
    for (const f of fixed) {
      assignments.push(f.sql);
      params.push(...f.params);
    }
    params.push(...options.where.params, ...chunk.map((row) => row.key));
    changed += await scope.client.$executeRawUnsafe(
      `UPDATE ${ident(scope, table)} SET ${assignments.join(', ')} WHERE ${options.where.sql} AND ${ident(scope, key)} IN (${chunk.map(() => '?').join(', ')})`,
      ...params,
    );
  }
  return changed;
}

/**
 * MySQL: `UPDATE table FORCE INDEX (…) JOIN JSON_TABLE(?) j ON table.key = j.c0 SET col = j.cN, …` — the
 * new values arrive as one bound JSON array per chunk and each row is found through the key's index.
 */
async function updateRowsByKeyOnMysql(
  scope: Scope,
  table: string,
  key: string,
  rows: readonly { key: string; values: Readonly<Record<string, SqlValue>> }[],
  columns: readonly string[],
  options: Parameters<typeof updateRowsByKey>[4],
  limits: StatementLimits,
): Promise<number> {
  const target = ident(scope, table);
  // JSON position 0 is the key; the values follow shortest first (see bySize).
  const order = bySize(
    columns.length,
    rows.map((row) => columns.map((c) => row.values[c] as SqlValue)),
  );
  const assignments = [
    ...order.map((n, k) => `${target}.${ident(scope, columns[n] as string)} = j.c${k + 1}`),
    ...(options.fixed ?? []).map((f) => f.sql),
  ];
  const sql = `UPDATE ${target}${options.mysqlIndex ? ` FORCE INDEX (${options.mysqlIndex})` : ''} JOIN ${jsonTable(
    columns.length + 1,
    true,
  )} ON ${target}.${ident(scope, key)} = j.c0 SET ${assignments.join(', ')} WHERE ${options.where.sql}`;
  let changed = 0;
  const chunks = chunkByLimits(rows, 1, limits, (row) => approximateBytes(Object.values(row.values)));
  for (const chunk of chunks) {
    const json = JSON.stringify(
      chunk.map((row) => [
        row.key,
        ...order.map((n) => jsonValue(row.values[columns[n] as string] as SqlValue)),
      ]),
    );
    changed += await scope.client.$executeRawUnsafe(
      sql,
      json,
      ...(options.fixed ?? []).flatMap((f) => f.params),
      ...options.where.params,
    );
  }
  return changed;
}

/** `ids` in chunks small enough for an `IN (…)` list next to `fixedParameters` other parameters. */
export function inChunks<T>(scope: Scope, ids: readonly T[], fixedParameters = 1): T[][] {
  return chunkByLimits(ids, 1, statementLimits(scope), () => 0, fixedParameters);
}

/** `?, ?, …` for `n` parameters. */
export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
