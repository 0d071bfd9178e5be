// TEMPORARY (scale-out helper): CPU per change (1 API, no contention) and per renewal (1 worker, no load).
import { execFileSync } from 'node:child_process';
import { it } from 'vitest';
import { createSubscription, pool, seedCatalog } from '../test/support/fixtures.js';
import { query } from '../test/support/mariadb.js';
import { startStack, TENANT_A } from '../test/support/stack.js';
import { cpuSecondsOf, startWorker } from '../test/support/worker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const db = () => cpuSecondsOf(Number(execFileSync('pidof', ['mariadbd'], { encoding: 'utf8' }).trim().split(/\s+/)[0]));

it('probe', async () => {
  const stack = await startStack('cpu-probe');
  try {
    const admin = stack.as('admin');
    const write = stack.as('write');
    const catalog = await seedCatalog(admin, 10);
    const subs = await pool(8, Array.from({ length: 60 }, (_, i) => () => createSubscription(admin, catalog, catalog.customerIds[i % 10]!, 1)));
    const results: Record<string, unknown> = {};
    for (const behavior of ['always_invoice', 'none'] as const) {
      const pid = stack.api.child.pid;
      const c0 = cpuSecondsOf(pid)!; const d0 = db()!; const t0 = Date.now();
      let ok = 0; let other = 0;
      await Promise.all(Array.from({ length: 6 }, async (_, u) => {
        const mine = subs.slice(u * 10, u * 10 + 10).map((s) => ({ ...s }));
        let q = 2;
        while (Date.now() - t0 < 10_000) {
          for (const s of mine) {
            const res = await write('POST', `/v1/subscriptions/${s.id}/change`, { items: [{ id: s.itemId, price: catalog.monthlyPriceId, quantity: q++ }], proration_behavior: behavior, expected_version: s.version });
            if (res.status === 200) { ok++; s.version = (res.body.subscription ?? res.body).version; } else other++;
          }
        }
      }));
      const secs = (Date.now() - t0) / 1000;
      const api = cpuSecondsOf(pid)! - c0; const d = db()! - d0;
      results[`changes ${behavior}`] = { ok, other, secs, perSecond: ok / secs, apiCpuMsPerChange: (api * 1000) / ok, mariadbCpuMsPerChange: (d * 1000) / ok };
    }
    const N = 600;
    const startAt = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await pool(8, Array.from({ length: N }, (_, i) => async () => {
      const r = await admin('POST', '/v1/subscriptions', { customer: catalog.customerIds[i % 10], items: [{ price: catalog.monthlyPriceId, quantity: 1 + (i % 3) }], start_at: startAt });
      if (r.status !== 201) throw new Error(r.text);
    }));
    for (const workersN of [1]) {
      const ws = Array.from({ length: workersN }, (_, i) => startWorker(`probe-${i}`, { ...stack.env, BILLKIT_WORKER_INTERVAL_MS: '1000', BILLKIT_WORKER_TASKS: 'renewals' }));
      for (const w of ws) for (let i = 0; i < 500 && !w.output().includes('"type":"started"'); i++) await sleep(20);
      const c0 = ws.map((w) => cpuSecondsOf(w.child.pid)!); const d0 = db()!; const t0 = Date.now();
      for (;;) {
        const [row] = await query<{ n: number }>(stack.db.name, "SELECT COUNT(*) AS n FROM Invoice WHERE tenantId = ? AND billingReason = 'subscription_cycle'", [TENANT_A]);
        if (Number(row?.n) >= N) break;
        await sleep(50);
      }
      const secs = (Date.now() - t0) / 1000;
      const cpu = ws.reduce((s, w, i) => s + cpuSecondsOf(w.child.pid)! - c0[i]!, 0); const d = db()! - d0;
      results[`renewals, ${workersN} worker`] = { renewals: N, secs, perSecond: N / secs, workerCpuMsPerRenewal: (cpu * 1000) / N, mariadbCpuMsPerRenewal: (d * 1000) / N };
      await Promise.all(ws.map((w) => w.stop()));
    }
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await stack.close();
  }
}, 400_000);
