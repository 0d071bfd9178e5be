import type { ApiKeyScope as Scope, Store } from '@billkit/db';
import { hashApiKey } from '@billkit/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bindCaller } from '../logger.js';
import { ApiError } from './problem.js';

/** Who is calling: the API key and its tenant. Every store access goes through `auth.tenantId`. */
export interface RequestAuth {
  readonly keyId: string;
  readonly tenantId: string;
  /** The tenant's change marker read with the key (see `Store.findApiKey`), if the store read it. */
  readonly changeMarker?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
  interface FastifyContextConfig {
    /** The scope a key must hold; omitted = `read` for GET, `write` otherwise. `none` = no auth. */
    scope?: Scope | 'none';
  }
}

/** `admin` implies `write` implies `read`. */
function grants(held: readonly Scope[], needed: Scope): boolean {
  if (held.includes('admin')) return true;
  if (needed === 'read') return held.includes('read') || held.includes('write');
  return held.includes(needed);
}

/** Fixed one-minute windows of failed authentications per client address. */
class FailureWindow {
  private readonly counts = new Map<string, { windowStart: number; count: number }>();
  constructor(private readonly limit: number) {}

  blocked(address: string, now: number): boolean {
    const entry = this.counts.get(address);
    return entry !== undefined && now - entry.windowStart < 60_000 && entry.count >= this.limit;
  }

  record(address: string, now: number): void {
    const entry = this.counts.get(address);
    if (!entry || now - entry.windowStart >= 60_000) this.counts.set(address, { windowStart: now, count: 1 });
    else entry.count += 1;
    if (this.counts.size > 10_000) this.counts.clear();
  }
}

/**
 * Bearer API-key authentication for every `/v1` route (except those with `config.scope: 'none'`), with
 * scope checks and a limit on failed attempts per client address: past it, a missing or wrong key is
 * answered 429 for the rest of the minute, a valid key still passes.
 */
export function registerAuth(app: FastifyInstance, store: Store, failureLimitPerMinute: number): void {
  const failures = new FailureWindow(failureLimitPerMinute);
  app.decorateRequest('auth', null);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!request.url.startsWith('/v1/')) return;
    const needed = request.routeOptions.config.scope ?? (request.method === 'GET' ? 'read' : 'write');
    if (needed === 'none') return;
    const now = Date.now();
    // Only failures are limited: a valid key is never refused here, whoever else shares its address
    // (request.ip is the client behind the proxies TRUST_PROXY names, not the proxy).
    const refuse = (message: string): never => {
      if (failures.blocked(request.ip, now)) {
        throw new ApiError(
          'API_RATE_LIMITED',
          'Too many failed authentication attempts; try again in a minute',
          {
            retryAfterSeconds: 60,
          },
        );
      }
      failures.record(request.ip, now);
      throw new ApiError('API_UNAUTHENTICATED', message);
    };
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return refuse('Send your API key as `Authorization: Bearer <key>`');
    const key = await store.findApiKey(hashApiKey(match[1]));
    if (!key || (key.expiresAt !== null && Date.parse(key.expiresAt) <= now)) {
      return refuse('The API key is invalid, expired or revoked');
    }
    request.auth = {
      keyId: key.id,
      tenantId: key.tenantId,
      ...(key.changeMarker !== undefined ? { changeMarker: key.changeMarker } : {}),
    };
    bindCaller(request.log, key.tenantId, key.prefix);
    if (!grants(key.scopes, needed)) {
      throw new ApiError('API_FORBIDDEN_SCOPE', `This API key lacks the '${needed}' scope`, {
        required: needed,
      });
    }
  });
}

/** The authenticated caller; routes behind auth can rely on it. */
export function authOf(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw new ApiError('API_UNAUTHENTICATED', 'Not authenticated');
  return request.auth;
}
