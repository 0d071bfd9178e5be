// Writes BENCHMARKS.md at the repo root from the latest bench/results/*.json (run after `pnpm bench:full`;
// `node bench/report.mjs` alone re-renders it). Figures are copied, never retyped by hand.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, round } from './lib.mjs';

const load = (name) => {
  const path = join(root, 'bench', 'results', `${name}.json`);
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};

function table(rows) {
  if (!rows || rows.length === 0) return '_not measured_\n';
  const columns = Object.keys(rows[0]);
  const esc = (v) => String(v ?? '').replaceAll('|', '\\|');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `| ${columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${columns.map((c) => esc(r[c])).join(' | ')} |`),
    '',
  ].join('\n');
}

const ran = (r) =>
  r
    ? `_${r.environment.date.slice(0, 16).replace('T', ' ')} UTC, commit \`${r.environment.commit}\`, load average ${
        r.environment.loadAverage?.join(' / ') ?? 'not recorded'
      } (1/5/15 min)._\n`
    : '';

const verdict = (ok) => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');

export function renderReport() {
  const engines = load('engines');
  const api = load('api');
  const writes = load('writes');
  const run = load('billing-run');
  const webhooks = load('webhooks');
  const webhooksMariadb = load('webhooks-mariadb');
  const profile = load('profile');
  const env = (engines ?? api ?? writes)?.environment;

  const invoiceBuild = engines?.results.find((r) => r.benchmark.startsWith('billing-core'));
  const preview = (db) => api?.results.find((r) => r.database === db && r.endpoint.includes('upcoming'));
  const ratio = (db) => api?.summary.find((s) => s.database === db)?.['preview p95 / healthz p95'];
  const apiWrite = writes?.results?.[0];
  const runTotal = run?.results?.find((r) => r.worker === 'total');
  const rss = [
    ...(api?.summary ?? []).map((s) => s['peak RSS MB']),
    writes?.summary?.[0]?.['API peak RSS MB'],
    webhooks?.summary?.['API peak RSS MB'],
    webhooksMariadb?.summary?.['API peak RSS MB'],
  ].filter((v) => typeof v === 'number');
  const runSeconds100k = run && runTotal ? Math.round(100_000 / runTotal['invoices/s']) : undefined;

  // Issue 20's targets ("Performance, round two"); ratios come from one run of one server.
  const writeRatio = writes?.summary?.[0]?.['API p95 / raw p95'];
  const cpuPerInvoice = (() => {
    const text = run?.checks?.['CPU ms/invoice workers + MariaDB'];
    if (typeof text !== 'string') return undefined;
    const [workers, db] = text.split('+').map((part) => Number(part.trim()));
    return Number.isFinite(workers) && Number.isFinite(db) ? { workers, db, total: workers + db } : undefined;
  })();
  const targets = [
    {
      measurement: 'Engines: 10-line invoice build, mean',
      target: '≤ 40 µs',
      measured: invoiceBuild ? `${invoiceBuild['mean µs']} µs` : '',
      status: verdict(invoiceBuild && invoiceBuild['mean µs'] <= 40),
    },
    ...['sqlite', 'mariadb'].map((db) => ({
      measurement: `API preview p95 / errors / ratio to /healthz p95 (${db})`,
      target: '≤ 20 ms, 0, ≤ 2.5',
      measured: preview(db) ? `${preview(db)['p95 ms']} ms, ${preview(db).errors}, ${ratio(db)}` : '',
      status: verdict(
        preview(db) && preview(db)['p95 ms'] <= 20 && preview(db).errors === 0 && ratio(db) <= 2.5,
      ),
    })),
    {
      measurement: 'API write path (MariaDB, 20 connections): p95, throughput',
      target: '≤ 200 ms, ≥ 150 changes/s',
      measured: apiWrite
        ? `${apiWrite['p95 ms']} ms, ${apiWrite['changes/s']} changes/s, ${apiWrite.errors} errors`
        : '',
      status: verdict(
        apiWrite && apiWrite['p95 ms'] <= 200 && apiWrite['changes/s'] >= 150 && apiWrite.errors === 0,
      ),
    },
    {
      measurement: 'Write path p95 / raw-driver floor p95 (same run)',
      target: '≤ 2',
      measured: writeRatio === undefined ? '' : String(writeRatio),
      status: verdict(writeRatio === undefined ? undefined : writeRatio <= 2),
    },
    {
      measurement: `Billing run, product worker (${run?.subscriptions ?? '?'} subscriptions measured)`,
      target: '≤ 1.0 ms CPU per invoice (workers + MariaDB); 100,000 in ≤ 60 s; billed once',
      measured: runTotal
        ? `${cpuPerInvoice ? `${round(cpuPerInvoice.total, 2)} ms (${cpuPerInvoice.workers} + ${cpuPerInvoice.db})` : '? ms'}; ${runTotal['invoices/s']} invoices/s (≈ ${runSeconds100k} s for 100,000); twice-billed periods: ${run.checks['subscription periods billed more than once']}`
        : '',
      status: verdict(
        runTotal &&
          cpuPerInvoice !== undefined &&
          cpuPerInvoice.total <= 1 &&
          runSeconds100k <= 60 &&
          run.checks['subscription periods billed more than once'] === 0,
      ),
    },
    ...[webhooks, webhooksMariadb].filter(Boolean).map((w) => {
      const hook = w.results?.[0];
      return {
        measurement: `Webhook send → invoice paid, p99 (${w.database})`,
        target: '≤ 50 ms',
        measured: hook ? `${hook['p99 ms']} ms over ${hook.events} events` : '',
        status: verdict(hook && hook['p99 ms'] <= 50 && hook.errors === 0),
      };
    }),
    {
      measurement: 'API peak RSS during the load tests',
      target: '≤ 200 MB',
      measured: rss.length ? `${Math.max(...rss)} MB (max over ${rss.length} runs)` : '',
      status: verdict(rss.length ? Math.max(...rss) <= 200 : undefined),
    },
  ];

  const md = `# Benchmarks

Figures anyone can rerun. Benchmarks are scripts that print tables and write the same figures as JSON under
\`bench/results/\`; this file is rendered from those JSON files by \`node bench/report.mjs\` (run at the end
of \`pnpm bench:full\`).

## How to run

| Command | Runs | Time |
| --- | --- | --- |
| \`pnpm bench\` | engines (tinybench) + the API read path on SQLite for 10 s | < 3 min (about 40 s here) |
| \`pnpm bench:full\` | everything below (MariaDB at 127.0.0.1:3306 as root; scratch \`billkit_bench_*\` databases are dropped after) | about 10 min here, with the 100,000-subscription billing run |
| \`pnpm --filter @billkit/bench bench:full -- --subscriptions N\` | the billing run sized to N subscriptions (default 100,000) | |
| \`node bench/<engines\\|api\\|writes\\|billing-run\\|webhooks\\|profile>.mjs\` | one benchmark (\`api.mjs --full\`, \`writes.mjs --duration S\`, \`billing-run.mjs --subscriptions N\`, \`webhooks.mjs --events N\`) | |

Machine: ${env ? `${env.cpus} cores (${env.cpuModel}), ${env.memoryGiB} GiB, ${env.platform}, Node ${env.node}` : 'unknown'}.
**This machine is shared**: 2 cores that also run the load generators and MariaDB (load averages of 1–3.5
during these runs, i.e. up to ~2 runnable processes per core). Every figure below is noisy and pessimistic;
each section states the commit and load average it ran with. Rerun on an idle machine before
comparing with the targets in earnest.

## Targets

${table(targets)}
## 1. Engines (in-process, one core)

${ran(engines)}
${table(engines?.results)}
## 2. API read path: upcoming-invoice preview and /healthz

autocannon, ${api?.connections ?? 50} connections, ${api?.durationSeconds ?? '?'} s per endpoint, against the real server (\`apps/api/src/main.ts\`, child process on loopback).

${ran(api)}
${table(api?.results)}
${table(api?.summary)}
## 3. API write path: subscription changes with proration (MariaDB)

\`POST /v1/subscriptions/{id}/change\` with \`always_invoice\` (subscription, invoice with proration lines and
audit events in one transaction), ${writes?.connections ?? 20} connections for ${writes?.durationSeconds ?? '?'} s over ${writes?.subscriptions ?? '?'} subscriptions,
each owned by one connection (so optimistic-concurrency 409s are not what is measured; any non-2xx counts
as an error). The raw floor writes, per change and in one transaction with the plain \`mariadb\` driver, the
rows the API was seen to write (row counts and \`version\` sums per table read from the database before and
after the HTTP run), with bodies copied from the API's own rows, at the same concurrency.

${ran(writes)}
${table(writes?.results)}
Rows per change, read from the database:

${table(Object.entries(writes?.rowsPerChange ?? {}).map(([t, v]) => ({ table: t, ...v })))}
${table(writes?.summary)}
## 4. Billing run at scale (MariaDB, 2 worker processes)

Seeded with bulk \`INSERT … SELECT\` from MariaDB's sequence engine (cloning ${'100'} template subscriptions
written through \`@billkit/db\`), then renewed by 2 child processes (\`bench/billing-worker.mjs\`), each with
${run?.inFlight ?? '?'} batches in flight: \`billingRun.claimDueSubscriptions\` (batches of ${run?.batchSize ?? '?'}) →
\`subscriptions.getMany\` → \`renewSubscription\` (billing-core, in memory) → \`billingRun.${run?.path ?? 'completeRenewals'}\`
(the whole batch in one transaction: multi-row inserts, invoice numbers from one counter update, the audit
chain extended once). Peak RSS is the max of the worker's \`process.resourceUsage().maxRSS\` and
\`/proc/<pid>/status\` VmHWM; the live heap after the first and the last batch shows whether memory stays flat.

${ran(run)}
${table(run?.results)}
Proof that nothing was billed twice (SQL after the run):

${table(run?.checks ? [run.checks] : undefined)}
## 5. Webhook latency

The API (child process, ${webhooks?.database ?? 'sqlite'}) configured with \`TILLED_BASE_URL\` and \`TILLED_*_BENCH\` credentials for the fake Tilled (in the bench
process); ${webhooks?.events ?? 1000} finalized invoices paid by ACH debit (open, intent \`processing\`), then each settled so the fake
sends a signed \`payment_intent.succeeded\`, ${webhooks?.inFlight ?? 5} at a time. Latency runs from the fake's send time (the \`t=\` of the
\`tilled-signature\` header, stamped just before the POST) to the moment the invoice's \`invoice.paid\` audit
event (committed with the invoice) is first seen by one watcher polling \`GET /v1/audit-events\` every 2 ms (so it
includes up to one poll round trip); every invoice is then read back as \`paid\`. The same run on MariaDB follows.

${ran(webhooks)}
${table(webhooks?.results)}
${webhooksMariadb ? `${ran(webhooksMariadb)}\n${table(webhooksMariadb.results)}` : ''}
## 6. Memory: API peak RSS (VmHWM of the server process) per load test

${table(
  [
    ...(api?.summary ?? []).map((s) => ({
      run: `read path (${s.database})`,
      'peak RSS MB': s['peak RSS MB'],
    })),
    writes ? { run: 'write path (mariadb)', 'peak RSS MB': writes.summary?.[0]?.['API peak RSS MB'] } : null,
    ...[webhooks, webhooksMariadb].map((w) =>
      w ? { run: `webhooks (${w.database})`, 'peak RSS MB': w.summary?.['API peak RSS MB'] } : null,
    ),
  ]
    .filter(Boolean)
    .map((r) => ({ ...r, 'target ≤ 200 MB': r['peak RSS MB'] <= 200 ? 'met' : 'not met' })),
)}
## Where the time goes

\`node --cpu-prof\` of the API server while autocannon drives \`GET /v1/invoices/upcoming\` (SQLite, 50
connections, ${profile?.durationSeconds ?? '?'} s; \`node bench/profile.mjs\`). ${profile ? `${profile.totalMs} ms of samples.` : ''}

${ran(profile)}
Top self time:

${table(profile?.self)}
Top inclusive time (self + callees; recursion counted once):

${table(profile?.inclusive)}
billkit's own code (files under \`apps/\` and \`packages/\`), self time:

${table(profile?.billkitSelf)}
billkit's own code, inclusive time:

${table(profile?.billkitInclusive)}
${readNotes()}`;
  writeFileSync(join(root, 'BENCHMARKS.md'), md);
  return md;
}

/** Hand-written closing notes (bench/NOTES.md) are appended as they are. */
function readNotes() {
  const path = join(root, 'bench', 'NOTES.md');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  renderReport();
  console.log(`written ${join(root, 'BENCHMARKS.md')}`);
}
