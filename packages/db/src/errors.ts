/**
 * Every way `@billkit/db` refuses or fails. Callers switch on `code`; the API maps codes to HTTP problems.
 * - `DB_VERSION_CONFLICT`: the subscription changed since it was loaded (optimistic concurrency); reload and retry.
 *   Also when MySQL aborted a repository transaction for a deadlock or lock wait timeout on every attempt
 *   (`details.reason` `deadlock` / `lock_wait_timeout`, `details.attempts`; the driver error is `cause`).
 * - `DB_NOT_FOUND`: no such row for this tenant (rows of other tenants are invisible, never "forbidden"). Also
 *   when a write names a tenant that does not exist (`details.entity` `'tenant'`, `details.tenantId`).
 * - `DB_DUPLICATE`: a unique key is taken (invoice number, webhook event id, promotion code, …).
 * - `DB_ALREADY_BILLED`: a cycle invoice for this subscription period already exists.
 * - `DB_IDEMPOTENCY_KEY_REUSED`: the idempotency key was used with a different request.
 * - `DB_INVALID_DATA`: a value cannot be stored as given (totals that do not add up, unsafe integers, bad JSON,
 *   a reference to a row that does not exist: `details.reason` `missing_reference`). `details.field` names the
 *   offending field where there is one.
 * - `DB_REDEMPTION_LIMIT_REACHED`: a discount or promotion code has no redemptions left.
 * - `DB_MIGRATION_FAILED`: a migration statement failed; `details.statement` names it.
 * - `DB_MIGRATION_PREVIOUSLY_FAILED`: `_prisma_migrations` records a failed migration that must be resolved first.
 * - `DB_UNSUPPORTED_URL`: the connection string is neither mysql://, mariadb://, file: nor a path.
 * - `DB_CONNECTION_FAILED`: opening billing_db could not connect: the server's own reason (`Access denied for
 *   user …`, `ECONNREFUSED`, an unknown database or host, no answer within the connect timeout) and where it
 *   tried (`details.host`, `port`, `user`, `database`; never the password), within about 2 s. One code for
 *   every connection mistake, as the fix is the same (correct the URL or start the server); `details.reason`
 *   (`access_denied`, `unknown_database`, `refused`, `unknown_host`, `timeout`, `other`) tells them apart.
 *   A database that goes away after it was opened is `DB_UNAVAILABLE`.
 * - `DB_NOT_MIGRATED`: a table billkit needs does not exist: the migrations have not been applied
 *   (`details.table`). Run `billkit-db migrate`, or open with `migrate: true`.
 * - `DB_RESTORE_REFUSED`: `billkit-db restore` refused before changing anything (`details.reason`:
 *   `backup_missing`, `backup_malformed`, `backup_other_provider`, `backup_newer_schema` (upgrade @billkit/db
 *   first), `restore_target_not_empty` (pass `--force` or restore into a new database)).
 * - `DB_ENCRYPTION_KEY_MISSING`: `BILLKIT_ENCRYPTION_KEY` is unset and no keys were passed (`details.variable`).
 * - `DB_ENCRYPTION_KEY_INVALID`: a key or key id is malformed (`details.variable` names where it came from,
 *   never the value).
 * - `DB_ENCRYPTION_KEY_UNKNOWN`: a stored secret was encrypted with a key id that is neither current nor in
 *   `BILLKIT_ENCRYPTION_KEYS_OLD` (`details.keyId`).
 * - `DB_DECRYPTION_FAILED`: a stored secret does not decrypt: wrong key under that id, or the row was tampered
 *   with (the AES-GCM tag does not verify).
 * - `DB_UNAVAILABLE`: the database cannot answer now: unreachable, frozen, out of connections, shutting down,
 *   read-only, out of disk, or misconfigured (`details.reason`, `details.driverCode`). Retry later; nothing
 *   was committed unless the failure hit the commit itself.
 * - `DB_LOCK_TIMEOUT`: a row this change needs stayed locked by another session for longer than the lock wait
 *   (`innodb_lock_wait_timeout`, a few seconds); the transaction was rolled back. Retry shortly.
 * - `DB_QUERY_FAILED`: any other driver or Prisma failure (`details.driverCode`): a defect, not a caller's fault.
 */
export type DbErrorCode =
  | 'DB_VERSION_CONFLICT'
  | 'DB_NOT_FOUND'
  | 'DB_DUPLICATE'
  | 'DB_ALREADY_BILLED'
  | 'DB_IDEMPOTENCY_KEY_REUSED'
  | 'DB_INVALID_DATA'
  | 'DB_REDEMPTION_LIMIT_REACHED'
  | 'DB_MIGRATION_FAILED'
  | 'DB_MIGRATION_PREVIOUSLY_FAILED'
  | 'DB_UNSUPPORTED_URL'
  | 'DB_CONNECTION_FAILED'
  | 'DB_NOT_MIGRATED'
  | 'DB_RESTORE_REFUSED'
  | 'DB_ENCRYPTION_KEY_MISSING'
  | 'DB_ENCRYPTION_KEY_INVALID'
  | 'DB_ENCRYPTION_KEY_UNKNOWN'
  | 'DB_DECRYPTION_FAILED'
  | 'DB_UNAVAILABLE'
  | 'DB_LOCK_TIMEOUT'
  | 'DB_QUERY_FAILED';

/** The single error class of `@billkit/db`; `details` carries the offending values. */
export class DbError extends Error {
  override readonly name = 'DbError';
  readonly code: DbErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: DbErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** True when `error` is a {@link DbError}, optionally with the given code. */
export function isDbError(error: unknown, code?: DbErrorCode): error is DbError {
  return error instanceof DbError && (code === undefined || error.code === code);
}

/**
 * True for a unique-constraint violation: Prisma's P2002 (whichever adapter raised it), the mariadb driver's
 * 1062 (ER_DUP_ENTRY), or a SQLite constraint failure as raw-client.ts raises it (a driver adapter error of
 * kind `UniqueConstraintViolation`).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; errno?: unknown; cause?: { kind?: unknown } };
  return e.code === 'P2002' || e.errno === 1062 || e.cause?.kind === 'UniqueConstraintViolation';
}

/** Why the database could not answer (`details.reason` of `DB_UNAVAILABLE`). */
export type UnavailableReason =
  | 'unreachable'
  | 'timeout'
  | 'too_many_connections'
  | 'shutting_down'
  | 'read_only'
  | 'disk_full'
  | 'statement_timeout'
  | 'misconfigured';

/** What a driver or Prisma failure means, for the code it is answered with. */
export type DriverFailure =
  | { readonly kind: 'unavailable'; readonly reason: UnavailableReason; readonly driverCode: string }
  | { readonly kind: 'lock_timeout'; readonly driverCode: string }
  | { readonly kind: 'deadlock'; readonly driverCode: string }
  | { readonly kind: 'duplicate'; readonly driverCode: string }
  | { readonly kind: 'invalid_data'; readonly driverCode: string }
  | { readonly kind: 'missing_reference'; readonly driverCode: string; readonly field: string | null }
  | { readonly kind: 'not_migrated'; readonly driverCode: string; readonly table: string | null }
  | { readonly kind: 'other'; readonly driverCode: string };

// Prisma's own codes (https://www.prisma.io/docs/orm/reference/error-reference).
const PRISMA_UNAVAILABLE: Readonly<Record<string, UnavailableReason>> = {
  P1000: 'misconfigured', // authentication failed
  P1001: 'unreachable',
  P1002: 'timeout',
  P1003: 'misconfigured', // database does not exist
  P1008: 'timeout',
  P1010: 'misconfigured', // access denied
  P1011: 'unreachable', // TLS
  P1017: 'unreachable', // server closed the connection
  P2024: 'timeout', // no connection from the pool in time
  P2028: 'timeout', // transaction API error: could not start in time, or closed by its timeout
  P2037: 'too_many_connections',
};

// The server's and the mariadb driver's errnos.
const ERRNO_UNAVAILABLE: Readonly<Record<number, UnavailableReason>> = {
  1021: 'disk_full', // ER_DISK_FULL
  1114: 'disk_full', // ER_RECORD_FILE_FULL: the table is full
  1040: 'too_many_connections',
  1203: 'too_many_connections', // max_user_connections
  1044: 'misconfigured', // access denied to the database
  1045: 'misconfigured', // access denied for the user
  1049: 'misconfigured', // unknown database
  1053: 'shutting_down',
  1077: 'shutting_down', // normal shutdown
  1152: 'unreachable', // aborted connection
  1184: 'unreachable', // aborted new connection
  1927: 'unreachable', // the connection was killed
  1290: 'read_only', // --read-only / super_read_only
  1792: 'read_only', // read-only transaction
  1836: 'read_only', // read-only mode
  1969: 'statement_timeout', // MariaDB max_statement_time
  3024: 'statement_timeout', // MySQL max_execution_time
  2002: 'unreachable', // client library codes, as some drivers and proxies report them
  2003: 'unreachable',
  2006: 'unreachable',
  2013: 'unreachable',
  2055: 'unreachable',
  4031: 'unreachable', // the server closed an idle connection
};

/** mariadb driver errnos (45001…) that are about the connection, not the statement. */
const DRIVER_CONNECTION_ERRNOS = new Set([
  45001, 45004, 45009, 45011, 45012, 45013, 45019, 45026, 45027, 45028, 45035, 45037, 45042, 45060, 45061,
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Server errors whose message carries the OS error 28 (ENOSPC): the disk is full. */
const ENOSPC = /\b(errno:? ?28|error 28|errcode: ?28)\b|no space left/i;

/** The table a "table does not exist" message names: MariaDB's `Table 'db.T' doesn't exist`, SQLite's `no such table: main.T`. */
const MISSING_TABLE = /(?:Table '(?:[^'.]+\.)?([^']+)' doesn't exist|no such table: (?:main\.)?(\S+))/i;

/** The column of a foreign-key failure: MariaDB's `FOREIGN KEY (\`tenantId\`)`, Prisma's `fields: (\`tenantId\`)`. */
const REFERENCE_FIELD = /(?:FOREIGN KEY|fields:) \(`([^`]+)`\)/;

function missingReference(driverCode: string, message: string): DriverFailure {
  return { kind: 'missing_reference', driverCode, field: REFERENCE_FIELD.exec(message)?.[1] ?? null };
}

function notMigrated(driverCode: string, message: string): DriverFailure {
  const match = MISSING_TABLE.exec(message);
  return { kind: 'not_migrated', driverCode, table: match?.[1] ?? match?.[2] ?? null };
}

function fromErrno(errno: number, message: string): DriverFailure | null {
  const driverCode = String(errno);
  if (errno === 1205) return { kind: 'lock_timeout', driverCode };
  if (errno === 1146) return notMigrated(driverCode, message); // ER_NO_SUCH_TABLE
  if (errno === 1452) return missingReference(driverCode, message); // ER_NO_REFERENCED_ROW_2
  if (errno === 1213) return { kind: 'deadlock', driverCode };
  if (errno === 1062) return { kind: 'duplicate', driverCode };
  const reason = ERRNO_UNAVAILABLE[errno];
  if (reason) return { kind: 'unavailable', reason, driverCode };
  if (DRIVER_CONNECTION_ERRNOS.has(errno)) {
    return { kind: 'unavailable', reason: errno === 45028 ? 'timeout' : 'unreachable', driverCode };
  }
  if (ENOSPC.test(message)) return { kind: 'unavailable', reason: 'disk_full', driverCode };
  if ([1048, 1264, 1292, 1364, 1366, 1406, 1451].includes(errno)) return { kind: 'invalid_data', driverCode };
  return null;
}

const ADAPTER_KINDS: Readonly<Record<string, (code: string) => DriverFailure>> = {
  TooManyConnections: (driverCode) => ({ kind: 'unavailable', reason: 'too_many_connections', driverCode }),
  AuthenticationFailed: (driverCode) => ({ kind: 'unavailable', reason: 'misconfigured', driverCode }),
  DatabaseDoesNotExist: (driverCode) => ({ kind: 'unavailable', reason: 'misconfigured', driverCode }),
  DatabaseAccessDenied: (driverCode) => ({ kind: 'unavailable', reason: 'misconfigured', driverCode }),
  TableDoesNotExist: (driverCode) => ({ kind: 'not_migrated', driverCode, table: null }),
  SocketTimeout: (driverCode) => ({ kind: 'unavailable', reason: 'timeout', driverCode }),
  TransactionWriteConflict: (driverCode) => ({ kind: 'deadlock', driverCode }),
  UniqueConstraintViolation: (driverCode) => ({ kind: 'duplicate', driverCode }),
  ForeignKeyConstraintViolation: (driverCode) => ({ kind: 'missing_reference', driverCode, field: null }),
  NullConstraintViolation: (driverCode) => ({ kind: 'invalid_data', driverCode }),
  ValueOutOfRange: (driverCode) => ({ kind: 'invalid_data', driverCode }),
  LengthMismatch: (driverCode) => ({ kind: 'invalid_data', driverCode }),
};

/**
 * What a failure raised by Prisma, its MariaDB/SQLite driver adapters or the mariadb driver means; null for
 * anything else (a billkit error, a caller's own error). Walks the `cause` chain and Prisma's
 * `meta.driverAdapterError`, where the server's errno is kept.
 *
 * @example
 * driverFailure({ code: 'P2010', meta: { code: '1205' } }) // → { kind: 'lock_timeout', driverCode: '1205' }
 */
export function driverFailure(error: unknown): DriverFailure | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  let prismaCode: string | null = null;
  let prismaModel: string | null = null;
  let prismaMessage = '';
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof DbError) return null;
    const e = current as {
      name?: unknown;
      code?: unknown;
      errorCode?: unknown;
      errno?: unknown;
      originalCode?: unknown;
      kind?: unknown;
      message?: unknown;
      originalMessage?: unknown;
      sqlMessage?: unknown;
      meta?: {
        code?: unknown;
        message?: unknown;
        modelName?: unknown;
        driverAdapterError?: { cause?: unknown };
      };
      cause?: unknown;
    };
    const message = String(e.sqlMessage ?? e.originalMessage ?? e.meta?.message ?? e.message ?? '');
    const code = typeof e.code === 'string' ? e.code : typeof e.errorCode === 'string' ? e.errorCode : null;
    if (code !== null && /^P\d{4}$/.test(code)) {
      prismaCode ??= code;
      if (typeof e.meta?.modelName === 'string') prismaModel ??= e.meta.modelName;
      prismaMessage ||= message;
      if (code === 'P2034') return { kind: 'deadlock', driverCode: code };
      if (code === 'P2002') return { kind: 'duplicate', driverCode: code };
      // A raw query's failure keeps the server's errno in `meta.code`.
      const raw = code === 'P2010' ? Number(e.meta?.code) : Number.NaN;
      if (Number.isInteger(raw)) {
        const found = fromErrno(raw, message);
        if (found) return found;
      }
    }
    if (typeof e.kind === 'string') {
      const driverCode = String(e.originalCode ?? e.code ?? e.kind);
      const errno = Number(e.originalCode ?? e.code);
      if (Number.isInteger(errno)) {
        const found = fromErrno(errno, message);
        if (found) return found;
      }
      // SQLite reports a missing table as a plain SQLITE_ERROR (code 1).
      if (MISSING_TABLE.test(message)) return notMigrated(driverCode, message);
      const mapped = ADAPTER_KINDS[e.kind];
      if (mapped) return mapped(driverCode);
    }
    if (typeof e.errno === 'number') {
      const found = fromErrno(e.errno, message);
      if (found) return found;
    }
    if (code !== null && NETWORK_CODES.has(code))
      return { kind: 'unavailable', reason: 'unreachable', driverCode: code };
    if (typeof e.code === 'string' && e.code === 'SQLITE_FULL')
      return { kind: 'unavailable', reason: 'disk_full', driverCode: e.code };
    if (typeof e.code === 'string' && (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED'))
      return { kind: 'lock_timeout', driverCode: e.code };
    if (e.code === 'SQLITE_ERROR' && MISSING_TABLE.test(message)) return notMigrated(e.code, message);
    current = e.meta?.driverAdapterError?.cause ?? e.cause;
  }
  if (prismaCode === 'P2021' || prismaCode === 'P2022')
    return { kind: 'not_migrated', driverCode: prismaCode, table: prismaModel };
  if (prismaCode === 'P2003') return missingReference(prismaCode, prismaMessage);
  if (prismaCode !== null) {
    const reason = PRISMA_UNAVAILABLE[prismaCode];
    return reason
      ? { kind: 'unavailable', reason, driverCode: prismaCode }
      : { kind: 'other', driverCode: prismaCode };
  }
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && (name.startsWith('PrismaClient') || name === 'DriverAdapterError'))
    return { kind: 'other', driverCode: name };
  return null;
}

/** Seconds a client should wait before retrying a `DB_UNAVAILABLE` or `DB_LOCK_TIMEOUT`. */
export const RETRY_AFTER_SECONDS = { unavailable: 2, lockTimeout: 1 } as const;

/**
 * The {@link DbError} a driver or Prisma failure is reported as (see {@link driverFailure}), with the
 * original as `cause`; `error` itself when it is not one. Deadlocks and duplicates keep their driver error
 * (the repositories that expect them handle them first) unless `final`: then the failure is leaving the
 * package and they become `DB_VERSION_CONFLICT` (`details.reason` `deadlock`) and `DB_DUPLICATE`.
 */
export function toDbError(error: unknown, options: { final?: boolean } = {}): unknown {
  const failure = driverFailure(error);
  if (failure === null) return error;
  const cause = { cause: error };
  const driverCode = failure.driverCode;
  switch (failure.kind) {
    case 'unavailable':
      return new DbError(
        'DB_UNAVAILABLE',
        `billing_db is unavailable (${failure.reason.replaceAll('_', ' ')}); retry shortly`,
        { reason: failure.reason, driverCode, retryAfterSeconds: RETRY_AFTER_SECONDS.unavailable },
        cause,
      );
    case 'lock_timeout':
      return new DbError(
        'DB_LOCK_TIMEOUT',
        'A row this change needs is locked by another transaction; retry shortly',
        { driverCode, retryAfterSeconds: RETRY_AFTER_SECONDS.lockTimeout },
        cause,
      );
    case 'deadlock':
      return options.final
        ? new DbError(
            'DB_VERSION_CONFLICT',
            'The transaction was aborted by a deadlock; retry',
            { reason: 'deadlock', driverCode },
            cause,
          )
        : error;
    case 'duplicate':
      return options.final
        ? new DbError('DB_DUPLICATE', 'A unique key is already taken', { driverCode }, cause)
        : error;
    case 'not_migrated':
      return new DbError(
        'DB_NOT_MIGRATED',
        `billing_db has no table ${failure.table ?? '(unknown)'}: its migrations have not been applied; ` +
          'run `billkit-db migrate` (or open it with `migrate: true`)',
        { table: failure.table, driverCode },
        cause,
      );
    case 'missing_reference':
      return new DbError(
        'DB_INVALID_DATA',
        failure.field === null
          ? 'A row this write refers to does not exist'
          : `${failure.field} refers to a row that does not exist`,
        {
          reason: 'missing_reference',
          driverCode,
          ...(failure.field === null ? {} : { field: failure.field }),
        },
        cause,
      );
    case 'invalid_data':
      return new DbError('DB_INVALID_DATA', 'The database refused a value as given', { driverCode }, cause);
    case 'other':
      return new DbError('DB_QUERY_FAILED', 'A database statement failed', { driverCode }, cause);
  }
}
