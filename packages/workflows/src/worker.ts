// Workers: billing runs and dunning on a schedule, shared by any number of processes through leased claims.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type BillingRunClaim,
  type BillingRunRecord,
  type DbStore,
  DEFAULT_CLAIM_LEASE_MS,
} from '@billkit/db';
import { finishRun, recordFailure, renewClaimedBatch, startRun } from './billing-runs.js';
import { type BillingOptions, type Deps, type OperationContext, resolveDeps } from './context.js';
import { dunningOperations } from './dunning.js';

/** Options of {@link createWorker}: createBilling's, plus the schedule and the share of the work. */
export interface WorkerOptions extends Omit<BillingOptions, 'db'> {
  /** billing_db's store (`await openStore({ url })`): the claims live in its `BillingRunClaim` table. */
  readonly db: DbStore;
  /** Only these tenants (default: every tenant in billing_db, listed again on each pass). */
  readonly tenants?: readonly string[];
  /** Pause between passes, ms (default 60 000). A pass drains every due period before it pauses. */
  readonly intervalMs?: number;
  /**
   * Periods claimed at once (default 250, at most 1000): they are renewed in one transaction, so a larger
   * batch costs less per period; it is also what a worker killed mid-batch leaves to its lease.
   */
  readonly batchSize?: number;
  /**
   * How long a batch's claims are this worker's, ms (default: db's `DEFAULT_CLAIM_LEASE_MS`, 5 minutes),
   * extended every third of it while the batch runs. A worker that dies leaves its batch to others after
   * this long. The workers' clocks must agree to well within it.
   */
  readonly leaseMs?: number;
  /** Names this worker in its claims and audit events (default `<hostname>:<pid>:<random>`). Unique per process. */
  readonly workerId?: string;
  /** Which due work to do (default: both). */
  readonly tasks?: { readonly renewals?: boolean; readonly dunning?: boolean };
  /**
   * Stops the worker: no new claim is made, a batch already being renewed finishes (its renewals are
   * written in one transaction), a batch claimed but not yet started is released at once (another worker may
   * take it without waiting for the lease), and `run()` resolves.
   */
  readonly signal?: AbortSignal;
  /** What the worker did, for logs and metrics. Must not throw. */
  readonly onEvent?: (event: WorkerEvent) => void;
}

/** What a worker reports through `onEvent`. */
export type WorkerEvent =
  | {
      readonly type: 'batch';
      readonly tenantId: string;
      /** Claims of the batch; `takenOver` of them were another worker's whose lease ran out. */
      readonly claimed: number;
      readonly takenOver: number;
      readonly renewed: number;
      /** Claims whose period turned out renewed already (by another holder) or no longer due. */
      readonly skipped: number;
      /** Renewals that failed: their claims stay until the lease runs out, then any worker retries. */
      readonly failed: number;
      /** Claims given back unbilled (the worker is stopping). */
      readonly released: number;
      /** The `billing_run` record of the batch (null when it renewed and failed nothing). */
      readonly billingRunId: string | null;
    }
  | {
      readonly type: 'dunning';
      readonly tenantId: string;
      readonly considered: number;
      readonly retried: number;
      readonly uncollectible: number;
    }
  | {
      readonly type: 'error';
      readonly tenantId: string | null;
      readonly task: 'renewals' | 'dunning' | 'tenants' | 'lease';
      readonly code: string;
      readonly message: string;
    };

/** What a worker did so far (all passes), or in one pass. */
export interface WorkerTotals {
  passes: number;
  claimed: number;
  takenOver: number;
  renewed: number;
  skipped: number;
  failed: number;
  released: number;
  dunningRetried: number;
  errors: number;
}

export interface Worker {
  /** This worker's id, as written in its claims (`workerId`) and audit events (`requestId`). */
  readonly id: string;
  /**
   * Runs passes until `signal` aborts, pausing `intervalMs` between them; resolves once the batch in hand
   * is finished or released. A failing tenant or task is reported (`onEvent` `error`) and retried next pass.
   */
  run(): Promise<WorkerTotals>;
  /** One pass over the tenants: renew every due period (batch by batch), then a dunning pass. For cron-style hosts. */
  runOnce(): Promise<WorkerTotals>;
}

const ACTOR = 'system:worker';

const emptyTotals = (): WorkerTotals => ({
  passes: 0,
  claimed: 0,
  takenOver: 0,
  renewed: 0,
  skipped: 0,
  failed: 0,
  released: 0,
  dunningRetried: 0,
  errors: 0,
});

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  return value;
}

/**
 * A worker: renews every due subscription period and runs dunning, tenant by tenant, on a schedule. Any
 * number of workers (threads of one host, processes, machines) can share one billing_db: each claims a batch
 * of due periods with a lease (db's `billingRun.claimDueSubscriptions`), renews the batch (the same renewal
 * as `billingRuns.create`, computed for the whole batch and written in ONE transaction with the claims
 * completed; see billing-runs' `renewClaimedBatch`), and settles what is left. A worker killed mid-batch
 * loses nothing: a batch is committed whole or not at all, and an uncommitted one is taken over by another
 * worker once the lease runs out. A renewal that lands twice (a worker that was only slow, and the one that
 * took its claim over) bills once: the second finds the period billed. A renewal that fails is recorded for
 * its subscription alone. Each batch that renewed something is stored as a `billing_run` (audited), by
 * actor `system:worker`.
 *
 * @example
 * const db = await openStore({ url: process.env.DATABASE_URL_BILLING });
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * const worker = createWorker({ db, gateways, intervalMs: 60_000, signal: stop.signal });
 * await worker.run(); // returns after SIGTERM, its batch finished or released
 * await db.close();
 */
export function createWorker(options: WorkerOptions): Worker {
  const store = options.db;
  const deps: Deps = resolveDeps({ ...options, db: store });
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const intervalMs = positive('intervalMs', options.intervalMs ?? 60_000);
  const batchSize = positive('batchSize', options.batchSize ?? 250);
  const leaseMs = positive('leaseMs', options.leaseMs ?? DEFAULT_CLAIM_LEASE_MS);
  const tasks = { renewals: options.tasks?.renewals ?? true, dunning: options.tasks?.dunning ?? true };
  const signal = options.signal;
  const dunning = dunningOperations(deps);
  const claims = store.db.billingRun;
  // SQLite: every statement of the store runs one at a time (see DbStore.exclusive); MySQL passes through.
  const exclusive = <T>(work: () => Promise<T>) => store.exclusive(work);
  const stopping = () => signal?.aborted === true;
  const totals = emptyTotals();

  const emit = (event: WorkerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // an observer must not stop the worker
    }
  };
  const failure = (
    pass: WorkerTotals,
    tenantId: string | null,
    task: 'renewals' | 'dunning' | 'tenants' | 'lease',
    error: unknown,
  ) => {
    pass.errors += 1;
    emit({
      type: 'error',
      tenantId,
      task,
      code: String((error as { code?: unknown }).code ?? 'WORKFLOW_INTERNAL'),
      message: (error as Error).message ?? String(error),
    });
  };

  /**
   * Renews a batch of claims (billing-runs' `renewClaimedBatch`: one transaction for the batch's plain
   * renewals), then settles what is left open: a period found billed completes its claim, an unbilled one is
   * released. A failed renewal's claim is kept: it is retried by whichever worker claims after its lease.
   * A stop that arrives before the batch is started releases the whole batch; once started, it finishes.
   */
  async function renewBatch(
    pass: WorkerTotals,
    tenantId: string,
    batch: readonly BillingRunClaim[],
    asOf: string,
  ): Promise<void> {
    const ctx: OperationContext = { tenantId, actor: ACTOR, requestId: id };
    const run: BillingRunRecord = startRun(deps, asOf);
    run.considered = batch.length;
    const held = new Set(batch.map((c) => c.id));
    const settle: string[] = [];
    // The heartbeat: keep the batch's leases while it runs; a claim lost to a takeover is skipped.
    const heartbeat = setInterval(
      () => {
        void exclusive(() => claims.extendClaims(tenantId, [...held], { workerId: id, leaseMs }))
          .then((kept) => {
            const still = new Set(kept);
            for (const claimId of held) if (!still.has(claimId)) held.delete(claimId);
          })
          .catch((error: unknown) => failure(pass, tenantId, 'lease', error));
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref?.();
    let released = 0;
    try {
      if (stopping()) {
        // Not started: given back now, so another worker need not wait for the lease.
        for (const claim of batch) settle.push(claim.id);
        released = batch.length;
      } else {
        const mine = batch.filter((c) => held.has(c.id));
        run.skipped += batch.length - mine.length;
        const outcomes = await renewClaimedBatch(deps, ctx, store, mine, asOf);
        for (const [n, outcome] of outcomes.entries()) {
          const claim = mine[n] as BillingRunClaim;
          if (outcome.outcome === 'failed') {
            recordFailure(run, claim.subscriptionId, outcome.error);
            continue;
          }
          if (outcome.outcome === 'skipped') run.skipped += 1;
          else {
            run.renewed += 1;
            if (outcome.invoiceId !== null) run.invoiceIds.push(outcome.invoiceId);
            // Completed with its invoice by the batch's own transaction: nothing left to settle.
            if (outcome.settled) continue;
          }
          settle.push(claim.id);
        }
      }
    } finally {
      clearInterval(heartbeat);
    }
    if (settle.length > 0) await exclusive(() => claims.settleClaims(tenantId, settle, { workerId: id }));
    let billingRunId: string | null = null;
    if (run.renewed + run.failed > 0) {
      await finishRun(deps, ctx, { worker: id, claims: batch.map((c) => c.id) }, run);
      billingRunId = run.id;
    }
    const takenOver = batch.filter((c) => c.attempts > 1).length;
    pass.claimed += batch.length;
    pass.takenOver += takenOver;
    pass.renewed += run.renewed;
    pass.skipped += run.skipped;
    pass.failed += run.failed;
    pass.released += released;
    emit({
      type: 'batch',
      tenantId,
      claimed: batch.length,
      takenOver,
      renewed: run.renewed,
      skipped: run.skipped,
      failed: run.failed,
      released,
      billingRunId,
    });
  }

  /** Claims and renews batch after batch until nothing due is left claimable for this tenant. */
  async function renewDue(pass: WorkerTotals, tenantId: string): Promise<void> {
    const asOf = deps.clock().toISOString();
    // A period comes back in this pass only if its claim was released unbilled (a renewal that found
    // nothing to do while the period is still due): it is left alone until the next pass.
    const seen = new Set<string>();
    while (!stopping()) {
      const batch = await exclusive(() =>
        claims.claimDueSubscriptions(tenantId, { asOf, workerId: id, limit: batchSize, leaseMs }),
      );
      if (batch.length === 0) return;
      const fresh = batch.filter((c) => !seen.has(`${c.subscriptionId}@${c.periodStart}`));
      if (fresh.length === 0) return;
      for (const c of fresh) seen.add(`${c.subscriptionId}@${c.periodStart}`);
      await renewBatch(pass, tenantId, fresh, asOf);
    }
  }

  async function runDunning(pass: WorkerTotals, tenantId: string): Promise<void> {
    const summary = await dunning.run({ tenantId, actor: ACTOR, requestId: id });
    const retried = summary.outcomes.filter((o) => o.action === 'retried').length;
    pass.dunningRetried += retried;
    emit({
      type: 'dunning',
      tenantId,
      considered: summary.considered,
      retried,
      uncollectible: summary.outcomes.filter((o) => o.action === 'uncollectible').length,
    });
  }

  async function runOnce(): Promise<WorkerTotals> {
    const pass = emptyTotals();
    pass.passes = 1;
    let tenantIds: readonly string[] = [];
    try {
      tenantIds = options.tenants ?? (await store.listTenants()).map((t) => t.id);
    } catch (error) {
      failure(pass, null, 'tenants', error);
    }
    for (const tenantId of tenantIds) {
      if (stopping()) break;
      if (tasks.renewals) {
        try {
          await renewDue(pass, tenantId);
        } catch (error) {
          failure(pass, tenantId, 'renewals', error);
        }
      }
      if (stopping()) break;
      if (tasks.dunning) {
        try {
          await runDunning(pass, tenantId);
        } catch (error) {
          failure(pass, tenantId, 'dunning', error);
        }
      }
    }
    for (const key of Object.keys(totals) as (keyof WorkerTotals)[]) totals[key] += pass[key];
    return pass;
  }

  return {
    id,
    runOnce,
    async run() {
      while (!stopping()) {
        await runOnce();
        if (stopping()) break;
        await pause(intervalMs, signal);
      }
      return { ...totals };
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
