import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { buildMetricsApp } from '../src/metrics.js';
import { backends } from './support/backends.js';
import { client, type Harness } from './support/harness.js';
import { TEST_METRICS_TOKEN } from './support/openapi-document.js';

// Store-independent: the first configured backend is enough.
const [backend] = backends();
if (!backend) throw new Error('no test backend configured (BILLKIT_TEST_BACKENDS)');

describe('/metrics on the public port without configuration', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await backend.start();
  }, 60_000);
  afterAll(async () => h?.close());

  it.each([
    ['no credentials', undefined],
    ["a tenant's admin API key", 'admin'],
  ] as const)('answers 404 to %s', async (_name, key) => {
    const response = await client(h.baseUrl, key ? h.keys[key] : undefined)('GET', '/metrics');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('API_ROUTE_NOT_FOUND');
  });
});

describe('/metrics on the public port with METRICS_TOKEN', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await backend.start({ env: { METRICS_TOKEN: TEST_METRICS_TOKEN } });
  }, 60_000);
  afterAll(async () => h?.close());

  it.each([
    ['no Authorization header', undefined],
    ["a tenant's admin API key", 'admin'],
    ['a wrong token', 'metrics-token-for-tests-0123456789abcdeX'],
  ])('refuses %s with 401 problem+json', async (_name, credential) => {
    const secret = credential === 'admin' ? h.keys.admin : credential;
    const response = await client(h.baseUrl, secret)('GET', '/metrics');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('API_UNAUTHENTICATED');
  });

  it('answers Prometheus text to the token, with the latency histogram by route', async () => {
    await client(h.baseUrl)('GET', '/healthz');
    const response = await client(h.baseUrl, TEST_METRICS_TOKEN)('GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(String(response.body)).toContain('http_request_duration_seconds_bucket');
    expect(String(response.body)).toContain('route="/healthz"');
  });
});

describe('the metrics listener (METRICS_PORT)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await backend.start();
  }, 60_000);
  afterAll(async () => h?.close());

  async function listen(token?: string): Promise<{ url: string; close(): Promise<void> }> {
    const metricsApp = buildMetricsApp(h.app.metrics, token === undefined ? {} : { METRICS_TOKEN: token });
    const url = await metricsApp.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => metricsApp.close() };
  }

  it("serves the API's metrics without a key, and nothing else", async () => {
    const listener = await listen();
    try {
      await client(h.baseUrl)('GET', '/healthz');
      const metrics = await fetch(`${listener.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain('route="/healthz"');
      expect((await fetch(`${listener.url}/v1/customers`)).status).toBe(404);
    } finally {
      await listener.close();
    }
  });

  it('asks for METRICS_TOKEN there too when it is set', async () => {
    const listener = await listen(TEST_METRICS_TOKEN);
    try {
      expect((await fetch(`${listener.url}/metrics`)).status).toBe(401);
      const authorized = await fetch(`${listener.url}/metrics`, {
        headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` },
      });
      expect(authorized.status).toBe(200);
      expect(await authorized.text()).toContain('http_request_duration_seconds');
    } finally {
      await listener.close();
    }
  });
});

describe('METRICS_TOKEN in the configuration', () => {
  it('refuses a short token without printing it', () => {
    let error: unknown;
    try {
      loadConfig({ METRICS_TOKEN: 'short-secret' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('METRICS_TOKEN: at least 32 characters');
    expect((error as ConfigError).message).not.toContain('short-secret');
  });
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the server started as operators run it (src/main.ts) with METRICS_PORT', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  let api: string;
  let metrics: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'billkit-metrics-main-'));
    const [port, metricsPort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${port}`;
    metrics = `http://127.0.0.1:${metricsPort}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        DATA_DIR: dir,
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    for (let waited = 0; ; waited += 200) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
      const ready = await fetch(`${metrics}/metrics`).catch(() => null);
      if (ready?.ok) break;
      if (waited > 45_000) throw new Error('the metrics port did not answer within 45 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('answers Prometheus text on the metrics port and 404 on the public one', async () => {
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
    const scraped = await fetch(`${metrics}/metrics`);
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toContain('route="/healthz"');
    expect(text).toContain('billkit_api_process_cpu_seconds_total');
    expect((await fetch(`${api}/metrics`)).status).toBe(404);
  });
});
