// biome-ignore-all lint/suspicious/noExplicitAny: responses are read as loose JSON
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency } from './support/consistency.js';
import { type Catalog, pool, seedCatalog } from './support/fixtures.js';
import { listAll } from './support/http.js';
import { query } from './support/mariadb.js';
import { LOG_DIR, REPO_ROOT } from './support/paths.js';
import { type Stack, startStack, TENANT_A } from './support/stack.js';
import { tally } from './support/summary.js';

// Three `billkit-worker` processes (packages/workflows, built) on one MariaDB share ~300 due subscription
// periods through leased claims. One is SIGKILLed in the middle of a batch (claims in hand, the batch not yet
// committed), another gets SIGTERM in the middle of one. Afterwards: every period billed exactly once, no claim
// left open, the killed worker's batch taken over after its lease, audit chains valid, SIGTERM exit 0.

const SUITE = 'workers';
const WORKER_BIN = `${REPO_ROOT}packages/workflows/dist/worker-cli.js`;
const SUBSCRIPTIONS = 300;
const LEASE_MS = 3_000;
const BATCH_SIZE = 20;
let stack: Stack;
let catalog: Catalog;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

function startWorker(id: string): WorkerProcess {
  const log = createWriteStream(`${LOG_DIR}workers-${id}.log`);
  const child = spawn(process.execPath, [WORKER_BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      ...stack.env,
      BILLKIT_WORKER_ID: id,
      BILLKIT_WORKER_INTERVAL_MS: '200',
      BILLKIT_WORKER_BATCH_SIZE: String(BATCH_SIZE),
      BILLKIT_WORKER_LEASE_MS: String(LEASE_MS),
      BILLKIT_WORKER_SHUTDOWN_TIMEOUT_MS: '20000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    log.write(chunk);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  return { id, child, exited, output: () => text };
}

/** A worker's open claims, split by whether their period already has its cycle invoice. */
async function openClaimsOf(workerId: string) {
  return query<{ id: string; billed: number }>(
    stack.db.name,
    `SELECT c.id, (i.id IS NOT NULL) AS billed FROM BillingRunClaim c
       LEFT JOIN Invoice i ON i.subscriptionId = c.subscriptionId AND i.cyclePeriodStart = c.periodStart
      WHERE c.workerId = ? AND c.completedAt IS NULL`,
    [workerId],
  );
}

/** How many claims the worker has completed (its periods billed and settled). */
async function completedBy(workerId: string): Promise<number> {
  const [row] = await query<{ n: number }>(
    stack.db.name,
    'SELECT COUNT(*) AS n FROM BillingRunClaim WHERE workerId = ? AND completedAt IS NOT NULL',
    [workerId],
  );
  return Number(row?.n ?? 0);
}

/**
 * Waits until the worker, after finishing `batches` batches, is in the middle of the next one: claims in
 * hand, not yet completed.
 */
async function midBatch(worker: WorkerProcess, batches: number, deadlineMs = 90_000) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const claims = await openClaimsOf(worker.id);
    const billed = claims.filter((c) => Number(c.billed) === 1);
    // A batch commits whole (its renewals, their invoices and the claims' completion in one transaction), so
    // a worker caught holding claims has renewed none of them yet, or is committing them right now.
    if (claims.length > 0 && (await completedBy(worker.id)) >= batches * BATCH_SIZE)
      return { claims, billed };
    if (Date.now() > deadline)
      throw new Error(`${worker.id} was never caught mid-batch:\n${worker.output()}`);
    await sleep(5);
  }
}

beforeAll(async () => {
  stack = await startStack('workers');
  catalog = await seedCatalog(stack.as('admin'), 30);
});

afterAll(async () => {
  await stack?.close();
});

describe('billkit-worker processes sharing one database', () => {
  it('3 workers, one SIGKILLed and one SIGTERMed mid-batch: every due period billed exactly once, no claim left open, audit valid', async () => {
    expect(existsSync(WORKER_BIN), `${WORKER_BIN} (pnpm build)`).toBe(true);
    const admin = stack.as('admin');
    // Started 40 days ago on a monthly price: exactly one renewal is due for each.
    const startAt = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const subs = await pool(
      8,
      Array.from({ length: SUBSCRIPTIONS }, (_, i) => async () => {
        const res = await admin('POST', '/v1/subscriptions', {
          customer: catalog.customerIds[i % catalog.customerIds.length],
          items: [{ price: catalog.monthlyPriceId, quantity: 1 + (i % 3) }],
          start_at: startAt,
        });
        if (res.status !== 201 && res.status !== 200)
          throw new Error(`POST /v1/subscriptions answered ${res.status}: ${res.text.slice(0, 300)}`);
        const sub = res.body.subscription ?? res.body;
        return { id: sub.id as string, periodEnd: sub.current_period_end as string };
      }),
    );
    expect(subs.every((s) => Date.parse(s.periodEnd) < Date.now())).toBe(true);

    const workers = ['rel-w1', 'rel-w2', 'rel-w3'].map(startWorker);
    const [w1, w2, w3] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
    try {
      // All three share the work; w1 is SIGKILLed in the middle of its second batch, w2 gets SIGTERM in the
      // middle of its third.
      const [killed, terminated] = await Promise.all([
        midBatch(w1, 1).then(async (state) => {
          w1.child.kill('SIGKILL');
          await w1.exited;
          return state;
        }),
        midBatch(w2, 2).then(async (state) => {
          w2.child.kill('SIGTERM');
          const code = await w2.exited;
          return { ...state, code, after: await openClaimsOf(w2.id) };
        }),
      ]);
      // SIGTERM: exit 0, its batch finished or released — nothing of it left open for the lease to free.
      expect(terminated.code, w2.output()).toBe(0);
      expect(terminated.after).toEqual([]);
      const stopped = w2
        .output()
        .split('\n')
        .filter((l) => l.includes('"type":"stopped"'))
        .map((l) => JSON.parse(l));
      expect(stopped).toHaveLength(1);

      // w3 finishes the work, taking w1's batch over once its lease runs out.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const [row] = await query<{ billed: number; open: number }>(
          stack.db.name,
          `SELECT (SELECT COUNT(*) FROM Invoice WHERE tenantId = ? AND billingReason = 'subscription_cycle') AS billed,
                  (SELECT COUNT(*) FROM BillingRunClaim WHERE completedAt IS NULL) AS open`,
          [TENANT_A],
        );
        if (Number(row?.billed) >= SUBSCRIPTIONS && Number(row?.open) === 0) break;
        if (Date.now() > deadline)
          throw new Error(`not done: ${JSON.stringify(row)}\n${w3.output().slice(-3000)}`);
        await sleep(200);
      }
      w3.child.kill('SIGTERM');
      expect(await w3.exited, w3.output()).toBe(0);

      // The killed worker's batch: its renewed periods completed, its unrenewed ones taken over and billed.
      const ids = killed.claims.map((c) => c.id);
      const fate = await query<{ id: string; workerId: string; attempts: number; completedAt: Date | null }>(
        stack.db.name,
        `SELECT id, workerId, attempts, completedAt FROM BillingRunClaim WHERE id IN (${ids.map(() => '?').join(', ')})`,
        ids,
      );
      const billedAtKill = new Set(killed.billed.map((c) => c.id));
      expect(fate.filter((c) => c.completedAt === null)).toEqual([]);
      // Renewed before the kill: completed where they were, by the sweep after the lease (nobody renews twice).
      for (const c of fate.filter((x) => billedAtKill.has(x.id))) expect(c.workerId).toBe('rel-w1');
      // Not renewed yet: taken over (attempts 2) by a surviving worker, which billed them.
      const takenOver = fate.filter((c) => !billedAtKill.has(c.id) && Number(c.attempts) >= 2);
      // A batch commits whole: a kill that landed just after its commit leaves every claim completed by
      // rel-w1 on its first attempt, with nothing to take over. Any other outcome needs a take-over.
      const committedBeforeKill = fate.every(
        (c) => c.workerId === 'rel-w1' && Number(c.attempts) < 2 && c.completedAt !== null,
      );
      if (!committedBeforeKill) expect(takenOver.length).toBeGreaterThan(0);
      for (const c of takenOver) expect(['rel-w2', 'rel-w3']).toContain(c.workerId);
      const [expired] = await query<{ n: number }>(
        stack.db.name,
        'SELECT COUNT(*) AS n FROM BillingRunClaim WHERE completedAt IS NULL AND leaseUntil < UTC_TIMESTAMP(3)',
      );
      expect(Number(expired?.n)).toBe(0);

      // Every period billed exactly once, counted from the API's invoices.
      const invoices = await listAll(admin, '/v1/invoices');
      let doubleBilled = 0;
      const missing: string[] = [];
      for (const s of subs) {
        const cycle = invoices.filter(
          (inv) => inv.subscription === s.id && inv.billing_reason === 'subscription_cycle',
        );
        const periods = new Map<number, number>();
        for (const inv of cycle) {
          const start = Date.parse(inv.period_start);
          periods.set(start, (periods.get(start) ?? 0) + 1);
        }
        for (const n of periods.values()) if (n > 1) doubleBilled += n - 1;
        if (periods.size !== 1 || !periods.has(Date.parse(s.periodEnd)))
          missing.push(`${s.id}: ${[...periods.keys()].map((t) => new Date(t).toISOString())}`);
      }
      const report = await checkConsistency(stack);
      tally(SUITE, {
        loadRequests: SUBSCRIPTIONS,
        loadSucceeded: SUBSCRIPTIONS - missing.length - doubleBilled,
        faultsInjected: 2,
        faultsSurvived: 2,
        doubleCharges: doubleBilled,
        lostWrites: missing.length,
        unbalancedInvoices: report.unbalanced.length,
        auditChainBreaks: report.chainBreaks.length,
      });
      expect(doubleBilled).toBe(0);
      expect(missing).toEqual([]);
      expect(report.unbalanced).toEqual([]);
      expect(report.chainBreaks).toEqual([]);
      expect(report.versionMismatches).toEqual([]);

      // Each of the three billed its share (its completed claims), and what they did is on record.
      for (const w of workers) expect(await completedBy(w.id), w.id).toBeGreaterThan(0);
      const runs = await listAll(admin, '/v1/billing-runs');
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.every((r) => r.failed === 0)).toBe(true);
      // The survivors report the take-over of w1's batch, unless that batch committed just before the kill
      // and left nothing to take over.
      const takenOverBy = (w: WorkerProcess) =>
        w
          .output()
          .split('\n')
          .filter((l) => l.includes('"type":"stopped"'))
          .map((l) => Number(JSON.parse(l).takenOver ?? 0))
          .reduce((a, b) => a + b, 0);
      if (committedBeforeKill) expect(takenOver).toEqual([]);
      else expect(takenOverBy(w2) + takenOverBy(w3)).toBeGreaterThan(0);
    } finally {
      for (const w of workers)
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
    }
  });
});
