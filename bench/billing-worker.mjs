// One billing-run worker (a child process of billing-run.mjs). Per batch: claimDueSubscriptions (one
// INSERT IGNORE of the claims), subscriptions.getMany (a few queries for the whole batch), renewSubscription
// for each in memory (pure, billing-core), then billingRun.completeRenewals: the whole batch in one
// transaction with multi-row INSERTs, the invoice numbers taken with one counter UPDATE and the invoices
// finalized, the audit chain extended once. `inFlight` batches run at once (each on its own connection), so
// this process computes one batch while the database writes another. Nothing outlives its batch except the
// counters and a bounded customer cache; progress and memory go to the parent over IPC.
import { BillingService, finalizeInvoice } from '@billkit/billing-core';
import { newSortableId, openDatabase } from '@billkit/db';
import { sampleRateTable } from '@billkit/tax';

const [url, tenantId, asOf, workerId, batchSize = '250', inFlight = '2'] = process.argv.slice(2);

const db = await openDatabase({
  url,
  migrate: false,
  pool: { connectionLimit: Number(inFlight) + 1, minimumIdle: 1 },
});
const catalog = {
  products: await db.products.list(tenantId, { limit: 100 }),
  prices: await db.prices.list(tenantId, { limit: 100 }),
};
const billing = new BillingService({ catalog, tax: sampleRateTable });
// Customers are shared by many subscriptions; the cache is bounded so memory stays flat on any data set.
const customers = new Map();
const customerOf = async (id) => {
  let customer = customers.get(id);
  if (!customer) {
    if (customers.size >= 10_000) customers.clear();
    customer = await db.customers.get(tenantId, id);
    customers.set(id, customer);
  }
  return customer;
};
// Invoice ids that sort by creation time (newSortableId; line and tax ids derive from them): the Invoice,
// InvoiceLine and InvoiceLineTax primary keys then grow at the end of their clustered indexes instead of
// scattering ~8 KB invoice rows over an index far larger than MariaDB's 128 MB default buffer pool (random
// ids work too, at the price of random page reads once the tables outgrow the pool).
// Cycle invoices are finalized in the same transaction, numbered from the tenant's counter.
const finalize = (draft, number) => finalizeInvoice(draft, { number, at: draft.createdAt });

let renewed = 0;
let failed = 0;
let retried = 0;
let conflicts = 0;
let batches = 0;
// Wall-clock seconds per phase, summed over this worker's lanes (lanes overlap, so the sum can exceed the run).
const phases = { claim: 0, load: 0, renew: 0, write: 0 };
const timed = async (phase, fn) => {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    phases[phase] += (performance.now() - t0) / 1000;
  }
};
// The first and the final sample are taken after a full collection (the worker runs with --expose-gc), so
// they show live memory, not garbage waiting for a collection; with billing-run.mjs --gc, every sample is.
const gcEverySample = process.env.BILLING_WORKER_GC_EVERY_SAMPLE === '1';
let samplesSent = 0;
const report = (collect = false) => {
  if (collect || gcEverySample || samplesSent === 0) globalThis.gc?.();
  samplesSent += 1;
  process.send?.({
    type: 'progress',
    renewed,
    failed,
    retried,
    conflicts,
    rssMb: process.memoryUsage().rss / 2 ** 20,
    heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  });
};

async function renewBatch(claims) {
  const subscriptions = await timed('load', async () => {
    const loaded = await db.subscriptions.getMany(
      tenantId,
      claims.map((c) => c.subscriptionId),
    );
    for (const s of loaded) await customerOf(s.customerId);
    return new Map(loaded.map((s) => [s.id, s]));
  });
  const renewals = [];
  const t0 = performance.now();
  for (const claim of claims) {
    const current = subscriptions.get(claim.subscriptionId);
    if (!current) continue; // deleted meanwhile: its claim went with it (cascade)
    const t = billing.renewSubscription(current, {
      customer: customers.get(current.customerId) ?? (await customerOf(current.customerId)),
      invoiceId: newSortableId('in'),
    });
    renewals.push({
      claimId: claim.id,
      subscription: t.subscription,
      expectedVersion: current.version,
      invoice: t.invoice,
      auditEvents: t.events,
    });
  }
  phases.renew += (performance.now() - t0) / 1000;
  // Deadlocks and lock wait timeouts are already retried inside completeRenewals (3 attempts); a batch
  // that still fails for one is run again here a few times before its claims are given back.
  for (let attempt = 1; ; attempt++) {
    try {
      const results = await timed('write', () =>
        db.billingRun.completeRenewals(tenantId, renewals, { finalize }),
      );
      for (const r of results) {
        if (r.outcome === 'renewed') renewed += 1;
        // A conflict's claim is released by completeRenewals: the next claim hands the period out again.
        else if (r.outcome === 'conflict') conflicts += 1;
      }
      return;
    } catch (error) {
      if (attempt < 5 && /deadlock|lock wait timeout|write conflict/i.test(error.message)) {
        retried += 1;
        continue;
      }
      failed += claims.length;
      if (failed <= 3 * claims.length)
        console.error(`${workerId}: batch of ${claims.length}: ${error.message}`);
      for (const claim of claims) await db.billingRun.releaseClaim(tenantId, claim.id).catch(() => {});
      return;
    }
  }
}

// claimDueSubscriptions comes back empty only once no due period is left unclaimed (MySQL's INSERT IGNORE
// claim holds no lock after its statement), or after losing many races in a row: a non-locking count of
// due, unclaimed periods tells which, and the lane stops when it is 0.
const remaining = () => db.billingRun.countDueUnclaimed(tenantId, { asOf });

const lane = async () => {
  for (;;) {
    const claims = await timed('claim', () =>
      db.billingRun.claimDueSubscriptions(tenantId, { asOf, workerId, limit: Number(batchSize) }),
    );
    if (claims.length === 0) {
      if ((await remaining()) === 0) return;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    await renewBatch(claims);
    batches += 1;
    report();
  }
};
await Promise.all(Array.from({ length: Number(inFlight) }, lane));
report(true); // the final sample: live memory after the last batch
await db.close();
process.send?.({
  type: 'done',
  renewed,
  failed,
  retried,
  conflicts,
  batches,
  phases,
  cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
});
