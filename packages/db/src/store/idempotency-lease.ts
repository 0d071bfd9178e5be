import { IDEMPOTENCY_LEASE_SECONDS } from '../repositories/operations.js';
import type { TenantStore } from './port.js';

/** A claim's lease being kept; `stop` once the request is completed or released. */
export interface IdempotencyLease {
  stop(): void;
}

/**
 * Keeps the lease of an Idempotency-Key claimed with `beginIdempotent` while its holder works: renews it
 * every third of the lease, so the key passes to a retry only when its holder died (or hangs for a whole
 * lease). A renewal that fails (the database is briefly away) is tried again at the next tick.
 *
 * @example
 * const begun = await tenant.beginIdempotent(key, hash, 'POST', '/v1/invoices/in_1/pay', ttlMs);
 * const lease = keepIdempotencyLease(tenant, key);
 * try { … } finally { lease.stop(); }
 */
export function keepIdempotencyLease(
  tenant: Pick<TenantStore, 'renewIdempotent'>,
  key: string,
  leaseMs = IDEMPOTENCY_LEASE_SECONDS * 1000,
): IdempotencyLease {
  const timer = setInterval(
    () => {
      tenant.renewIdempotent(key, leaseMs).then(
        (running) => {
          if (!running) clearInterval(timer);
        },
        () => undefined,
      );
    },
    Math.max(1_000, Math.floor(leaseMs / 3)),
  );
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
