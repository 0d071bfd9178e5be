import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { BillingClient, Provider } from './client.js';
import { DbError, driverFailure, RETRY_AFTER_SECONDS, toDbError } from './errors.js';
import { type RawDatabase, rawTransaction } from './store/raw-client.js';

/** What every repository function runs against: a client, and whether it is already inside a transaction. */
export interface Scope {
  readonly provider: Provider;
  readonly client: BillingClient;
  readonly inTransaction: boolean;
  /**
   * The client sends each statement as it is called, and its connection runs them in order (the tenant
   * store's raw MySQL client): independent statements may be issued together, one round trip for several.
   */
  readonly pipelined?: boolean;
  /** Where transactions run without Prisma's query engine (raw-client.ts): MySQL's driver pool, SQLite's connection. */
  readonly raw?: RawDatabase;
}

/**
 * Runs `fn` atomically: inside the caller's transaction when there is one, else in a new one. When a
 * transaction this call starts fails because the database is away or a lock wait timed out, that goes up
 * as a {@link DbError} (`DB_UNAVAILABLE`, `DB_LOCK_TIMEOUT`; see `toDbError`), with the driver error as
 * `cause`; other driver errors (unique or foreign-key violations, deadlocks) go up as raised, for the
 * repositories that turn them into their own codes.
 */
export async function atomic<T>(scope: Scope, fn: (tx: Scope) => Promise<T>): Promise<T> {
  if (scope.inTransaction) return fn(scope);
  const raw = scope.raw;
  if (!raw)
    throw new Error('atomic: a scope outside a transaction needs the database it runs on (scope.raw)');
  try {
    return await rawTransaction(raw, null, (client: BillingClient) =>
      fn({ provider: scope.provider, client, inTransaction: true, pipelined: raw.provider === 'mysql', raw }),
    );
  } catch (error) {
    const failure = driverFailure(error);
    throw failure?.kind === 'unavailable' || failure?.kind === 'lock_timeout' ? toDbError(error) : error;
  }
}

/** How often a repository transaction runs when MySQL aborts it for a deadlock or a lock wait timeout. */
export const TRANSACTION_ATTEMPTS = 3;

/**
 * Lock waits are retried only while the transaction, its retries included, can still end within this many
 * milliseconds of its first start: a change blocked by a lock someone keeps fails within a few seconds.
 */
export const LOCK_RETRY_BUDGET_MS = 5_000;

/**
 * Whether a transaction that has just failed its `attempt`-th time on a lock wait, `elapsedMs` after its
 * first start, may run again: only when another attempt, taking as long as the average one so far, would
 * still end within {@link LOCK_RETRY_BUDGET_MS}.
 */
export function lockRetryFits(attempt: number, elapsedMs: number): boolean {
  return elapsedMs + elapsedMs / attempt <= LOCK_RETRY_BUDGET_MS;
}

/**
 * Like {@link atomic}, but a transaction this call starts itself is run again (up to
 * {@link TRANSACTION_ATTEMPTS} times, after a short random pause) when MySQL/MariaDB aborts it with a deadlock
 * (1213) or a lock wait timeout (1205, while {@link lockRetryFits}): the whole transaction was rolled back, so
 * running `fn` again is safe. Inside a caller's transaction nothing is retried (the caller's earlier
 * statements are gone with it); the error goes up for the caller's own retry. When the attempts are used up:
 * `DB_VERSION_CONFLICT` (`details.reason` `deadlock`) or `DB_LOCK_TIMEOUT` (`details.reason`
 * `lock_wait_timeout`), with `details.attempts` and the driver error as `cause`.
 * `fn` must have no effects outside the database; repository functions qualify, host callbacks do not.
 */
export async function atomicWithRetry<T>(scope: Scope, fn: (tx: Scope) => Promise<T>): Promise<T> {
  if (scope.inTransaction || scope.provider !== 'mysql') return atomic(scope, fn);
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await atomic(scope, fn);
    } catch (error) {
      const reason = lockFailure(error);
      if (reason === null) throw error;
      const giveUp =
        attempt >= TRANSACTION_ATTEMPTS ||
        (reason === 'lock_wait_timeout' && !lockRetryFits(attempt, Date.now() - started));
      if (giveUp) {
        const cause = error instanceof DbError ? (error.cause ?? error) : error;
        if (reason === 'lock_wait_timeout') {
          throw new DbError(
            'DB_LOCK_TIMEOUT',
            `A row this change needs stayed locked by another transaction (${attempt} attempts); retry shortly`,
            { reason, attempts: attempt, retryAfterSeconds: RETRY_AFTER_SECONDS.lockTimeout },
            { cause },
          );
        }
        throw new DbError(
          'DB_VERSION_CONFLICT',
          `The transaction was aborted by a deadlock ${attempt} times; retry`,
          { reason, attempts: attempt },
          { cause },
        );
      }
      // Jitter so the two transactions that deadlocked do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}

/**
 * `deadlock` for MySQL error 1213 (Prisma's P2034, "write conflict or deadlock"), `lock_wait_timeout` for 1205,
 * else null. The driver adapter keeps the server's errno in `meta.driverAdapterError.cause`.
 */
export function lockFailure(error: unknown): 'deadlock' | 'lock_wait_timeout' | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const e = current as {
      code?: unknown;
      errno?: unknown;
      originalCode?: unknown;
      meta?: { code?: unknown; driverAdapterError?: { cause?: unknown } };
      cause?: unknown;
    };
    // Raw queries fail with P2010 and the server's code in `meta.code`.
    const serverCode = String(e.errno ?? e.originalCode ?? (e.code === 'P2010' ? e.meta?.code : e.code));
    if (e.code === 'P2034' || serverCode === '1213') return 'deadlock';
    if (serverCode === '1205') return 'lock_wait_timeout';
    current = e.meta?.driverAdapterError?.cause ?? e.cause;
  }
  return null;
}

/**
 * Cryptographically random bytes, drawn from a pool refilled 4 KB at a time: a ULID takes 16 random
 * characters, and asking the OS for each byte on its own cost ~80 µs per id. Returns a float in [0, 1) with
 * 256 equally likely values, as ulid's own source does (so each of the 32 characters stays equally likely).
 */
function pooledRandom(): () => number {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return (pool[next++] as number) / 256;
  };
}

/** One ULID source for the process: ids made in the same millisecond still come out in creation order. */
const nextUlid = monotonicFactory(pooledRandom());

/**
 * A new id for anything billkit stores: a Stripe-style prefix, `_` and a ULID (26 Crockford base32 characters:
 * 48 bits of milliseconds, then 80 random bits). Ids sort as plain strings in creation order, also within a
 * millisecond in one process, so cursor pagination by id is by age and bulk-appended rows (audit events) grow
 * at the end of the clustered index. Ids stored in earlier formats stay valid: ids are opaque strings.
 *
 * @example
 * newId('cus') // → 'cus_01KQ3Z8V5Y9H2M4N6P8R0T2W4X'
 */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid()}`;
}

/** @deprecated Every id sorts by creation time now; use {@link newId}. */
export const newSortableId = newId;
