// Webhook latency: the API (child process) configured for the fake Tilled (in this process), 1,000
// finalized invoices paid by ACH debit (the intent stays `processing`, the invoice `open`); each settlement
// makes the fake send a signed `payment_intent.succeeded`. Latency = from the fake's send time (the `t=`
// of its `tilled-signature`, stamped just before the POST) to the moment the invoice's `invoice.paid`
// audit event (committed with the invoice) is first seen by one watcher polling the audit trail in the
// database every 1 ms (so the figure includes up to one poll); each invoice is then read back paid over HTTP.
// @billkit/fake-tilled is TypeScript source: runWebhooksBench() re-runs this file under `--import tsx`.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  environment,
  percentileOf,
  printEnvironment,
  printTable,
  root,
  round,
  writeResults,
} from './lib.mjs';

const ACCOUNT = 'acct_bench';
const SECRET = 'whsec_bench';
const API_KEY = 'sk_bench';

export async function runWebhooksBench({ events = 1000, database = 'sqlite', inFlight = 5 } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(
      join(root, 'bench/webhooks.mjs'),
      ['--child', String(events), database, String(inFlight)],
      {
        cwd: join(root, 'apps/api'), // tsx is resolvable from apps/api
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    let result;
    child.on('message', (m) => {
      result = m;
    });
    child.once('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`webhook bench exited with ${code}`)),
    );
  });
}

async function measure(events, database, inFlight) {
  const env = environment();
  const { startFakeTilled } = await import('@billkit/fake-tilled');
  const { client, startApi } = await import('./api-server.mjs');
  const tilled = await startFakeTilled({ apiKey: API_KEY, accountId: ACCOUNT, webhookSecret: SECRET });
  process.env.TILLED_BASE_URL = tilled.url;
  process.env.TILLED_SECRET_KEY_BENCH = API_KEY;
  process.env.TILLED_ACCOUNT_ID_BENCH = ACCOUNT;
  process.env.TILLED_WEBHOOK_SECRET_BENCH = SECRET;
  const api = await startApi(database);
  tilled.setWebhookUrl(`${api.baseUrl}/v1/webhooks/tilled`);
  const call = client(api.baseUrl, api.key);
  let rows;
  let summary;
  try {
    const { sampleRateTable } = await import('@billkit/tax');
    const { snakeize } = await import('./lib.mjs');
    await call('PUT', '/v1/tax/rate-table', snakeize(JSON.parse(JSON.stringify(sampleRateTable))));
    const customer = await call('POST', '/v1/customers', {
      currency: 'USD',
      name: 'Bench Customer',
      timezone: 'America/Chicago',
      address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postal_code: '60601' },
    });
    const product = await call('POST', '/v1/products', { name: 'Bulk pickup', tax_category: 'general' });
    const price = await call('POST', '/v1/prices', {
      product: product.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 10000,
    });
    // 1,000 finalized invoices, paid by ACH: open, intent processing (setup, not measured).
    const pending = [];
    const prepare = async () => {
      while (pending.length < events) {
        const slot = pending.length;
        pending.push(null);
        const invoice = await call('POST', '/v1/invoices', {
          customer: customer.id,
          items: [{ price: price.id }],
        });
        await call('POST', `/v1/invoices/${invoice.id}/finalize`, {});
        const ach = tilled.seedPaymentMethod({ type: 'ach_debit' });
        const paid = await call('POST', `/v1/invoices/${invoice.id}/pay`, { payment_method: ach.id });
        if (paid.status !== 'open') throw new Error(`ACH payment left ${invoice.id} ${paid.status}`);
        pending[slot] = { invoiceId: invoice.id, intentId: paid.payment_intent };
      }
    };
    await Promise.all(Array.from({ length: 4 }, prepare));
    await tilled.deliveriesIdle();

    const latencies = [];
    let errors = 0;
    let next = 0;
    const sentAt = (intentId) => {
      const d = tilled.deliveries.find(
        (x) => x.type === 'payment_intent.succeeded' && x.objectId === intentId,
      );
      return d ? Number(/t=(\d+)/.exec(d.signature)?.[1]) : undefined;
    };
    // One watcher follows the tenant's audit trail in the database itself (the API records `invoice.paid`
    // in the transaction that marks the invoice paid, so it is visible exactly when the change is
    // committed), every millisecond, on a connection of its own: polling through the API loaded the
    // server being measured (each poll an authenticated request, several per event), so the figure
    // measured the watcher as much as the webhooks.
    const paidSeen = new Map(); // invoiceId → { at, resolve }
    const waitPaid = (invoiceId) =>
      new Promise((resolve) => {
        const known = paidSeen.get(invoiceId);
        if (known?.at !== undefined) resolve(known.at);
        else paidSeen.set(invoiceId, { resolve });
      });
    const trail = await auditTrail(api, database);
    let cursor = (await call('GET', '/v1/audit-events/verify')).checked;
    let watching = true;
    const watcher = (async () => {
      try {
        while (watching) {
          const rows = await trail.paidAfter(cursor);
          const now = Date.now();
          for (const row of rows) {
            cursor = Math.max(cursor, Number(row.seq));
            const waiting = paidSeen.get(row.entityId);
            if (waiting?.resolve) waiting.resolve(now);
            paidSeen.set(row.entityId, { at: now });
          }
          if (rows.length < 100) await new Promise((r) => setTimeout(r, 1));
        }
      } finally {
        await trail.close();
      }
    })();
    const started = performance.now();
    const cpuBefore = api.cpuMs();
    const lane = async () => {
      while (next < pending.length) {
        const { invoiceId, intentId } = pending[next++];
        tilled.settleAch(intentId, { outcome: 'succeeded' });
        const paidAt = await Promise.race([
          waitPaid(invoiceId),
          new Promise((r) => setTimeout(() => r(undefined), 10_000)),
        ]);
        const sent = sentAt(intentId);
        if (paidAt === undefined || sent === undefined) errors += 1;
        else latencies.push(paidAt - sent);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    const seconds = (performance.now() - started) / 1000;
    const cpuPerEvent = (api.cpuMs() - cpuBefore) / pending.length;
    watching = false;
    await watcher;
    // Not timed: every invoice the trail called paid reads back paid.
    for (const { invoiceId } of pending) {
      if ((await call('GET', `/v1/invoices/${invoiceId}`)).status !== 'paid') errors += 1;
    }
    const failedDeliveries = tilled.deliveries.filter((d) => !d.ok).length;
    rows = [
      {
        path: `payment_intent.succeeded → invoice paid (${database})`,
        events: latencies.length,
        'p50 ms': percentileOf(latencies, 50),
        'p90 ms': percentileOf(latencies, 90),
        'p99 ms': percentileOf(latencies, 99),
        'max ms': percentileOf(latencies, 100),
        'events/s': round(latencies.length / seconds, 1),
        // Both deliveries of a settlement (charge.succeeded, payment_intent.succeeded) and the watcher's polls.
        'API CPU ms/event': round(cpuPerEvent, 2),
        errors: errors + failedDeliveries,
      },
    ];
    summary = { 'API peak RSS MB': api.peakRssMb(), 'events in flight': inFlight };
  } finally {
    await api.stop();
    await tilled.close();
  }
  printEnvironment(env);
  printTable(
    `Webhook latency: fake Tilled send → invoice paid, ${events} events, ${inFlight} in flight`,
    rows,
  );
  printTable('Memory', [summary]);
  writeResults(database === 'sqlite' ? 'webhooks' : `webhooks-${database}`, {
    environment: env,
    events,
    database,
    inFlight,
    results: rows,
    summary,
  });
  return { rows, summary };
}

const PAID_AFTER =
  'SELECT seq, entityId FROM AuditEvent WHERE tenantId = ? AND seq > ? AND type = ? AND actor = ? ORDER BY seq LIMIT 100';

/** The bench tenant's `invoice.paid` audit events by the webhook after a seq, read from the API's database. */
async function auditTrail(api, database) {
  const params = (cursor) => [api.tenant, cursor, 'invoice.paid', 'webhook:tilled'];
  if (database === 'mariadb') {
    const { createConnection } = await import('mariadb');
    const connection = await createConnection({ host: '127.0.0.1', user: 'root', database: api.database });
    return {
      paidAfter: (cursor) => connection.query(PAID_AFTER, params(cursor)),
      close: () => connection.end(),
    };
  }
  // libsql, as @billkit/db opens the file (a reader in WAL mode never blocks the API's writes).
  const Database = createRequire(join(root, 'packages/db/package.json'))('libsql');
  const db = new Database(api.sqliteFile);
  const statement = db.prepare(PAID_AFTER);
  return {
    paidAfter: async (cursor) => statement.all(params(cursor)),
    close: async () => db.close(),
  };
}

if (process.argv.includes('--child')) {
  const [events, database, inFlight] = process.argv.slice(process.argv.indexOf('--child') + 1);
  const result = await measure(Number(events), database, Number(inFlight));
  process.send?.(result);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--events');
  await runWebhooksBench({
    events: i > 0 ? Number(process.argv[i + 1]) : 1000,
    database: process.argv.includes('--mariadb') ? 'mariadb' : 'sqlite',
    ...(process.argv.includes('--in-flight')
      ? { inFlight: Number(process.argv[process.argv.indexOf('--in-flight') + 1]) }
      : {}),
  });
}
