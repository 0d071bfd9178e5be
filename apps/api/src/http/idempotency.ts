import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson } from '../canonical-json.js';
import type { Store } from '../store/port.js';
import { ApiError } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey: string | null;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST: the first request runs and its response (2xx or 4xx) is stored; a retry
 * with the same key and the same method, path and body gets the stored response back
 * (`Idempotent-Replayed: true`) without running again; the same key with another body is a 422. A 5xx
 * is not stored, so the client may retry it. Runs after validation, so a rejected body stores nothing.
 */
export function registerIdempotency(app: FastifyInstance, store: Store, ttlMs: number): void {
  app.decorateRequest('idempotencyKey', null);

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
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const tenant = store.forTenant(request.auth.tenantId);
    const begun = await tenant.beginIdempotent(key, requestHash, request.method, request.url, ttlMs);
    if (begun.state === 'mismatch') {
      throw new ApiError(
        'API_IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request; use a new key for a new request',
      );
    }
    if (begun.state === 'in_progress') {
      throw new ApiError(
        'API_IDEMPOTENCY_IN_PROGRESS',
        'A request with this Idempotency-Key is still being processed',
      );
    }
    if (begun.state === 'replay') {
      reply
        .code(begun.status)
        .header('idempotent-replayed', 'true')
        .type(
          begun.status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
        );
      return reply.send(begun.body);
    }
    request.idempotencyKey = key;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.idempotencyKey;
    if (key === null || !request.auth) return payload;
    request.idempotencyKey = null;
    const tenant = store.forTenant(request.auth.tenantId);
    if (reply.statusCode >= 500 || typeof payload !== 'string') await tenant.releaseIdempotent(key);
    else await tenant.completeIdempotent(key, reply.statusCode, payload);
    return payload;
  });
}
