// biome-ignore-all lint/suspicious/noExplicitAny: test responses are read as loose JSON
import type { App } from '../../src/app.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/port.js';

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

/** Starts the real server on loopback over a fresh in-memory store with two tenants. */
export async function startMemory(options: StartOptions = {}): Promise<Harness> {
  const store = new MemoryStore();
  store.addTenant({ id: 'ten_a', name: 'Tenant A', defaultCurrency: 'USD' });
  store.addTenant({ id: 'ten_b', name: 'Tenant B', defaultCurrency: 'USD' });
  const keys = {
    read: store.addApiKey('ten_a', ['read']).secret,
    write: store.addApiKey('ten_a', ['write']).secret,
    admin: store.addApiKey('ten_a', ['admin']).secret,
    otherTenant: store.addApiKey('ten_b', ['admin']).secret,
  };
  const config = loadConfig({ LOG_LEVEL: 'silent', ...(options.env ?? {}) });
  const app = await buildApp({ config, store, logger: false, ...(options.appDeps ?? {}) });
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
    close: () => app.close(),
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
