// Ported from Prisma's @prisma/adapter-better-sqlite3 7.10.0, src/conversion.ts (Apache-2.0, © Prisma Data, Inc.;
// https://github.com/prisma/prisma/tree/7.10.0/packages/adapter-better-sqlite3). libsql returns the same values
// as better-sqlite3 (bigint with safe integers on, Buffer for blobs), so the conversions are unchanged; the
// `timestampFormat` option is dropped: billing_db stores instants as ISO 8601, as it did on better-sqlite3.
import { type ArgType, type ColumnType, ColumnTypeEnum } from '@prisma/driver-adapter-utils';

/** A column's declared SQLite type → the type Prisma reads it as; null when it must be inferred from values. */
function mapDeclType(declType: string | null): ColumnType | null {
  if (!declType) return null;
  switch (declType.toUpperCase()) {
    case 'DECIMAL':
      return ColumnTypeEnum.Numeric;
    case 'FLOAT':
      return ColumnTypeEnum.Float;
    case 'DOUBLE':
    case 'DOUBLE PRECISION':
    case 'NUMERIC':
    case 'REAL':
      return ColumnTypeEnum.Double;
    case 'TINYINT':
    case 'SMALLINT':
    case 'MEDIUMINT':
    case 'INT':
    case 'INTEGER':
    case 'SERIAL':
    case 'INT2':
      return ColumnTypeEnum.Int32;
    case 'BIGINT':
    case 'UNSIGNED BIG INT':
    case 'INT8':
      return ColumnTypeEnum.Int64;
    case 'DATETIME':
    case 'TIMESTAMP':
      return ColumnTypeEnum.DateTime;
    case 'TIME':
      return ColumnTypeEnum.Time;
    case 'DATE':
      return ColumnTypeEnum.Date;
    case 'TEXT':
    case 'CLOB':
    case 'CHARACTER':
    case 'VARCHAR':
    case 'VARYING CHARACTER':
    case 'NCHAR':
    case 'NATIVE CHARACTER':
    case 'NVARCHAR':
      return ColumnTypeEnum.Text;
    case 'BLOB':
      return ColumnTypeEnum.Bytes;
    case 'BOOLEAN':
      return ColumnTypeEnum.Boolean;
    case 'JSONB':
      return ColumnTypeEnum.Json;
    default:
      return null;
  }
}

function inferColumnType(value: unknown): ColumnType {
  switch (typeof value) {
    case 'string':
      return ColumnTypeEnum.Text;
    case 'bigint':
      return ColumnTypeEnum.Int64;
    case 'boolean':
      return ColumnTypeEnum.Boolean;
    case 'number':
      return ColumnTypeEnum.UnknownNumber;
    default:
      if (value instanceof ArrayBuffer) return ColumnTypeEnum.Bytes;
      throw new Error(`unexpected value of type ${typeof value}: ${String(value)}`);
  }
}

/**
 * The Prisma type of each result column: its declared type, else the type of the first non-null value in it
 * (an expression such as `count(*)` has no declared type), else Int32.
 */
export function getColumnTypes(declaredTypes: (string | null)[], rows: unknown[][]): ColumnType[] {
  return declaredTypes.map((declType, column) => {
    const declared = mapDeclType(declType);
    if (declared !== null) return declared;
    const sample = rows.find((row) => row[column] !== null)?.[column];
    return sample === undefined ? ColumnTypeEnum.Int32 : inferColumnType(sample);
  });
}

/** A row as Prisma reads it: integers as numbers (strings beyond 2^53), integer instants as ISO strings. */
export function mapRow(row: unknown[], columnTypes: ColumnType[]): unknown[] {
  return row.map((value, i) => {
    const type = columnTypes[i];
    if (
      typeof value === 'number' &&
      (type === ColumnTypeEnum.Int32 || type === ColumnTypeEnum.Int64) &&
      !Number.isInteger(value)
    )
      return Math.trunc(value);
    if ((typeof value === 'number' || typeof value === 'bigint') && type === ColumnTypeEnum.DateTime)
      return new Date(Number(value)).toISOString();
    if (typeof value === 'bigint') {
      const asNumber = Number(value);
      return Number.isSafeInteger(asNumber) ? asNumber : value.toString();
    }
    return value;
  });
}

/** A query argument as SQLite binds it: booleans as 0/1, instants as ISO 8601 with `+00:00`, bytes as a Buffer. */
export function mapArg(arg: unknown, argType: ArgType | undefined): unknown {
  if (arg === null) return null;
  const scalarType = argType?.scalarType;
  if (typeof arg === 'string') {
    if (scalarType === 'int') return Number.parseInt(arg, 10);
    if (scalarType === 'float' || scalarType === 'decimal') return Number.parseFloat(arg);
    if (scalarType === 'bigint') return BigInt(arg);
    if (scalarType === 'datetime') return isoInstant(new Date(arg));
    if (scalarType === 'bytes') return Buffer.from(arg, 'base64');
  }
  if (typeof arg === 'boolean') return arg ? 1 : 0;
  if (arg instanceof Date) return isoInstant(arg);
  return arg;
}

function isoInstant(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}
