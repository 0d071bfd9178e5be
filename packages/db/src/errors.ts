/**
 * Every way `@billkit/db` refuses or fails. Callers switch on `code`; the API maps codes to HTTP problems.
 * - `DB_VERSION_CONFLICT`: the subscription changed since it was loaded (optimistic concurrency); reload and retry.
 *   Also when MySQL aborted a repository transaction for a deadlock or lock wait timeout on every attempt
 *   (`details.reason` `deadlock` / `lock_wait_timeout`, `details.attempts`; the driver error is `cause`).
 * - `DB_NOT_FOUND`: no such row for this tenant (rows of other tenants are invisible, never "forbidden").
 * - `DB_DUPLICATE`: a unique key is taken (invoice number, webhook event id, promotion code, …).
 * - `DB_ALREADY_BILLED`: a cycle invoice for this subscription period already exists.
 * - `DB_IDEMPOTENCY_KEY_REUSED`: the idempotency key was used with a different request.
 * - `DB_INVALID_DATA`: a value cannot be stored as given (totals that do not add up, unsafe integers, bad JSON).
 * - `DB_REDEMPTION_LIMIT_REACHED`: a discount or promotion code has no redemptions left.
 * - `DB_MIGRATION_FAILED`: a migration statement failed; `details.statement` names it.
 * - `DB_MIGRATION_PREVIOUSLY_FAILED`: `_prisma_migrations` records a failed migration that must be resolved first.
 * - `DB_UNSUPPORTED_URL`: the connection string is neither mysql://, mariadb://, file: nor a path.
 * - `DB_ENCRYPTION_KEY_MISSING`: `BILLKIT_ENCRYPTION_KEY` is unset and no keys were passed (`details.variable`).
 * - `DB_ENCRYPTION_KEY_INVALID`: a key or key id is malformed (`details.variable` names where it came from,
 *   never the value).
 * - `DB_ENCRYPTION_KEY_UNKNOWN`: a stored secret was encrypted with a key id that is neither current nor in
 *   `BILLKIT_ENCRYPTION_KEYS_OLD` (`details.keyId`).
 * - `DB_DECRYPTION_FAILED`: a stored secret does not decrypt: wrong key under that id, or the row was tampered
 *   with (the AES-GCM tag does not verify).
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
  | 'DB_ENCRYPTION_KEY_MISSING'
  | 'DB_ENCRYPTION_KEY_INVALID'
  | 'DB_ENCRYPTION_KEY_UNKNOWN'
  | 'DB_DECRYPTION_FAILED';

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

/** True for Prisma's unique-constraint violation (P2002), whichever adapter raised it. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}
