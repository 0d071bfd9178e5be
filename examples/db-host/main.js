// A host application that keeps its own data in its own database and bills through @billkit/db in a
// separate billing database.
//   node main.js <billing-db-url> <app-db-url>
// e.g. node main.js file:./data/billing.db file:./data/app.db
//      node main.js mysql://root@127.0.0.1:3306/billing_db mysql://root@127.0.0.1:3306/my_app
import { subscriptionSchema } from '@billkit/billing-core';
import { migrate, openDatabase, readMigrations } from '@billkit/db';
import { openAppDatabase } from './app-database.js';

const [billingUrl = 'file:./data/billing.db', appUrl = 'file:./data/app.db'] = process.argv.slice(2);

// 1. The host's own table, with data, before billkit is involved.
const app = await openAppDatabase(appUrl);
await app.run(
  'CREATE TABLE IF NOT EXISTS app_users (id VARCHAR(36) PRIMARY KEY, email VARCHAR(255) NOT NULL)',
);
await app.run('DELETE FROM app_users');
await app.run('INSERT INTO app_users (id, email) VALUES (?, ?), (?, ?)', [
  'u1',
  'ada@example.com',
  'u2',
  'grace@example.com',
]);
const usersBefore = JSON.stringify(await app.all('SELECT id, email FROM app_users ORDER BY id'));
const appTablesBefore = await app.tables();

// 2. billing_db: apply billkit's migrations (a second call is a no-op).
const first = await migrate({ url: billingUrl });
const second = await migrate({ url: billingUrl });

// 3. Save a subscription (with what it references) and load it back.
const db = await openDatabase({ url: billingUrl, migrate: false });
const tenantId = 'host-app';
const now = '2025-04-01T00:00:00.000Z';
let loaded;
let roundTrip = false;
let mismatch;
try {
  if (!(await db.tenants.get(tenantId)))
    await db.tenants.create({ id: tenantId, name: 'Host App Inc.', defaultCurrency: 'USD' });
  await db.customers.save(tenantId, {
    id: 'cus_u1',
    externalId: 'u1', // the host's own user id
    email: 'ada@example.com',
    currency: 'USD',
    timezone: 'America/Chicago',
    address: { country: 'US', region: 'TX', city: 'Austin', postalCode: '78701' },
    taxExempt: 'none',
    taxExemptions: [],
    taxIds: [],
    balance: 0,
  });
  await db.products.save(tenantId, {
    id: 'prod_pickup',
    name: 'Weekly pickup',
    taxCategory: 'general',
    active: true,
  });
  await db.prices.save(tenantId, {
    id: 'price_pickup_monthly',
    productId: 'prod_pickup',
    currency: 'USD',
    active: true,
    recurring: { interval: 'month', intervalCount: 1 },
    taxBehavior: 'exclusive',
    billingScheme: 'flat',
    flatAmount: 3000,
  });
  // billing-core's schema fills the defaults (billed lines, pending items, …) the repository stores.
  const subscription = subscriptionSchema.parse({
    id: `sub_${Date.now()}`,
    customerId: 'cus_u1',
    currency: 'USD',
    status: 'active',
    items: [{ id: 'si_1', priceId: 'price_pickup_monthly', quantity: 1 }],
    currentPeriodStart: now,
    currentPeriodEnd: '2025-05-01T00:00:00.000Z',
    billingCycleAnchor: now,
    trialStart: null,
    trialEnd: null,
    discounts: [],
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    pausedAt: null,
    createdAt: now,
    periodsBilled: 0,
    pendingInvoiceItems: [],
    latestInvoiceId: null,
    version: 1,
  });
  await db.subscriptions.create(tenantId, subscription);
  loaded = await db.subscriptions.get(tenantId, subscription.id);
  roundTrip = canonical(loaded) === canonical(subscription);
  if (!roundTrip) mismatch = { saved: subscription, loaded };
} finally {
  await db.close();
}

// 4. The host's table is exactly as it was, and billkit created nothing in the host's database.
const usersAfter = JSON.stringify(await app.all('SELECT id, email FROM app_users ORDER BY id'));
const appTablesAfter = await app.tables();
await app.close();

console.log(
  JSON.stringify({
    provider: db.provider,
    migrationsShipped: readMigrations(db.provider).map((m) => m.name),
    firstMigrate: { applied: first.applied, alreadyApplied: first.alreadyApplied },
    secondMigrate: { applied: second.applied, alreadyApplied: second.alreadyApplied },
    subscriptionRoundTrip: roundTrip,
    mismatch,
    loadedStatus: loaded?.status,
    loadedItems: loaded?.items?.length,
    appTablesBefore,
    appTablesAfter,
    appUsersUntouched: usersBefore === usersAfter,
  }),
);

/** JSON with sorted keys, so the comparison does not depend on property order. */
function canonical(value) {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
