// `npm start`: opens billing_db (SQLite by default), connects Tilled (TILLED_BASE_URL: the local fake in
// tests), starts the Express server, then acts as a client would: subscribe to Basic, upgrade to Pro
// mid-period, pay the upgrade invoice, and wait for Tilled's signed webhook to be applied. Prints one
// JSON line with what happened, and the charges counted at the gateway itself.
import { openStore } from '@billkit/db';
import { TilledClient, TilledGateway } from '@billkit/tilled';
import { createBilling } from '@billkit/workflows';
import { createServer } from './server.js';

const env = process.env;
const tenantId = 'acme_waste';
const tilledAccount = {
  secretKey: env.TILLED_SECRET_KEY ?? 'sk_test_host',
  accountId: env.TILLED_ACCOUNT_ID ?? 'acct_host_merchant',
  webhookSecret: env.TILLED_WEBHOOK_SECRET ?? 'whsec_host',
};

const db = await openStore({ url: env.DATABASE_URL_BILLING ?? 'file:./data/billing.db' });
await db.addTenant({ id: tenantId, name: 'Acme Waste', defaultCurrency: 'USD' });
const gateway = new TilledGateway({
  client: new TilledClient({
    secretKey: tilledAccount.secretKey,
    accountId: tilledAccount.accountId,
    baseUrl: env.TILLED_BASE_URL ?? 'https://sandbox-api.tilled.com',
  }),
  tenantId,
});
// A pinned business clock: the scenario subscribes on 1 April and upgrades on 16 April.
let now = new Date('2026-04-01T05:00:00Z');
const billing = createBilling({ db, gateways: () => gateway, clock: () => now });
const ctx = { tenantId, actor: 'setup' };

// The catalog and the tax table, once.
await billing.taxRates.replace(ctx, {
  taxCategories: [{ id: 'general' }],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-TX', name: 'Texas', level: 'state', parentId: 'US', match: { region: 'TX' } },
  ],
  rates: [{ jurisdictionId: 'US-TX', taxType: 'sales', rate: '0.0625', validFrom: '2020-01-01' }],
});
const product = await billing.catalog.createProduct(ctx, { name: 'Curbside pickup', taxCategory: 'general' });
const price = (amount) =>
  billing.catalog.createPrice(ctx, {
    product: product.id,
    currency: 'USD',
    billingScheme: 'per_unit',
    unitAmount: amount,
    recurring: { interval: 'month', intervalCount: 1 },
  });
const [basic, pro] = [await price(3000), await price(6000)];

const server = createServer({
  billing,
  tenantId,
  tilledAccounts: (accountId) =>
    accountId === tilledAccount.accountId ? { tenantId, secrets: [tilledAccount.webhookSecret] } : null,
});
const port = Number(env.PORT ?? 3300);
const listening = server.listen(port, '127.0.0.1');
await new Promise((resolve) => listening.once('listening', resolve));
const base = `http://127.0.0.1:${port}`;

async function call(method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const tilledHeaders = {
  'content-type': 'application/json',
  'tilled-api-key': tilledAccount.secretKey,
  'tilled-account': tilledAccount.accountId,
};
async function tilled(method, path, body) {
  const response = await fetch(`${env.TILLED_BASE_URL}${path}`, {
    method,
    headers: tilledHeaders,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json();
}

try {
  const customer = await call('POST', '/customers', {
    currency: 'USD',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    timezone: 'America/Chicago',
    address: { country: 'US', region: 'TX', city: 'Austin', postalCode: '78701' },
  });
  const created = await call('POST', '/subscriptions', {
    customer: customer.id,
    items: [{ price: basic.id }],
  });
  // The first invoice is settled out of band here; the upgrade is what goes through Tilled.
  await call('POST', `/invoices/${created.invoice.id}/finalize`, {});
  await call('POST', `/invoices/${created.invoice.id}/pay`, { paidOutOfBand: true });

  now = new Date('2026-04-16T05:00:00Z');
  const upgraded = await call('POST', `/subscriptions/${created.subscription.id}/change`, {
    items: [{ id: created.subscription.items[0].id, price: pro.id }],
    prorationBehavior: 'always_invoice',
  });
  const invoice = upgraded.invoice;
  const open =
    invoice.status === 'draft' ? await call('POST', `/invoices/${invoice.id}/finalize`, {}) : invoice;

  const method = await tilled('POST', '/v1/payment-methods', {
    type: 'card',
    card: { number: '4111 1111 1111 1111', exp_month: 12, exp_year: 2030, cvc: '123' },
  });
  const paid = await call('POST', `/invoices/${open.id}/pay`, { paymentMethod: method.id });

  // Tilled delivers payment_intent.succeeded to /webhooks/tilled; wait until the workflows applied it.
  let webhook;
  for (let i = 0; i < 100 && !webhook; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    webhook = (await call('GET', '/webhooks/received')).find((w) => w.type === 'payment_intent.succeeded');
  }
  const intents = (await tilled('GET', '/v1/payment-intents?limit=100')).items ?? [];
  const charges = intents.filter((i) => i.metadata?.billkit_invoice_id === open.id);
  const succeeded = charges.filter((i) => i.status === 'succeeded');
  console.log(
    JSON.stringify({
      subscription: { id: created.subscription.id, status: upgraded.subscription.status },
      upgrade: {
        lines: open.lines.map((l) => l.amount.amount),
        subtotal: open.subtotal.amount,
        totalDiscount: open.totalDiscount.amount,
        totalTax: open.tax.amount,
        total: open.total.amount,
      },
      paid: { status: paid.status, amountPaid: paid.amountPaid.amount },
      webhook: webhook ?? { applied: false },
      gateway: { charges: charges.length, succeeded: succeeded.length, amount: succeeded[0]?.amount ?? null },
    }),
  );
} finally {
  listening.close();
  await db.close();
}
