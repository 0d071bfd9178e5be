import type { IdempotencyLease, Store, StoredIdempotency, TenantStore, TenantTransaction } from '@billkit/db';
import { keepIdempotencyLease, requestFingerprints } from '@billkit/db';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './problem.js';

/**
 * How a route's Idempotency-Key is kept:
 * - `transactional` (default): the key is claimed, the change and its audit events are written, and the
 *   response is stored — all in the change's one transaction, which commits only once the response is
 *   serialised. A crash anywhere leaves either everything or nothing.
 * - `claim`: for requests that call a payment gateway or run many transactions (pay, billing and dunning
 *   runs): the key is claimed before the handler (a twin gets 409 while it runs) and completed after it.
 *   The claim is leased and renewed while the handler runs: when the process dies, a retry takes the key
 *   over once the lease has run out (about 30 s) and runs the request again, which these routes make safe.
 */
export type IdempotencyMode = 'transactional' | 'claim';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: RequestIdempotency | null;
  }
  interface FastifyContextConfig {
    idempotency?: IdempotencyMode;
    /** What the idempotency record keeps of a response (e.g. without a secret shown once); default all. */
    idempotencyStoredBody?: (body: string) => string;
  }
}

interface PendingCommit {
  /** Hands the serialised response to the open transaction (null: roll back). */
  respond(response: { status: number; body: string } | null): void;
  /** Settles when the transaction has committed (or rolled back). */
  readonly committed: Promise<void>;
}

export interface RequestIdempotency {
  readonly key: string;
  readonly requestHash: string;
  /** The same request's fingerprint under the canonical JSON used before RFC 8785, where it differs. */
  readonly formerRequestHash: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly mode: IdempotencyMode;
  readonly ttlMs: number;
  /** The response is stored (or must not be): nothing left to do in onSend. */
  settled: boolean;
  pending: PendingCommit | null;
  /** Claim mode: the claim's lease, renewed until the response is stored or the key released. */
  lease: IdempotencyLease | null;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The stored response of an earlier request with the same key and body, to be sent again as it was. */
export class IdempotentReplay extends Error {
  override readonly name = 'IdempotentReplay';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super('Idempotent replay');
  }
}

/** Thrown inside the transaction to roll it back when the response is not a success. */
class RollBack extends Error {}

function outcomeOf(
  found: StoredIdempotency,
  fingerprints: readonly (string | undefined)[],
  retryAfterMs?: number,
): IdempotentReplay {
  if (!fingerprints.includes(found.requestHash)) {
    throw new ApiError(
      'API_IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used with a different request; use a new key for a new request',
    );
  }
  if (found.status === null || found.body === null) {
    throw new ApiError(
      'API_IDEMPOTENCY_IN_PROGRESS',
      'A request with this Idempotency-Key is still being processed',
      retryAfterMs !== undefined ? { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) } : {},
    );
  }
  return new IdempotentReplay(found.status, found.body);
}

/** Sends a stored response again, marked `Idempotent-Replayed: true`. */
export function sendReplay(reply: FastifyReply, replay: IdempotentReplay): FastifyReply {
  return reply
    .code(replay.status)
    .header('idempotent-replayed', 'true')
    .type(
      replay.status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
    )
    .send(replay.body);
}

/**
 * Runs `work` in a transaction of `tenant`; when the request carries an Idempotency-Key (transactional
 * mode), the key is claimed first in the same transaction and the transaction stays open until the
 * response is serialised (onSend), which is stored with it before the commit. A twin request that
 * finds the key already stored gets the stored response (or 422 for another body).
 */
export function transactionFor<T>(
  request: FastifyRequest,
  tenant: TenantStore,
  work: (tx: TenantTransaction) => Promise<T>,
): Promise<T> {
  const idem = request.idempotency;
  if (idem?.mode !== 'transactional' || idem.settled) return tenant.transaction(work);
  if (idem.pending !== null) throw new Error('Only one change per idempotent request can hold its response');
  return new Promise<T>((resolve, reject) => {
    let handedOver = false;
    let respond: PendingCommit['respond'] = () => {};
    const response = new Promise<{ status: number; body: string } | null>((r) => {
      respond = r;
    });
    const committed = tenant.transaction(
      async (tx) => {
        const found = await tx.claimIdempotent(idem);
        if (found) throw outcomeOf(found, [idem.requestHash, idem.formerRequestHash]);
        const result = await work(tx);
        handedOver = true;
        resolve(result);
        const sent = await response;
        if (sent === null) throw new RollBack();
        await tx.completeIdempotent(idem.key, sent.status, sent.body);
        // Once the result is handed to the handler, the response is built from it: never run `work` again.
      },
      { mayRetry: () => !handedOver },
    );
    idem.pending = { respond, committed };
    committed.catch((error: unknown) => {
      if (handedOver) return; // reported by onSend
      idem.pending = null;
      if (error instanceof IdempotentReplay) idem.settled = true;
      reject(error);
    });
  });
}

/**
 * `Idempotency-Key` on POST: the first request runs and its response (2xx or 4xx) is stored; a retry
 * with the same key and the same method, path and body gets the stored response back
 * (`Idempotent-Replayed: true`) without running again; the same key with another body is a 422. A 5xx
 * is not stored, so the client may retry it. Runs after validation, so a rejected body stores nothing.
 */
export function registerIdempotency(app: FastifyInstance, store: Store, ttlMs: number): void {
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST' || !request.auth) return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      throw new ApiError(
        'API_INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be 1–255 visible ASCII characters',
        {
          fields: [{ location: 'headers', path: 'idempotency-key', message: 'invalid' }],
        },
      );
    }
    const [currentHash, formerRequestHash] = requestFingerprints(
      `${request.method} ${request.url}`,
      request.body,
    );
    let requestHash = currentHash;
    const mode = request.routeOptions.config.idempotency ?? 'transactional';
    const tenant = store.forTenant(request.auth.tenantId);
    let lease: IdempotencyLease | null = null;
    if (mode === 'claim') {
      let begun = await tenant.beginIdempotent(key, requestHash, request.method, request.url, ttlMs);
      // A key claimed before the upgrade to RFC 8785 carries the former fingerprint of the same body.
      if (begun.state === 'mismatch' && formerRequestHash !== undefined) {
        begun = await tenant.beginIdempotent(key, formerRequestHash, request.method, request.url, ttlMs);
        if (begun.state !== 'mismatch') requestHash = formerRequestHash;
      }
      if (begun.state === 'mismatch') outcomeOf({ requestHash: '', status: null, body: null }, [requestHash]);
      if (begun.state === 'in_progress')
        outcomeOf({ requestHash, status: null, body: null }, [requestHash], begun.retryAfterMs);
      if (begun.state === 'replay') return sendReplay(reply, new IdempotentReplay(begun.status, begun.body));
      if (begun.state === 'new' && begun.takenOver)
        request.log.warn(
          { idempotencyKey: key },
          'took over an Idempotency-Key whose request died unfinished',
        );
      lease = keepIdempotencyLease(tenant, key);
    } else {
      // A finished twin is replayed without running the handler; the claim itself happens in the change.
      const found = await tenant.findIdempotent(key);
      if (found) return sendReplay(reply, outcomeOf(found, [requestHash, formerRequestHash]));
    }
    request.idempotency = {
      key,
      requestHash,
      formerRequestHash,
      method: request.method,
      path: request.url,
      mode,
      ttlMs,
      settled: false,
      pending: null,
      lease,
    };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem || idem.settled || !request.auth) return payload;
    idem.settled = true;
    idem.lease?.stop();
    // A 5xx, or any answer that says when to retry (a lock wait, the database away), is not the outcome.
    const storable = reply.statusCode < 500 && typeof payload === 'string' && !reply.hasHeader('retry-after');
    const redact = request.routeOptions.config.idempotencyStoredBody;
    const stored =
      storable && redact && reply.statusCode < 300 ? redact(payload as string) : (payload as string);
    const tenant = store.forTenant(request.auth.tenantId);
    if (idem.pending !== null) {
      const pending = idem.pending;
      idem.pending = null;
      const success = storable && reply.statusCode < 400;
      pending.respond(success ? { status: reply.statusCode, body: stored } : null);
      try {
        await pending.committed;
        return payload;
      } catch (error) {
        // The change rolled back: a failed commit is reported instead of the response; a 4xx is stored below.
        if (!(error instanceof RollBack)) throw error;
      }
    }
    if (idem.mode === 'claim') {
      if (storable) await tenant.completeIdempotent(idem.key, reply.statusCode, stored);
      else await tenant.releaseIdempotent(idem.key);
      return payload;
    }
    // No change held the key (a preview, or a 4xx): store the response in a transaction of its own.
    if (storable) {
      await tenant.transaction(async (tx) => {
        if ((await tx.claimIdempotent(idem)) === null)
          await tx.completeIdempotent(idem.key, reply.statusCode, stored);
      });
    }
    return payload;
  });
}
