// biome-ignore-all lint/suspicious/noExplicitAny: test responses are read as loose JSON

import type { ApiKeyScope as Scope, Store } from '@billkit/db';
import type { App } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { webhooksSettled } from '../../src/routes/webhooks.js';

export interface Harness {
  readonly app: App;
  readonly baseUrl: string;
  readonly store: Store;
  /** Keys of tenant A (`read`, `write`, `admin`) and tenant B (`admin`). */
  readonly keys: {
    readonly read: string;
    readonly write: string;
    readonly admin: string;
    readonly otherTenant: string;
  };
  readonly tenantA: string;
  readonly tenantB: string;
  /** Rewrites the data of one stored audit event, bypassing the API (tamper simulation). */
  tamperAudit(tenantId: string, seq: number, data: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly appDeps?: Partial<Parameters<typeof buildApp>[0]>;
}

/** What a test backend's store offers besides the port: tenants, keys and tampering. */
export interface SeedableStore extends Store {
  addTenant(record: { id: string; name: string; defaultCurrency: string }): void | Promise<void>;
  addApiKey(
    tenantId: string,
    scopes: readonly Scope[],
    name?: string,
  ): { id: string; secret: string } | Promise<{ id: string; secret: string }>;
  tamperAudit(tenantId: string, seq: number, data: Record<string, unknown>): void | Promise<void>;
}

/**
 * Starts the real server on loopback over `store` with two tenants (`ten_a` with read/write/admin keys,
 * `ten_b` with an admin key). `dispose` runs after the server closed (drop the scratch database).
 */
export async function startServer(
  store: SeedableStore,
  options: StartOptions = {},
  dispose: () => Promise<void> = async () => {},
): Promise<Harness> {
  await store.addTenant({ id: 'ten_a', name: 'Tenant A', defaultCurrency: 'USD' });
  await store.addTenant({ id: 'ten_b', name: 'Tenant B', defaultCurrency: 'USD' });
  const keys = {
    read: (await store.addApiKey('ten_a', ['read'])).secret,
    write: (await store.addApiKey('ten_a', ['write'])).secret,
    admin: (await store.addApiKey('ten_a', ['admin'])).secret,
    otherTenant: (await store.addApiKey('ten_b', ['admin'])).secret,
  };
  const config = loadConfig({ LOG_LEVEL: process.env.DEBUG_API_LOG ?? 'silent', ...(options.env ?? {}) });
  const app = await buildApp({
    config,
    store,
    logger: process.env.DEBUG_API_LOG !== undefined,
    ...(options.appDeps ?? {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}`,
    store,
    keys,
    tenantA: 'ten_a',
    tenantB: 'ten_b',
    tamperAudit: async (tenantId, seq, data) => store.tamperAudit(tenantId, seq, data),
    close: async () => {
      await app.close();
      await webhooksSettled();
      await store.close();
      await dispose();
    },
  };
}

export interface CallResult<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A tiny HTTP client: JSON in, JSON out, bearer key, optional Idempotency-Key. */
export function client(baseUrl: string, key?: string) {
  return async function call<T = Record<string, any>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<CallResult<T>> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : null;
    } catch {
      // not JSON (metrics, docs)
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  };
}
