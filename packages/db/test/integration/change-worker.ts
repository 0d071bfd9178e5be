// A process that applies `count` subscription changes, retrying on DB_VERSION_CONFLICT, for the
// multi-process test. Prints how many conflicts it retried; any other error fails the process.
import { isDbError, openDatabase } from '../../src/index.js';

const [url, tenantId, subscriptionId, countText, label] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const db = await openDatabase({ url, migrate: false });
let conflicts = 0;
try {
  for (let n = 0; n < Number(countText); ) {
    try {
      // Read, then write, in one transaction: the read must not go stale before the write.
      await db.transaction(async (tx) => {
        const current = await tx.subscriptions.get(tenantId, subscriptionId);
        if (!current) throw new Error('subscription missing');
        await tx.recordSubscriptionChange(tenantId, {
          subscription: {
            ...current,
            items: [{ ...current.items[0]!, quantity: current.items[0]!.quantity + 1 }],
          },
          expectedVersion: current.version,
          auditEvents: [
            {
              type: 'subscription.updated',
              entityType: 'subscription',
              entityId: subscriptionId,
              actor: label,
              data: { n },
            },
          ],
        });
      });
      n += 1;
    } catch (error) {
      if (!isDbError(error, 'DB_VERSION_CONFLICT')) throw error;
      conflicts += 1;
    }
  }
} finally {
  await db.close();
}
process.stdout.write(JSON.stringify({ conflicts }));
