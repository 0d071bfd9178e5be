// Starts the real API server (apps/api/src/main.ts) as a child process on loopback, seeds a tenant
// with a 10-item subscription over HTTP, and reports the child's peak RSS. Used by the API benchmarks.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './lib.mjs';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const mariadb = (sql) =>
  execFileSync('mariadb', ['-h127.0.0.1', '-uroot', '-e', sql], { stdio: ['ignore', 'pipe', 'pipe'] });

export function mariadbReachable() {
  try {
    mariadb('SELECT 1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Start the API on `database` ('sqlite' | 'mariadb'); resolves once the bootstrap key is printed.
 * `nodeArgs` go to the server's node (e.g. `--cpu-prof`).
 */
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** The V8 old-space cap of the server, MB: the Dockerfile's `NODE_OPTIONS=--max-old-space-size`. */
export const API_HEAP_MB = 160;

export async function startApi(database, { nodeArgs = [] } = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'billkit-bench-'));
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    BOOTSTRAP_TENANT: 'bench',
    RATE_LIMIT_PER_MINUTE: '100000000',
  };
  let dbName;
  if (database === 'mariadb') {
    dbName = `billkit_bench_${randomBytes(4).toString('hex')}`;
    mariadb(`CREATE DATABASE ${dbName}`);
    env.DATABASE_URL_BILLING = `mysql://root@127.0.0.1:3306/${dbName}`;
    env.MIGRATE_ON_START = 'true';
  } else delete env.DATABASE_URL_BILLING;
  const child = spawn(
    process.execPath,
    // As the Dockerfile runs it: the built server on plain node, with the Dockerfile's heap cap.
    [
      ...nodeArgs,
      // BENCH_API_CPU_PROF=<dir>: any benchmark's server writes a CPU profile there on exit.
      ...(process.env.BENCH_API_CPU_PROF
        ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_API_CPU_PROF]
        : []),
      `--max-old-space-size=${API_HEAP_MB}`,
      ...(process.env.BENCH_API_SEMI_SPACE_MB
        ? [`--max-semi-space-size=${process.env.BENCH_API_SEMI_SPACE_MB}`]
        : []),
      join(root, 'apps/api/dist/main.js'),
    ],
    {
      cwd: join(root, 'apps/api'),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const key = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`API did not start in 60 s\n${out}\n${stderr}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /\(shown once\): (\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`API exited with ${code}\n${out}\n${stderr}`)));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    key,
    pid: child.pid,
    child,
    /** The scratch MariaDB database name (undefined on SQLite). */
    database: dbName,
    /** The SQLite file the server writes (the default `<DATA_DIR>/billing.db`; unused on MariaDB). */
    sqliteFile: join(dataDir, 'billing.db'),
    /** The bootstrap tenant, whose admin key is `key`. */
    tenant: env.BOOTSTRAP_TENANT,
    /**
     * CPU time (user + system) the server process has used so far, ms (from /proc, 10 ms ticks): on this
     * shared machine, CPU per operation is steadier than wall-clock latency.
     */
    cpuMs() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
    },
    /** Peak resident set size of the server process so far, MB (VmHWM). */
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) mariadb(`DROP DATABASE IF EXISTS ${dbName}`);
    },
  };
}

/** A JSON call that throws on any non-2xx answer. */
export function client(baseUrl, key) {
  return async (method, path, body) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/** A Chicago customer with a 10-item monthly subscription and a 15 % discount; returns its ids. */
export async function seedSubscription(call, rateTable) {
  await call('PUT', '/v1/tax/rate-table', rateTable);
  const customer = await call('POST', '/v1/customers', {
    currency: 'USD',
    name: 'Bench Customer',
    timezone: 'America/Chicago',
    address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postal_code: '60601' },
  });
  const product = await call('POST', '/v1/products', { name: 'Pickup', tax_category: 'general' });
  const prices = [];
  for (let i = 0; i < 10; i++) {
    prices.push(
      await call('POST', '/v1/prices', {
        product: product.id,
        currency: 'USD',
        billing_scheme: 'per_unit',
        unit_amount: 1500 + 250 * i,
        recurring: { interval: 'month' },
      }),
    );
  }
  const created = await call('POST', '/v1/subscriptions', {
    customer: customer.id,
    items: prices.map((p, i) => ({ price: p.id, quantity: 1 + (i % 3) })),
    start_at: '2026-03-01T06:00:00Z',
  });
  const discount = await call('POST', '/v1/discounts', {
    type: 'percentage',
    name: 'Senior',
    percent_off: '15',
    duration: { type: 'forever' },
  });
  await call('POST', `/v1/subscriptions/${created.subscription.id}/discounts`, { discount: discount.id });
  return { subscriptionId: created.subscription.id, prices, customerId: customer.id };
}
