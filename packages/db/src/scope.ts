import { randomBytes } from 'node:crypto';
import type { BillingClient, BillingPrismaClient, Provider } from './client.js';

/** What every repository function runs against: a client, and whether it is already inside a transaction. */
export interface Scope {
  readonly provider: Provider;
  readonly client: BillingClient;
  readonly root: BillingPrismaClient;
  readonly inTransaction: boolean;
}

export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

/** Runs `fn` atomically: inside the caller's transaction when there is one, else in a new one. */
export async function atomic<T>(scope: Scope, fn: (tx: Scope) => Promise<T>): Promise<T> {
  if (scope.inTransaction) return fn(scope);
  return scope.root.$transaction(async (client) => {
    // The SQLite adapter opens transactions with a deferred BEGIN. Writing first (a no-op UPDATE) takes the
    // write lock before any read, like BEGIN IMMEDIATE: a transaction in another process then waits (busy
    // timeout) instead of failing later with SQLITE_BUSY when it tries to write from a stale snapshot.
    if (scope.provider === 'sqlite')
      await client.$executeRawUnsafe('UPDATE "DocumentCounter" SET "nextNumber" = "nextNumber" WHERE 0');
    return fn({ provider: scope.provider, client, root: scope.root, inTransaction: true });
  }, TRANSACTION_OPTIONS);
}

/**
 * A new row id: a Stripe-style prefix and 20 random bytes in base32hex (sortable characters, no case).
 *
 * @example
 * newId('cus') // → 'cus_8v1q0k…'
 */
export function newId(prefix: string): string {
  const bytes = randomBytes(20);
  let out = '';
  for (const byte of bytes) out += (byte % 32).toString(32);
  return `${prefix}_${out}`;
}
