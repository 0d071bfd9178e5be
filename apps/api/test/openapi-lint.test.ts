import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type OpenApiDocument,
  operationsOf,
  servedOpenApiDocument,
  TEST_METRICS_TOKEN,
} from './support/openapi-document.js';

const REDOCLY_BIN = join(
  dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
  'bin/cli.js',
);

interface LintProblem {
  readonly ruleId: string;
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly location: readonly { readonly pointer: string }[];
}

/** Runs `redocly lint --extends=recommended` over documents; its JSON report. */
function redoclyLint(files: readonly string[]): {
  totals: { errors: number; warnings: number };
  problems: LintProblem[];
} {
  const result = spawnSync(
    process.execPath,
    [REDOCLY_BIN, 'lint', '--extends=recommended', '--format=json', ...files],
    {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 60_000,
    },
  );
  if (result.stdout.trim() === '') throw new Error(`redocly lint printed no report: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// The operations endpoints are public and answer no client error (there is nothing to get wrong).
const PUBLIC = ['GET /healthz', 'GET /readyz', 'GET /openapi.json', 'POST /v1/webhooks/tilled'];

describe.each([
  ['the default configuration', {}],
  ['METRICS_TOKEN set (/metrics documented)', { METRICS_TOKEN: TEST_METRICS_TOKEN }],
])('the OpenAPI document under %s', (_name, env: Record<string, string>) => {
  let document: OpenApiDocument;
  let dir: string;

  beforeAll(async () => {
    document = await servedOpenApiDocument(env);
    dir = mkdtempSync(join(tmpdir(), 'billkit-openapi-lint-'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes Redocly recommended lint with no errors and no warning beyond public 4xx-less operations', () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const report = redoclyLint([file]);
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    const warnings = report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`);
    expect(warnings).toEqual(
      ['/healthz', '/readyz', '/openapi.json'].map(
        (path) => `operation-4xx-response #/paths/${path.replaceAll('/', '~1')}/get/responses`,
      ),
    );
  }, 60_000);

  it('declares a server', () => {
    expect(document.servers?.length).toBeGreaterThan(0);
  });

  it('gives every operation a unique camelCase operationId', () => {
    const operations = operationsOf(document);
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(
      operations.filter(([, o]) => !/^[a-z][A-Za-z0-9]*$/.test(o.operationId ?? '')).map(([n]) => n),
    ).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      Object.fromEntries(
        operations
          .filter(([n]) =>
            /^(POST \/v1\/customers|GET \/v1\/invoices|POST \/v1\/invoices\/\{id\}\/pay)$/.test(n),
          )
          .map(([n, o]) => [n, o.operationId]),
      ),
    ).toEqual({
      'POST /v1/customers': 'createCustomer',
      'GET /v1/invoices': 'listInvoices',
      'POST /v1/invoices/{id}/pay': 'payInvoice',
    });
  });

  it('declares security on every operation: none on the public ones, the API key on every /v1 one', () => {
    for (const [name, operation] of operationsOf(document)) {
      if (PUBLIC.includes(name)) expect(operation.security, name).toEqual([]);
      else if (name === 'GET /metrics') expect(operation.security, name).toEqual([{ metricsToken: [] }]);
      else expect(operation.security, name).toEqual([{ bearerAuth: [] }]);
    }
  });
});
