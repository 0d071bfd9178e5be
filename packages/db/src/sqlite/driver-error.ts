// Ported from Prisma's @prisma/adapter-better-sqlite3 7.10.0, src/errors.ts (Apache-2.0, © Prisma Data, Inc.;
// https://github.com/prisma/prisma/tree/7.10.0/packages/adapter-better-sqlite3). libsql's SqliteError carries
// the same extended code names as better-sqlite3's (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY`, …).
import { DriverAdapterError, type MappedError } from '@prisma/driver-adapter-utils';

const SQLITE_BUSY = 5;
const PRIMARY_ERROR_CODE_MASK = 0xff;
const UNKNOWN_ERROR_CODE_PREFIX = 'UNKNOWN_SQLITE_ERROR_';

/**
 * A SQLite error as the Prisma client expects it from a driver adapter (a `DriverAdapterError` whose `kind`
 * Prisma turns into P2002, P2003, P2021, …). Anything that is not a driver error is thrown as it is.
 */
export function toDriverAdapterError(error: unknown): DriverAdapterError {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') throw error;
  return new DriverAdapterError({
    originalCode: e.code,
    originalMessage: e.message,
    ...mapDriverError(e.code, e.message),
  });
}

function mapDriverError(code: string, message: string): MappedError {
  const after = (marker: string) => message.split(marker).at(1);
  // "UNIQUE constraint failed: Table.a, Table.b" → fields a, b of Table
  const columns = after('constraint failed: ')?.split(', ');
  const fields = columns?.map((column) => column.split('.').pop() ?? column);
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY': {
      const table = columns?.[0]?.split('.').slice(0, -1).join('.');
      return {
        kind: 'UniqueConstraintViolation',
        ...(fields ? { constraint: { fields } } : {}),
        ...(table ? { table } : {}),
      };
    }
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return { kind: 'NullConstraintViolation', ...(fields ? { constraint: { fields } } : {}) };
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
    case 'SQLITE_CONSTRAINT_TRIGGER':
      return { kind: 'ForeignKeyConstraintViolation', constraint: { foreignKey: {} } };
    default: {
      const unknown = code.startsWith(UNKNOWN_ERROR_CODE_PREFIX)
        ? Number(code.slice(UNKNOWN_ERROR_CODE_PREFIX.length))
        : Number.NaN;
      const extendedCode = Number.isInteger(unknown) ? unknown : undefined;
      if (
        code.startsWith('SQLITE_BUSY') ||
        (extendedCode !== undefined && (extendedCode & PRIMARY_ERROR_CODE_MASK) === SQLITE_BUSY)
      )
        return { kind: 'SocketTimeout' };
      const named = (key: 'table' | 'column', value: string | undefined) => (value ? { [key]: value } : {});
      if (message.startsWith('no such table'))
        return { kind: 'TableDoesNotExist', ...named('table', after(': ')) };
      if (message.startsWith('no such column'))
        return { kind: 'ColumnNotFound', ...named('column', after(': ')) };
      if (message.includes('has no column named '))
        return { kind: 'ColumnNotFound', ...named('column', after('has no column named ')) };
      // The generic SQLITE_ERROR when the driver names no code Prisma knows, as Prisma's d1 adapter does.
      return { kind: 'sqlite', extendedCode: extendedCode ?? 1, message };
    }
  }
}
