// One billing-run worker (a child process of billing-run.mjs): claims due subscriptions in batches with
// @billkit/db (FOR UPDATE SKIP LOCKED on MariaDB), renews each with billing-core and writes the renewal
// with completeRenewal (subscription, cycle invoice, audit events, claim done: one transaction each).
// Reports progress and its own memory to the parent over IPC; holds one batch in memory at a time.
import { BillingService } from '@billkit/billing-core';
import { newId, openDatabase } from '@billkit/db';
import { sampleRateTable } from '@billkit/tax';

const [url, tenantId, asOf, workerId, batchSize = '200', inFlight = '1', lockOrder = 'tenant-first'] =
  process.argv.slice(2);
const lockTenantFirst = lockOrder === 'tenant-first';

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
const customers = new Map(); // a handful of customers, shared by all subscriptions
const customerOf = async (id) => {
  if (!customers.has(id)) customers.set(id, await db.customers.get(tenantId, id));
  return customers.get(id);
};

let renewed = 0;
let failed = 0;
let retried = 0;
const report = () =>
  process.send?.({
    type: 'progress',
    renewed,
    failed,
    retried,
    emptyClaims: empty,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  });

async function renew(claim) {
  const current = await db.subscriptions.get(tenantId, claim.subscriptionId);
  const customer = await customerOf(current.customerId);
  const t = billing.renewSubscription(current, { customer, invoiceId: newId('in') });
  if (lockTenantFirst) {
    // Same rows, same single transaction, but the audit append (which locks the tenant row FOR UPDATE)
    // goes first. completeRenewal appends last, after inserts whose foreign keys took a shared lock on
    // that tenant row: two workers then both hold S and both want X, a deadlock on nearly every pair.
    await db.transaction(async (tx) => {
      await tx.auditLog.append(tenantId, ...t.events);
      await tx.billingRun.completeRenewal(tenantId, {
        claimId: claim.id,
        subscription: t.subscription,
        expectedVersion: current.version,
        invoice: t.invoice,
      });
    });
    return;
  }
  await db.billingRun.completeRenewal(tenantId, {
    claimId: claim.id,
    subscription: t.subscription,
    expectedVersion: current.version,
    invoice: t.invoice,
    auditEvents: t.events,
  });
}

// An empty claim does not mean the run is over: while the other worker's claim transaction holds its row
// locks (the claim query locks every row it scans), SKIP LOCKED skips every due row. So an empty claim
// is followed by a non-locking count of due, unclaimed periods; the worker stops when that is 0.
const remaining = async () => {
  const [row] = await db.prisma.$queryRawUnsafe(
    `SELECT COUNT(*) AS n FROM \`Subscription\` s WHERE s.tenantId = ? AND s.status IN ('trialing', 'active', 'past_due')
     AND s.currentPeriodEnd <= ? AND NOT EXISTS (SELECT 1 FROM \`BillingRunClaim\` c
     WHERE c.subscriptionId = s.id AND c.periodStart = s.currentPeriodEnd)`,
    tenantId,
    new Date(asOf),
  );
  return Number(row.n);
};
let empty = 0;
for (;;) {
  const claims = await db.billingRun.claimDueSubscriptions(tenantId, {
    asOf,
    workerId,
    limit: Number(batchSize),
  });
  if (claims.length === 0) {
    empty += 1;
    if ((await remaining()) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
    continue;
  }
  empty = 0;
  let next = 0;
  const lane = async () => {
    while (next < claims.length) {
      const claim = claims[next++];
      try {
        // A deadlock (MariaDB 1213) between the two workers is retried like any OLTP client would.
        for (let attempt = 1; ; attempt++) {
          try {
            await renew(claim);
            break;
          } catch (error) {
            if (attempt >= 5 || !/deadlock|write conflict/i.test(error.message)) throw error;
            retried += 1;
          }
        }
        renewed += 1;
      } catch (error) {
        failed += 1;
        if (failed <= 3) console.error(`${workerId}: ${claim.subscriptionId}: ${error.message}`);
        await db.billingRun.releaseClaim(tenantId, claim.id).catch(() => {});
      }
    }
  };
  await Promise.all(Array.from({ length: Number(inFlight) }, lane));
  report();
}
await db.close();
process.send?.({
  type: 'done',
  renewed,
  failed,
  retried,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
});
