// Billing run at scale on MariaDB: seed N active subscriptions due for renewal (bulk INSERT … SELECT from
// MariaDB's sequence engine, cloning a few template subscriptions written through @billkit/db), then renew
// them all with 2 worker processes running the product's worker (billing-worker.mjs: `createWorker` from
// @billkit/workflows, one pass, batches claimed with leases). Reports invoices/s, total time, CPU per invoice
// (workers and MariaDB), each worker's peak RSS and RSS after its first and last batch, and proves with SQL
// that no subscription period was billed twice, that every claim was completed, that the invoice numbers are
// unique and gap-free (renewal invoices are drafts: they take none) and that the audit chain verifies.
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId, openStore } from '@billkit/db';
import { sampleRateTable } from '@billkit/tax';
import mariadb from 'mariadb';
import { mariadbReachable } from './api-server.mjs';
import { environment, peakRssMbOf, printEnvironment, printTable, root, round, writeResults } from './lib.mjs';

const TENANT = 'ten_bench_run';
const PERIOD_START = '2026-10-01T05:00:00.000Z';
const PERIOD_END = '2026-11-01T05:00:00.000Z';
const TEMPLATES = 100; // customers, each with one template subscription that is cloned

async function seed(url, database, count) {
  const store = await openStore({ url, migrate: true });
  const db = store.db;
  try {
    await db.tenants.create({ id: TENANT, name: 'Bench Hauler', defaultCurrency: 'USD' });
    const product = await db.products.save(TENANT, {
      id: newId('prod'),
      name: 'Residential pickup',
      taxCategory: 'general',
      active: true,
    });
    const prices = [];
    for (const unitAmount of [3499, 1250, 799]) {
      prices.push(
        await db.prices.save(TENANT, {
          id: newId('price'),
          productId: product.id,
          currency: 'USD',
          active: true,
          recurring: { interval: 'month', intervalCount: 1 },
          taxBehavior: 'exclusive',
          billingScheme: 'per_unit',
          unitAmount,
        }),
      );
    }
    for (let n = 0; n < Math.min(TEMPLATES, count); n++) {
      const customer = await db.customers.save(TENANT, {
        id: newId('cus'),
        name: `Household ${n}`,
        email: `household${n}@example.com`,
        currency: 'USD',
        timezone: 'America/Chicago',
        address: {
          line1: `${n} Maple St`,
          country: 'US',
          region: 'IL',
          county: 'Cook',
          city: 'Chicago',
          postalCode: '60601',
        },
        taxExempt: 'none',
        taxExemptions: [],
        taxIds: [],
        balance: 0,
      });
      await db.subscriptions.create(TENANT, {
        id: `sub_t${String(n).padStart(3, '0')}`,
        customerId: customer.id,
        currency: 'USD',
        status: 'active',
        items: prices.map((p, i) => ({ id: newId('si'), priceId: p.id, quantity: 1 + ((n + i) % 3) })),
        currentPeriodStart: PERIOD_START,
        currentPeriodEnd: PERIOD_END,
        billingCycleAnchor: PERIOD_START,
        trialStart: null,
        trialEnd: null,
        discounts: [],
        cancelAtPeriodEnd: false,
        canceledAt: null,
        endedAt: null,
        pausedAt: null,
        createdAt: PERIOD_START,
        periodsBilled: 1,
        pendingInvoiceItems: [],
        billedLines: [],
        latestInvoiceId: null,
        version: 0,
      });
    }
    // The tenant's tax rate table, as the API's PUT /v1/tax/rate-table stores it.
    const at = new Date().toISOString();
    await store.forTenant(TENANT).transaction((tx) =>
      tx.insert('tax_table', {
        id: 'tax_table',
        table: sampleRateTable,
        version: 1,
        createdAt: at,
        updatedAt: at,
      }),
    );
  } finally {
    await store.close();
  }
  // Clone the templates with plain SQL: subscription k (k ≥ templates) copies template k mod templates.
  const conn = await mariadb.createConnection({ host: '127.0.0.1', user: 'root', database });
  try {
    const columns = async (table) =>
      (
        await conn.query(
          'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
          [table],
        )
      ).map((r) => r.c);
    const subColumns = (await columns('Subscription')).filter((c) => c !== 'id');
    const itemColumns = (await columns('SubscriptionItem')).filter(
      (c) => c !== 'id' && c !== 'subscriptionId',
    );
    const list = (cols, prefix) => cols.map((c) => `${prefix}\`${c}\``).join(', ');
    const templates = Math.min(TEMPLATES, count);
    const chunk = 20_000;
    for (let from = templates; from < count; from += chunk) {
      const to = Math.min(count - 1, from + chunk - 1);
      await conn.query(
        `INSERT INTO Subscription (id, ${list(subColumns, '')})
         SELECT CONCAT('sub_c', LPAD(q.seq, 7, '0')), ${list(subColumns, 's.')}
         FROM seq_${from}_to_${to} q JOIN Subscription s ON s.id = CONCAT('sub_t', LPAD(q.seq MOD ${templates}, 3, '0'))`,
      );
      await conn.query(
        `INSERT INTO SubscriptionItem (id, subscriptionId, ${list(itemColumns, '')})
         SELECT CONCAT(i.id, '_', q.seq), CONCAT('sub_c', LPAD(q.seq, 7, '0')), ${list(itemColumns, 'i.')}
         FROM seq_${from}_to_${to} q JOIN SubscriptionItem i ON i.subscriptionId = CONCAT('sub_t', LPAD(q.seq MOD ${templates}, 3, '0'))`,
      );
    }
    const [{ n }] = await conn.query(
      "SELECT COUNT(*) AS n FROM Subscription WHERE tenantId = ? AND status = 'active' AND currentPeriodEnd <= ?",
      [TENANT, new Date(PERIOD_END)],
    );
    return Number(n);
  } finally {
    await conn.end();
  }
}

/** Whether the bench tenant's audit chain verifies (every event's hash, every link, up to the chain head). */
async function auditValid(url) {
  const store = await openStore({ url, migrate: false });
  try {
    const result = await store.forTenant(TENANT).verifyAudit();
    return result.valid ? 'yes' : `NO: ${result.reason}`;
  } finally {
    await store.close();
  }
}

/** Statements the server has run so far (all clients: `Questions`). */
async function statementsSoFar(conn) {
  const [row] = await conn.query("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number(row.Value);
}

/** CPU seconds (user + system) the local mariadbd has used so far, or null when it cannot be read. */
function mariadbCpuSeconds() {
  try {
    const pid = execFileSync('pidof', ['mariadbd'], { encoding: 'utf8' }).trim().split(/\s+/)[0];
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

function progressBar(total) {
  const tty = process.stdout.isTTY;
  const started = Date.now();
  let last = 0;
  return {
    update(done) {
      if (!tty || Date.now() - last < 200) return;
      last = Date.now();
      const width = 30;
      const filled = Math.round((done / total) * width);
      const rate = done / ((Date.now() - started) / 1000 || 1);
      process.stdout.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} renewed, ${Math.round(rate)} invoices/s `,
      );
    },
    end() {
      if (tty) process.stdout.write('\n');
    },
  };
}

export async function runBillingRunBench({
  subscriptions = 100_000,
  workers = 2,
  batchSize = 250,
  cpuProfileDir = null,
  exposeGc = false,
} = {}) {
  const env = environment();
  if (!mariadbReachable()) {
    console.log('MariaDB not reachable at 127.0.0.1:3306: skipping the billing-run benchmark');
    return { rows: [] };
  }
  const database = `billkit_bench_${randomBytes(4).toString('hex')}`;
  const url = `mysql://root@127.0.0.1:3306/${database}`;
  const admin = await mariadb.createConnection({ host: '127.0.0.1', user: 'root' });
  await admin.query(`CREATE DATABASE ${database}`);
  let rows;
  let checks;
  try {
    const seedStarted = Date.now();
    const due = await seed(url, database, subscriptions);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    console.log(`seeded ${due} due subscriptions in ${round(seedSeconds, 1)} s`);

    const statementsBefore = await statementsSoFar(admin);
    const dbCpuBefore = mariadbCpuSeconds();
    const bar = progressBar(due);
    const progress = new Map();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const workerId = `worker-${w + 1}`;
        const child = fork(
          join(root, 'bench/billing-worker.mjs'),
          [url, TENANT, PERIOD_END, workerId, String(batchSize)],
          {
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            // --cpu-prof DIR: each worker writes a V8 CPU profile there (open it in Chrome DevTools).
            execArgv: [
              ...(cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []),
              '--expose-gc',
            ],
            env: { ...process.env, ...(exposeGc ? { BILLING_WORKER_GC_EVERY_SAMPLE: '1' } : {}) },
          },
        );
        const samples = []; // RSS after each batch: flat memory means the last ≈ the first
        const heapSamples = [];
        let vmHwm = 0;
        return new Promise((resolve, reject) => {
          child.on('message', (m) => {
            vmHwm = Math.max(vmHwm, peakRssMbOf(child.pid) ?? 0);
            if (m.type === 'progress') {
              samples.push(m.rssMb);
              heapSamples.push(m.heapMb);
              progress.set(workerId, m.renewed);
              bar.update([...progress.values()].reduce((a, b) => a + b, 0));
            } else if (m.type === 'done') {
              resolve({
                workerId,
                ...m,
                vmHwm,
                samples,
                heapSamples,
                seconds: (performance.now() - started) / 1000,
              });
            }
          });
          child.once('exit', (code) => {
            if (code !== 0) reject(new Error(`${workerId} exited with ${code}`));
          });
        });
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const dbCpu = dbCpuBefore === null ? null : (mariadbCpuSeconds() ?? dbCpuBefore) - dbCpuBefore;
    const statements = (await statementsSoFar(admin)) - statementsBefore;
    bar.end();
    const renewed = results.reduce((a, r) => a + r.renewed, 0);
    rows = results.map((r) => ({
      worker: r.workerId,
      invoices: r.renewed,
      failed: r.failed,
      skipped: r.skipped,
      'taken over': r.takenOver,
      batches: r.batches,
      'invoices/s': round(r.renewed / r.seconds, 1),
      'peak RSS MB': Math.round(Math.max(r.maxRssMb, r.vmHwm)),
      'CPU s': round(r.cpuSeconds, 1),
      'RSS after 1st batch MB': Math.round(r.samples[0] ?? 0),
      'RSS after last batch MB': Math.round(r.samples.at(-1) ?? 0),
      'live heap after 1st / last batch MB': `${Math.round(r.heapSamples[0] ?? 0)} / ${Math.round(r.heapSamples.at(-1) ?? 0)}`,
    }));
    rows.push({
      worker: 'total',
      invoices: renewed,
      failed: results.reduce((a, r) => a + r.failed, 0),
      skipped: results.reduce((a, r) => a + r.skipped, 0),
      'taken over': results.reduce((a, r) => a + r.takenOver, 0),
      batches: results.reduce((a, r) => a + r.batches, 0),
      'invoices/s': round(renewed / seconds, 1),
      'peak RSS MB': '',
      'CPU s': round(
        results.reduce((a, r) => a + r.cpuSeconds, 0),
        1,
      ),
      'RSS after 1st batch MB': '',
      'RSS after last batch MB': '',
      'live heap after 1st / last batch MB': '',
    });

    const conn = await mariadb.createConnection({ host: '127.0.0.1', user: 'root', database });
    const one = async (sql, params = []) => Number(Object.values((await conn.query(sql, params))[0])[0]);
    checks = {
      'due subscriptions': due,
      'cycle invoices': await one(
        "SELECT COUNT(*) FROM Invoice WHERE tenantId = ? AND billingReason = 'subscription_cycle'",
        [TENANT],
      ),
      'subscription periods billed more than once': await one(
        `SELECT COUNT(*) FROM (SELECT subscriptionId, periodStart FROM Invoice WHERE tenantId = ?
         GROUP BY subscriptionId, periodStart HAVING COUNT(*) > 1) d`,
        [TENANT],
      ),
      'subscriptions without their invoice': await one(
        `SELECT COUNT(*) FROM Subscription s WHERE s.tenantId = ? AND NOT EXISTS
         (SELECT 1 FROM Invoice i WHERE i.subscriptionId = s.id AND i.periodStart = ?)`,
        [TENANT, new Date(PERIOD_END)],
      ),
      'draft cycle invoices': await one(
        "SELECT COUNT(*) FROM Invoice WHERE tenantId = ? AND billingReason = 'subscription_cycle' AND status = 'draft'",
        [TENANT],
      ),
      // Drafts take no number; any numbered invoice must be unique and the numbers gap-free.
      'numbers taken / distinct': `${await one('SELECT COUNT(number) FROM Invoice WHERE tenantId = ?', [TENANT])} / ${await one('SELECT COUNT(DISTINCT number) FROM Invoice WHERE tenantId = ?', [TENANT])}`,
      'number gaps': await one(
        `SELECT COALESCE(MAX(CAST(SUBSTRING(number, -6) AS UNSIGNED)) - MIN(CAST(SUBSTRING(number, -6) AS UNSIGNED)) + 1 - COUNT(*), 0)
         FROM Invoice WHERE tenantId = ? AND number IS NOT NULL`,
        [TENANT],
      ),
      'claims not completed': await one(
        'SELECT COUNT(*) FROM BillingRunClaim WHERE tenantId = ? AND completedAt IS NULL',
        [TENANT],
      ),
      'billing runs / renewed in them': `${await one('SELECT COUNT(*) FROM BillingRun WHERE tenantId = ?', [TENANT])} / ${await one('SELECT COALESCE(SUM(renewed), 0) FROM BillingRun WHERE tenantId = ?', [TENANT])}`,
      'audit events': await one('SELECT COUNT(*) FROM AuditEvent WHERE tenantId = ?', [TENANT]),
      'audit chain valid': await auditValid(url),
      'total s': round(seconds, 1),
      // The machine is shared: CPU time per invoice is steadier than wall time. MariaDB's figure is the
      // server's whole CPU time over the run (other clients' queries included, if any).
      'CPU ms/invoice workers + MariaDB': `${round((results.reduce((a, r) => a + r.cpuSeconds, 0) * 1000) / renewed, 2)} + ${dbCpu === null ? '?' : round((dbCpu * 1000) / renewed, 2)}`,
      // Like MariaDB's CPU time, counted server-wide: other clients' statements would be included.
      'statements per batch / per invoice': `${round(statements / Math.max(1, rows.at(-1).batches), 1)} / ${round(statements / renewed, 2)}`,
      'seed s': round(seedSeconds, 1),
    };
    await conn.end();
    printEnvironment(env);
    printTable(
      `Billing run on MariaDB: ${due} subscriptions, ${workers} worker processes (createWorker from @billkit/workflows), batches of ${batchSize}`,
      rows,
    );
    printTable('Billed exactly once (SQL over the run)', [checks]);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin.end();
  }
  writeResults('billing-run', {
    environment: env,
    subscriptions,
    workers,
    batchSize,
    path: 'createWorker',
    results: rows,
    checks,
  });
  return { rows, checks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  await runBillingRunBench({
    subscriptions: arg('--subscriptions', 100_000),
    batchSize: arg('--batch-size', 250),
    // --gc: workers collect garbage before every sample (by default only before the first and the last)
    exposeGc: process.argv.includes('--gc'),
    cpuProfileDir: process.argv.includes('--cpu-prof')
      ? process.argv[process.argv.indexOf('--cpu-prof') + 1]
      : null,
  });
}
