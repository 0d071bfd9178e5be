// A billing-run worker process for the multi-process test: drains due claims and prints them as JSON.
import { openDatabase } from '../../src/index.js';

const [url, tenantId, workerId] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ url, migrate: false });
const claimed: string[] = [];
try {
  for (;;) {
    const batch = await db.billingRun.claimDueSubscriptions(tenantId, {
      asOf: '2026-02-01T06:00:00.000Z',
      workerId,
      limit: 2,
    });
    if (batch.length === 0) break;
    claimed.push(...batch.map((c) => c.subscriptionId));
  }
} finally {
  await db.close();
}
process.stdout.write(JSON.stringify(claimed));
