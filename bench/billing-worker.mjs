// One billing-run worker (a child process of billing-run.mjs): the product's worker, `createWorker` from
// @billkit/workflows (what `billkit-worker` and a host app run), over billing_db's store. One pass
// (`runOnce`) for the bench tenant: it claims batches of due periods with leases, renews them and settles the
// claims until nothing due is left claimable, then exits. The business clock is the bench's `asOf` (the end of
// the seeded period), so a renewed period is not due again. Progress and memory go to the parent over IPC,
// after every batch the worker reports (`onEvent`).
import { openStore } from '@billkit/db';
import { createWorker } from '@billkit/workflows';

const [url, tenantId, asOf, workerId, batchSize = '250'] = process.argv.slice(2);

const store = await openStore({ url, migrate: false, pool: { connectionLimit: 4, minimumIdle: 1 } });

let renewed = 0;
let failed = 0;
let skipped = 0;
let claimed = 0;
let takenOver = 0;
let batches = 0;
const errors = [];
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
    rssMb: process.memoryUsage().rss / 2 ** 20,
    heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  });
};

const worker = createWorker({
  db: store,
  clock: () => new Date(asOf),
  tenants: [tenantId],
  tasks: { renewals: true, dunning: false },
  batchSize: Number(batchSize),
  workerId,
  onEvent: (event) => {
    if (event.type === 'batch') {
      batches += 1;
      claimed += event.claimed;
      takenOver += event.takenOver;
      renewed += event.renewed;
      skipped += event.skipped;
      failed += event.failed;
      report();
    } else if (event.type === 'error' && errors.length < 5) {
      errors.push(`${event.task} ${event.code}: ${event.message}`);
    }
  },
});
const pass = await worker.runOnce();
for (const e of errors) console.error(`${workerId}: ${e}`);
report(true); // the final sample: live memory after the last batch
await store.close();
process.send?.({
  type: 'done',
  renewed,
  failed,
  skipped,
  claimed,
  takenOver,
  batches,
  errors: pass.errors,
  cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
});
