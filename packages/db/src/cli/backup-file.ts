import type { Provider } from '../client.js';
import { DbError } from '../errors.js';

// A billkit-db backup is a gzipped JSON-lines file:
//   line 1       the header (BackupHeader): provider, schema version, tables with their DDL and row counts;
//   then, per table, `{"table":"<name>"}` followed by one JSON array per row (the columns in header order);
//   last line    `{"end":true,"rows":<total>}`, so a truncated file is refused rather than half restored.
// Values keep their exact type: integers beyond 2^53 as {"$i":"…"}, floating-point values that JSON would
// print as integers as {"$r":"…"}, bytes as {"$b":"<base64>"}; decimals and instants are strings.

export const BACKUP_FORMAT = 'billkit-db-backup';
export const BACKUP_VERSION = 1;

export interface BackupTable {
  name: string;
  /** The statement that creates it, as the database reports it (`sqlite_master.sql`, `SHOW CREATE TABLE`). */
  create: string;
  columns: string[];
  rows: number;
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  provider: Provider;
  createdAt: string;
  /** The @billkit/db version that wrote it. */
  writtenBy: string;
  /** Schema version: the migrations recorded as applied, oldest first, and the newest of them. */
  schema: { migration: string | null; migrations: string[] };
  tables: BackupTable[];
  /** SQLite: indexes, triggers and views, created after the rows. */
  extras: string[];
}

/** A value as the drivers give it and take it back. */
export type Cell = null | string | number | bigint | Uint8Array;

type EncodedCell = null | string | number | { $i: string } | { $r: string } | { $b: string };

export function encodeCell(value: Cell): EncodedCell {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'bigint')
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : { $i: value.toString() };
  if (typeof value === 'number')
    return Number.isInteger(value) || !Number.isFinite(value) ? { $r: String(value) } : value;
  return { $b: Buffer.from(value).toString('base64') };
}

/** The inverse of {@link encodeCell}: a JSON integer is an integer (bigint), a fraction a double. */
export function decodeCell(value: unknown): Cell {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === 'object') {
    const tagged = value as Record<string, unknown>;
    if (typeof tagged.$i === 'string') return BigInt(tagged.$i);
    if (typeof tagged.$r === 'string') return Number(tagged.$r);
    if (typeof tagged.$b === 'string') return Buffer.from(tagged.$b, 'base64');
  }
  throw new DbError('DB_RESTORE_REFUSED', `Backup holds a value of unknown kind: ${JSON.stringify(value)}`, {
    reason: 'backup_malformed',
  });
}

/** Reads and checks line 1 of a backup. */
export function parseHeader(line: string | undefined, file: string): BackupHeader {
  let header: Partial<BackupHeader> | undefined;
  try {
    header = line === undefined ? undefined : (JSON.parse(line) as Partial<BackupHeader>);
  } catch {
    header = undefined;
  }
  if (header?.format !== BACKUP_FORMAT)
    throw new DbError(
      'DB_RESTORE_REFUSED',
      `${file} is not a billkit-db backup (no ${BACKUP_FORMAT} header); make backups with \`billkit-db backup\``,
      { reason: 'backup_malformed', file },
    );
  if (header.version !== BACKUP_VERSION)
    throw new DbError(
      'DB_RESTORE_REFUSED',
      `${file} is a version ${header.version} backup; this @billkit/db reads version ${BACKUP_VERSION}: upgrade @billkit/db`,
      { reason: 'backup_newer_format', file },
    );
  return header as BackupHeader;
}
