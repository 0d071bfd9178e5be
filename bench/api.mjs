// API benchmarks with autocannon against the real server on loopback:
// the upcoming-invoice preview (read/compute path) and GET /healthz in the same run.

import { sampleRateTable } from '@billkit/tax';
import autocannon from 'autocannon';
import { client, mariadbReachable, seedSubscription, startApi } from './api-server.mjs';
import { environment, printEnvironment, printTable, round, writeResults } from './lib.mjs';

/** The API speaks snake_case JSON: convert the sample table's keys (values are left alone). */
function snakeize(value) {
  if (Array.isArray(value)) return value.map(snakeize);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeize(v)]),
  );
}

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** `cpuMs`: the server's CPU time over the run, reported per request (steadier than latency on a shared machine). */
function row(name, database, result, cpuMs) {
  const errors = result.errors + result.timeouts + result.non2xx;
  return {
    endpoint: name,
    database,
    rps: Math.round(result.requests.average),
    'p50 ms': result.latency.p50,
    'p95 ms': percentile(result, 95),
    'p99 ms': result.latency.p99,
    errors,
    requests: result.requests.total,
    'API CPU µs/request': Math.round((1000 * cpuMs) / Math.max(result.requests.total, 1)),
  };
}

export async function runApiBench({ databases = ['sqlite'], durationSeconds = 10, connections = 50 } = {}) {
  const env = environment();
  const rows = [];
  const summary = [];
  for (const database of databases) {
    if (database === 'mariadb' && !mariadbReachable()) {
      console.log('MariaDB not reachable at 127.0.0.1:3306: skipping the MariaDB run');
      continue;
    }
    const api = await startApi(database);
    try {
      const call = client(api.baseUrl, api.key);
      const { subscriptionId } = await seedSubscription(
        call,
        snakeize(JSON.parse(JSON.stringify(sampleRateTable))),
      );
      const headers = { authorization: `Bearer ${api.key}` };
      const url = `${api.baseUrl}/v1/invoices/upcoming?subscription=${subscriptionId}`;
      await run({ url, headers, connections: 5, duration: 2 }); // warm-up
      let cpu = api.cpuMs();
      const preview = await run({ url, headers, connections, duration: durationSeconds });
      const previewCpu = api.cpuMs() - cpu;
      cpu = api.cpuMs();
      const health = await run({
        url: `${api.baseUrl}/healthz`,
        connections,
        duration: Math.max(3, durationSeconds / 2),
      });
      const healthCpu = api.cpuMs() - cpu;
      const previewRow = row('GET /v1/invoices/upcoming', database, preview, previewCpu);
      const healthRow = row('GET /healthz', database, health, healthCpu);
      rows.push(previewRow, healthRow);
      summary.push({
        database,
        'preview p95 / healthz p95': round(previewRow['p95 ms'] / Math.max(healthRow['p95 ms'], 0.01), 2),
        'peak RSS MB': api.peakRssMb(),
      });
    } finally {
      await api.stop();
    }
  }
  printEnvironment(env);
  printTable(`API read path: ${connections} connections, ${durationSeconds} s per endpoint`, rows);
  printTable('Ratio and memory', summary);
  writeResults('api', { environment: env, connections, durationSeconds, results: rows, summary });
  return { rows, summary };
}

/** autocannon reports p2.5/p50/p97.5/p99 of latency; p95 comes from its histogram. */
function percentile(result, p) {
  const histogram = result.latency;
  if (typeof histogram[`p${p}`] === 'number') return histogram[`p${p}`];
  // Interpolate between the reported percentiles (p90 and p97_5 in autocannon 8+).
  const lower = histogram.p90;
  const upper = histogram.p97_5;
  return round(lower + ((upper - lower) * (p - 90)) / 7.5, 2);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const full = process.argv.includes('--full');
  await runApiBench({
    databases: full ? ['sqlite', 'mariadb'] : ['sqlite'],
    durationSeconds: full ? 20 : 10,
  });
}
