import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@billkit/db';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface OpenApiOperation {
  readonly operationId?: string;
  readonly security?: readonly Record<string, readonly string[]>[];
}
export interface OpenApiDocument {
  readonly openapi: string;
  readonly servers?: readonly { url: string }[];
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
}

/** The document the API serves at `/openapi.json` under `env` (on a throwaway SQLite store). */
export async function servedOpenApiDocument(env: Record<string, string> = {}): Promise<OpenApiDocument> {
  const dir = mkdtempSync(join(tmpdir(), 'billkit-openapi-'));
  const store = await openStore({ url: `file:${join(dir, 'billing.db')}` });
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', ...env }), store, logger: false });
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`/openapi.json answered ${response.statusCode}`);
    return response.json<OpenApiDocument>();
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every operation of the document as `METHOD /path` with its object. */
export function operationsOf(document: OpenApiDocument): [string, OpenApiOperation][] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): [string, OpenApiOperation] => [
      `${method.toUpperCase()} ${path}`,
      operation,
    ]),
  );
}

/** A METRICS_TOKEN for tests (the config asks for 32 characters or more). */
export const TEST_METRICS_TOKEN = 'metrics-token-for-tests-0123456789abcdef';
