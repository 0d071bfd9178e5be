// API write path on MariaDB: subscription changes with proration (POST /v1/subscriptions/{id}/change,
// always_invoice: subscription, invoice with proration lines and audit events in one transaction) under
// autocannon, then the raw floor: the same rows written by a plain `mariadb` driver script, one transaction
// per change, at the same concurrency. The rows a change writes are read from the database (row counts and
// touched rows per table before/after the HTTP run), not assumed.
import { createHash, randomBytes } from 'node:crypto';
import { sampleRateTable } from '@billkit/tax';
import autocannon from 'autocannon';
import mariadb from 'mariadb';
import { client, mariadbReachable, seedSubscription, startApi } from './api-server.mjs';
import {
  environment,
  percentileOf,
  printEnvironment,
  printTable,
  round,
  snakeize,
  writeResults,
} from './lib.mjs';

const PERIOD_START = Date.parse('2026-03-01T06:00:00Z');

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** autocannon reports p90 and p97.5; p95 is interpolated between them (as in api.mjs). */
function p95(latency) {
  return typeof latency.p95 === 'number'
    ? latency.p95
    : round(latency.p90 + ((latency.p97_5 - latency.p90) * 5) / 7.5, 2);
}

/**
 * Row counts per table, the sum of `version` where there is one (updates), else
 * the rows touched (updatedAt ≥ since: distinct rows, a lower bound on updates).
 */
async function snapshot(conn, since) {
  const tables = await conn.query(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
  );
  const withUpdatedAt = new Set(
    (
      await conn.query(
        "SELECT TABLE_NAME AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'updatedAt'",
      )
    ).map((r) => r.t),
  );
  const withVersion = new Set(
    (
      await conn.query(
        "SELECT TABLE_NAME AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME = 'version'",
      )
    ).map((r) => r.t),
  );
  const counts = {};
  const touched = {};
  const versions = {};
  for (const { t } of tables) {
    counts[t] = Number((await conn.query(`SELECT COUNT(*) AS n FROM \`${t}\``))[0].n);
    if (withVersion.has(t))
      versions[t] = Number((await conn.query(`SELECT SUM(version) AS n FROM \`${t}\``))[0].n);
    else if (withUpdatedAt.has(t))
      touched[t] = Number(
        (await conn.query(`SELECT COUNT(*) AS n FROM \`${t}\` WHERE updatedAt >= ?`, [since]))[0].n,
      );
  }
  return { counts, touched, versions };
}

/** Per change: rows inserted and rows updated per table. */
function rowsPerChange(before, after, changes) {
  const profile = {};
  for (const key of new Set([...Object.keys(before.counts), ...Object.keys(after.counts)])) {
    const inserted = (after.counts[key] ?? 0) - (before.counts[key] ?? 0);
    const updated =
      key in after.versions
        ? (after.versions[key] ?? 0) - (before.versions[key] ?? 0)
        : Math.max(0, (after.touched[key] ?? 0) - Math.max(inserted, 0));
    if (inserted !== 0 || updated !== 0)
      profile[key] = { inserted: round(inserted / changes, 2), updated: round(updated / changes, 2) };
  }
  return profile;
}

/** Multi-row INSERT of `rows` (objects with the same keys) into `table`. */
async function insertRows(conn, table, rows) {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await conn.query(
    `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`,
    rows.flatMap((row) => columns.map((c) => row[c])),
  );
}

const freshId = (prefix) => `${prefix}_raw${randomBytes(10).toString('hex')}`;

/** The tables the raw floor writes, as the profile names them. */
const RAW_WRITES = [
  'Subscription',
  'SubscriptionItem',
  'SubscriptionDiscount',
  'Invoice',
  'InvoiceLine',
  'InvoiceLineTax',
  'InvoiceLineDiscount',
  'AuditEvent',
];

/**
 * The raw floor: one transaction per change with the plain driver, writing the rows an API change was
 * seen to write, with contents cloned from the API's own rows (the newest proration invoice with its lines,
 * line taxes and line discounts; each subscription's own items and discounts), as a
 * hand-written data layer would: the subscription row updated under its version check, its items and
 * discounts replaced, the invoice and its children inserted with one multi-row INSERT per table, and the
 * audit events appended to the tenant's hash chain under its chain-head row lock (as @billkit/db does).
 * Runs `connections` loops for `durationSeconds`.
 */
async function rawFloor({ database, profile, subscriptionIds, connections, durationSeconds }) {
  const pool = mariadb.createPool({
    host: '127.0.0.1',
    user: 'root',
    database,
    connectionLimit: connections,
    timezone: 'Z',
  });
  const unsupported = Object.keys(profile).filter((k) => !RAW_WRITES.includes(k));
  const auditInserts = Math.round(profile.AuditEvent?.inserted ?? 0);
  const invoices = Math.round(profile.Invoice?.inserted ?? 0);
  const [invoice] = await pool.query(
    "SELECT * FROM Invoice WHERE billingReason = 'subscription_update' ORDER BY createdAt DESC, id DESC LIMIT 1",
  );
  const lines = await pool.query('SELECT * FROM InvoiceLine WHERE invoiceId = ? ORDER BY position', [
    invoice.id,
  ]);
  const lineIds = lines.map((l) => l.id);
  const taxes = await pool.query(
    `SELECT * FROM InvoiceLineTax WHERE invoiceLineId IN (${lineIds.map(() => '?').join(', ')})`,
    lineIds,
  );
  const lineDiscounts = await pool.query(
    `SELECT * FROM InvoiceLineDiscount WHERE invoiceLineId IN (${lineIds.map(() => '?').join(', ')})`,
    lineIds,
  );
  const auditTemplates = await pool.query(
    'SELECT tenantId, type, actor, entityType, entityId, data FROM AuditEvent ORDER BY seq DESC LIMIT ?',
    [Math.max(auditInserts, 1)],
  );
  const tenantId = invoice.tenantId;
  const children = new Map();
  for (const id of subscriptionIds) {
    children.set(id, {
      items: await pool.query('SELECT * FROM SubscriptionItem WHERE subscriptionId = ? ORDER BY position', [
        id,
      ]),
      discounts: await pool.query(
        'SELECT * FROM SubscriptionDiscount WHERE subscriptionId = ? ORDER BY position',
        [id],
      ),
    });
  }
  const latencies = [];
  let errors = 0;
  const deadline = Date.now() + durationSeconds * 1000;
  const loop = async (slot) => {
    const mine = subscriptionIds.filter((_, i) => i % connections === slot);
    let k = 0;
    while (Date.now() < deadline) {
      const id = mine[k++ % mine.length];
      const started = performance.now();
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        const now = new Date();
        const invoiceId = freshId('in');
        const [sub] = await conn.query('SELECT version FROM Subscription WHERE tenantId = ? AND id = ?', [
          tenantId,
          id,
        ]);
        const updated = await conn.query(
          'UPDATE Subscription SET version = ?, latestInvoiceId = ?, updatedAt = ? WHERE tenantId = ? AND id = ? AND version = ?',
          [sub.version + 1, invoiceId, now, tenantId, id, sub.version],
        );
        if (updated.affectedRows !== 1) throw new Error('version conflict');
        const own = children.get(id);
        await conn.query('DELETE FROM SubscriptionItem WHERE subscriptionId = ? AND tenantId = ?', [
          id,
          tenantId,
        ]);
        await conn.query('DELETE FROM SubscriptionDiscount WHERE subscriptionId = ? AND tenantId = ?', [
          id,
          tenantId,
        ]);
        await insertRows(conn, 'SubscriptionItem', own.items);
        await insertRows(conn, 'SubscriptionDiscount', own.discounts);
        for (let n = 0; n < invoices; n++) {
          const thisInvoice = n === 0 ? invoiceId : freshId('in');
          await insertRows(conn, 'Invoice', [
            { ...invoice, id: thisInvoice, subscriptionId: id, createdAt: now, updatedAt: now },
          ]);
          const lineIdOf = new Map(lines.map((l) => [l.id, freshId('il')]));
          await insertRows(
            conn,
            'InvoiceLine',
            lines.map((l) => ({ ...l, id: lineIdOf.get(l.id), invoiceId: thisInvoice })),
          );
          await insertRows(
            conn,
            'InvoiceLineTax',
            taxes.map((t) => ({ ...t, id: freshId('ilt'), invoiceLineId: lineIdOf.get(t.invoiceLineId) })),
          );
          await insertRows(
            conn,
            'InvoiceLineDiscount',
            lineDiscounts.map((d) => ({
              ...d,
              id: freshId('ild'),
              invoiceLineId: lineIdOf.get(d.invoiceLineId),
            })),
          );
        }
        if (auditInserts > 0) {
          const [head] = await conn.query(
            'SELECT seq, hash FROM AuditChainHead WHERE tenantId = ? FOR UPDATE',
            [tenantId],
          );
          let seq = Number(head.seq);
          let prevHash = head.hash;
          const events = [];
          for (let i = 0; i < auditInserts; i++) {
            const t = auditTemplates[i % auditTemplates.length];
            seq += 1;
            const hash = createHash('sha256').update(`${prevHash}|${seq}|${t.type}|${t.data}`).digest('hex');
            events.push({ ...t, id: freshId('aud'), seq, occurredAt: now, prevHash, hash });
            prevHash = hash;
          }
          await insertRows(conn, 'AuditEvent', events);
          await conn.query('UPDATE AuditChainHead SET seq = ?, hash = ? WHERE tenantId = ?', [
            seq,
            prevHash,
            tenantId,
          ]);
        }
        await conn.commit();
        latencies.push(performance.now() - started);
      } catch (error) {
        errors += 1;
        if (errors === 1) console.error(`raw floor: ${error.message}`);
        await conn.rollback().catch(() => {});
      } finally {
        conn.release();
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, slot) => loop(slot)));
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return { latencies, errors, seconds, unsupported };
}

export async function runWritesBench({ subscriptions = 200, connections = 20, durationSeconds = 20 } = {}) {
  const env = environment();
  if (!mariadbReachable()) {
    console.log('MariaDB not reachable at 127.0.0.1:3306: skipping the write-path benchmark');
    return { rows: [] };
  }
  const api = await startApi('mariadb');
  let rows;
  let summary;
  let profile;
  let peakRssMb;
  try {
    const call = client(api.baseUrl, api.key);
    const seeded = await seedSubscription(call, snakeize(JSON.parse(JSON.stringify(sampleRateTable))));
    const template = await call('GET', `/v1/subscriptions/${seeded.subscriptionId}`);
    const discountId = template.discounts[0]?.discount?.id;
    // Many subscriptions, each owned by one connection: no two requests race for one subscription.
    const subs = [{ id: template.id, items: template.items }];
    for (let i = 1; i < subscriptions; i++) {
      const created = await call('POST', '/v1/subscriptions', {
        customer: seeded.customerId,
        items: template.items.map((item) => ({ price: item.price, quantity: item.quantity })),
        start_at: '2026-03-01T06:00:00Z',
        ...(discountId ? { discounts: [discountId] } : {}),
      });
      subs.push({ id: created.subscription.id, items: created.subscription.items });
    }
    const state = subs.map(() => ({ changes: 0 }));
    let nextSlot = 0;
    const request = {
      method: 'POST',
      headers: { authorization: `Bearer ${api.key}`, 'content-type': 'application/json' },
      setupRequest(req, context) {
        context.slot ??= nextSlot++ % connections;
        context.turn = (context.turn ?? 0) + 1;
        const mine = Math.floor((subs.length - 1 - context.slot) / connections) + 1;
        const index = context.slot + connections * (context.turn % mine);
        const sub = subs[index];
        const s = state[index];
        s.changes += 1;
        // Every change a minute after the previous one, inside the March period; quantity of item 0 flips.
        const prorationDate = new Date(PERIOD_START + 86_400_000 + s.changes * 60_000).toISOString();
        const items = sub.items.map((item, i) => ({
          id: item.id,
          price: item.price,
          quantity: i === 0 ? 1 + (s.changes % 2) * 4 : item.quantity,
        }));
        return {
          ...req,
          path: `/v1/subscriptions/${sub.id}/change`,
          body: JSON.stringify({
            items,
            proration_behavior: 'always_invoice',
            proration_date: prorationDate,
          }),
        };
      },
    };
    const options = { url: api.baseUrl, connections, requests: [request] };
    await run({ ...options, duration: 2 }); // warm-up
    const conn = await mariadb.createConnection({ host: '127.0.0.1', user: 'root', database: api.database });
    const since = new Date(Date.now() - 1000);
    await new Promise((r) => setTimeout(r, 1100));
    const before = await snapshot(conn, since);
    const sinceMeasured = new Date();
    const result = await run({ ...options, duration: durationSeconds });
    const after = await snapshot(conn, sinceMeasured);
    await conn.end();
    const ok = result['2xx'];
    profile = rowsPerChange({ ...before, touched: {} }, after, ok);
    peakRssMb = api.peakRssMb();
    const errors = result.errors + result.timeouts + result.non2xx;
    const apiRow = {
      writer: 'API (HTTP → Fastify → workflows → db → mariadb driver)',
      'changes/s': round(ok / durationSeconds, 1),
      'p50 ms': result.latency.p50,
      'p95 ms': p95(result.latency),
      'p99 ms': result.latency.p99,
      errors,
      changes: ok,
    };
    // Requests autocannon gave up on at the deadline may still be committing: let them finish first.
    await new Promise((r) => setTimeout(r, 2000));
    const raw = await rawFloor({
      database: api.database,
      profile,
      subscriptionIds: subs.map((s) => s.id),
      connections,
      durationSeconds,
    });
    const rawRow = {
      writer: 'raw floor (mariadb driver, 1 txn each)',
      'changes/s': round(raw.latencies.length / raw.seconds, 1),
      'p50 ms': round(percentileOf(raw.latencies, 50), 2),
      'p95 ms': round(percentileOf(raw.latencies, 95), 2),
      'p99 ms': round(percentileOf(raw.latencies, 99), 2),
      errors: raw.errors,
      changes: raw.latencies.length,
    };
    rows = [apiRow, rawRow];
    summary = [
      {
        'API p95 / raw p95': round(apiRow['p95 ms'] / Math.max(rawRow['p95 ms'], 0.01), 2),
        'raw throughput / API throughput': round(
          rawRow['changes/s'] / Math.max(apiRow['changes/s'], 0.01),
          2,
        ),
        'API peak RSS MB': peakRssMb,
        'not replicated in raw': raw.unsupported.join(', ') || 'none',
      },
    ];
    printEnvironment(env);
    printTable(
      `API write path on MariaDB: POST /v1/subscriptions/{id}/change (always_invoice), ${connections} connections, ${durationSeconds} s, ${subscriptions} subscriptions`,
      rows,
    );
    printTable(
      'Rows written per change (read from the database after the HTTP run)',
      Object.entries(profile).map(([table, v]) => ({ table, ...v })),
    );
    printTable('Overhead over the raw floor', summary);
  } finally {
    await api.stop();
  }
  writeResults('writes', {
    environment: env,
    connections,
    durationSeconds,
    subscriptions,
    results: rows,
    rowsPerChange: profile,
    summary,
  });
  return { rows, summary, peakRssMb };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  await runWritesBench({
    durationSeconds: arg('--duration', 20),
    subscriptions: arg('--subscriptions', 200),
    connections: arg('--connections', 20),
  });
}
