import { describe, expect, it } from 'vitest';
import { DbError, driverFailure, isDbError, toDbError } from '../src/errors.js';

// Shapes of the failures Prisma 7, @prisma/adapter-mariadb (convertDriverError) and the mariadb driver raise.
const adapter = (cause: Record<string, unknown>) => ({
  name: 'PrismaClientKnownRequestError',
  code: 'P2010',
  meta: { driverAdapterError: { cause } },
});

describe('driverFailure', () => {
  it.each([
    [
      'a server that refuses connections',
      { code: 'ECONNREFUSED', errno: -111 },
      'unavailable',
      'unreachable',
    ],
    [
      "the pool's acquire timeout",
      { errno: 45028, sqlState: 'HY000', sqlMessage: 'pool timeout: failed to retrieve a connection' },
      'unavailable',
      'timeout',
    ],
    [
      'a socket closed mid-statement',
      adapter({ kind: 'mysql', code: 45009, originalCode: '45009' }),
      'unavailable',
      'unreachable',
    ],
    [
      "the connection guard's lost connection",
      { errno: 2013, sqlState: 'HY000', sqlMessage: 'x' },
      'unavailable',
      'unreachable',
    ],
    [
      'a disk that is full (ER_DISK_FULL)',
      adapter({ kind: 'mysql', code: 1021, originalCode: '1021' }),
      'unavailable',
      'disk_full',
    ],
    [
      'a table that is full',
      { errno: 1114, sqlMessage: "The table 'Invoice' is full" },
      'unavailable',
      'disk_full',
    ],
    [
      'the OS error 28 from the storage engine',
      { errno: 1030, sqlMessage: 'Got error 28 "No space left on device" from storage engine InnoDB' },
      'unavailable',
      'disk_full',
    ],
    ['SQLite out of space', { code: 'SQLITE_FULL' }, 'unavailable', 'disk_full'],
    [
      'a read-only server',
      { errno: 1290, sqlMessage: 'The MariaDB server is running with the --read-only option' },
      'unavailable',
      'read_only',
    ],
    [
      'too many connections',
      adapter({ kind: 'TooManyConnections', cause: 'Too many connections' }),
      'unavailable',
      'too_many_connections',
    ],
    [
      'a server shutting down',
      { errno: 1053, sqlMessage: 'Server shutdown in progress' },
      'unavailable',
      'shutting_down',
    ],
    [
      'a killed connection',
      { errno: 1927, sqlMessage: 'Connection was killed' },
      'unavailable',
      'unreachable',
    ],
    [
      'a statement timeout',
      { errno: 1969, sqlMessage: 'Query execution was interrupted (max_statement_time exceeded)' },
      'unavailable',
      'statement_timeout',
    ],
    [
      'wrong credentials',
      adapter({ kind: 'AuthenticationFailed', user: 'billing' }),
      'unavailable',
      'misconfigured',
    ],
    [
      "Prisma's could-not-reach",
      { name: 'PrismaClientInitializationError', errorCode: 'P1001' },
      'unavailable',
      'unreachable',
    ],
    [
      "Prisma's transaction that could not start in time",
      { name: 'PrismaClientKnownRequestError', code: 'P2028' },
      'unavailable',
      'timeout',
    ],
  ])('reads %s as unavailable', (_what, error, kind, reason) => {
    expect(driverFailure(error)).toMatchObject({ kind, reason });
  });

  it.each([
    [
      'a lock wait timeout in the adapter error',
      adapter({ kind: 'mysql', code: 1205, originalCode: '1205' }),
      'lock_timeout',
    ],
    [
      'a raw query lock wait timeout',
      { code: 'P2010', meta: { code: '1205', message: 'Lock wait timeout' } },
      'lock_timeout',
    ],
    ['a deadlock', { code: 'P2034' }, 'deadlock'],
    [
      'a deadlock in the adapter error',
      adapter({ kind: 'TransactionWriteConflict', originalCode: '1213' }),
      'deadlock',
    ],
    ['a unique violation', { code: 'P2002' }, 'duplicate'],
    [
      'a foreign-key violation',
      adapter({ kind: 'ForeignKeyConstraintViolation', originalCode: '1452' }),
      'missing_reference',
    ],
    [
      'a missing table (migrations not applied)',
      adapter({ kind: 'TableDoesNotExist', table: 'Invoice' }),
      'not_migrated',
    ],
    [
      "SQLite's missing table",
      adapter({
        kind: 'sqlite',
        originalCode: '1',
        originalMessage: 'SQLITE_ERROR: no such table: main.Customer',
      }),
      'not_migrated',
    ],
    ['another server error', adapter({ kind: 'mysql', code: 1064, originalCode: '1064' }), 'other'],
    ['an unknown Prisma error', { name: 'PrismaClientUnknownRequestError', message: '?' }, 'other'],
    ['a wrapped cause', new Error('outer', { cause: { errno: 1205 } }), 'lock_timeout'],
  ])('reads %s', (_what, error, kind) => {
    expect(driverFailure(error)?.kind).toBe(kind);
  });

  it.each([
    ['a plain error', new Error('Lock wait timeout in the message only')],
    ['a billkit error', new DbError('DB_NOT_FOUND', 'no such thing')],
    ['a non-object', 'ECONNREFUSED'],
  ])('leaves %s alone', (_what, error) => {
    expect(driverFailure(error)).toBeNull();
  });
});

describe('toDbError', () => {
  it('answers a database that is away with DB_UNAVAILABLE, its reason and when to retry', () => {
    const cause = { code: 'ECONNREFUSED' };
    const error = toDbError(cause);
    expect(isDbError(error, 'DB_UNAVAILABLE')).toBe(true);
    expect((error as DbError).details).toEqual({
      reason: 'unreachable',
      driverCode: 'ECONNREFUSED',
      retryAfterSeconds: 2,
    });
    expect((error as DbError).cause).toBe(cause);
  });

  it('answers a lock wait timeout with DB_LOCK_TIMEOUT', () => {
    expect(
      isDbError(toDbError({ errno: 1205, sqlMessage: 'Lock wait timeout exceeded' }), 'DB_LOCK_TIMEOUT'),
    ).toBe(true);
  });

  it('gives every other driver failure a code, and leaves deadlocks, duplicates and non-driver errors as they are', () => {
    expect(isDbError(toDbError(adapter({ kind: 'mysql', code: 1064 })), 'DB_QUERY_FAILED')).toBe(true);
    const deadlock = { code: 'P2034' };
    expect(toDbError(deadlock)).toBe(deadlock);
    const mine = new Error('mine');
    expect(toDbError(mine)).toBe(mine);
  });
});
