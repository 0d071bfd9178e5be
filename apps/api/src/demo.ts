// biome-ignore-all lint/suspicious/noExplicitAny: JSON answers are read loosely in the demo script
// `pnpm demo`: the staging plan's end-to-end flow over HTTP against a local fake Tilled.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatInvoiceTable } from '@billkit/billing-core';
import { openStore as openDbStore, seedDemoTenant } from '@billkit/db';
import { startFakeTilled } from '@billkit/fake-tilled';
import { sampleRateTable } from '@billkit/tax';
import { createBilling } from '@billkit/workflows';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { snakeize } from './http/casing.js';
import { webhooksSettled } from './routes/webhooks.js';
import { tilledWiring } from './tilled-wiring.js';

const ACCOUNT = 'acct_demo_waste_co';
const WEBHOOK_SECRET = 'whsec_demo';

let stepNumber = 0;
function step(title: string, detail: string): void {
  stepNumber += 1;
  console.log(`\n${String(stepNumber).padStart(2, ' ')}. ${title}\n    ${detail.replaceAll('\n', '\n    ')}`);
}
const usd = (minor: number) => `$${(minor / 100).toFixed(2)}`;

/**
 * The demo's own business clock: every step happens at a stated instant of the scenario (the API's
 * `clock`), so the discount's attachment, the proration and the finalized invoice's due date agree with
 * each other whatever day the demo runs. Webhook signatures are still checked against real time.
 */
let demoNow = new Date('2026-03-01T06:00:00Z');
const setDemoTime = (iso: string) => {
  demoNow = new Date(iso);
};

async function main(): Promise<void> {
  const tilled = await startFakeTilled({
    apiKey: 'sk_demo',
    accountId: ACCOUNT,
    webhookSecret: WEBHOOK_SECRET,
  });
  // A fresh embedded SQLite billing_db (DEMO_DATA_DIR keeps it; default: a temp dir removed at the end).
  const keep = process.env.DEMO_DATA_DIR;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'billkit-demo-'));
  const store = await openDbStore({ dataDir, url: `file:${join(dataDir, 'billing.db')}`, migrate: true });
  // @billkit/db's seed loads the demo tenant; if it cannot run (its schema is still moving), the demo
  // creates the tenant itself: everything the flow below needs is created over HTTP anyway.
  const tenantId = 'demo-waste';
  let seededNote: string;
  try {
    const seeded = await seedDemoTenant(store.db, { tenantId });
    seededNote = seeded.alreadySeeded
      ? ' (already seeded)'
      : ` seeded by @billkit/db (${seeded.products} products, ${seeded.prices} prices, ${seeded.taxRates} tax rates)`;
  } catch (error) {
    seededNote = ` created by the demo (@billkit/db seed failed: ${(error as Error).message.split('\n').filter(Boolean).at(-1)})`;
  }
  await store.addTenant({ id: tenantId, name: 'Evergreen Waste & Recycling (demo)', defaultCurrency: 'USD' });
  const billing = createBilling({ db: store, clock: () => demoNow });
  const key = await billing.apiKeys.create({ tenantId, actor: 'demo' }, { name: 'demo', scopes: ['admin'] });
  step(
    'Migrate and seed billing_db (embedded SQLite)',
    `${join(dataDir, 'billing.db')}: tenant ${tenantId}${seededNote}`,
  );
  const wiring = tilledWiring(
    [{ tenantId, secretKey: 'sk_demo', accountId: ACCOUNT, webhookSecrets: [WEBHOOK_SECRET] }],
    {
      baseUrl: tilled.url,
    },
  );
  const app = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'warn' }),
    store,
    logger: false,
    clock: () => demoNow,
    ...wiring,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  tilled.setWebhookUrl(`${base}/v1/webhooks/tilled`);
  console.log(`billkit API on ${base} (docs: ${base}/docs), fake Tilled on ${tilled.url}`);

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key.secret}`,
        'content-type': 'application/json',
        'idempotency-key': `demo-${randomUUID()}`,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await response.json()) as Record<string, unknown> & { [k: string]: any };
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
    return json;
  };

  try {
    await call('PUT', '/v1/tax/rate-table', snakeize(JSON.parse(JSON.stringify(sampleRateTable))));
    step('Load the tax rate table', 'sample US rates (IL, Cook County, Chicago, RTA; CA; TX)');

    const customer = await call('POST', '/v1/customers', {
      currency: 'USD',
      name: 'Grace Hopper',
      email: 'grace@example.com',
      timezone: 'America/Chicago',
      address: {
        line1: '233 S Wacker Dr',
        country: 'US',
        region: 'IL',
        county: 'Cook',
        city: 'Chicago',
        postal_code: '60606',
      },
    });
    step('Create a customer', `${customer.id} ${customer.name}, Chicago IL`);

    const product = await call('POST', '/v1/products', {
      name: 'Residential weekly pickup',
      tax_category: 'general',
    });
    const basic = await call('POST', '/v1/prices', {
      product: product.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 3000,
      nickname: 'Weekly 64 gal',
      recurring: { interval: 'month' },
    });
    const premium = await call('POST', '/v1/prices', {
      product: product.id,
      currency: 'USD',
      billing_scheme: 'flat',
      flat_amount: 4500,
      nickname: 'Weekly 96 gal',
      recurring: { interval: 'month' },
    });
    step('Create the plans', `${basic.nickname} ${usd(3000)}/month, ${premium.nickname} ${usd(4500)}/month`);

    // billing-core applies a discount to charges from its attachment on; attached when the subscription is
    // created, it reduces the first invoice, the credit for the unused time of that (discounted) period and
    // the charge for the upgrade alike.
    const discount = await call('POST', '/v1/discounts', {
      type: 'percentage',
      name: 'Senior discount',
      percent_off: '15',
      duration: { type: 'forever' },
    });
    const periodStart = '2026-03-01T06:00:00Z';
    setDemoTime(periodStart);
    const created = await call('POST', '/v1/subscriptions', {
      customer: customer.id,
      items: [{ price: basic.id }],
      discounts: [discount.id],
      start_at: periodStart,
    });
    const sub = created.subscription;
    step(
      'Create the subscription',
      `${sub.id} ${sub.status}, period ${sub.current_period_start} → ${sub.current_period_end}`,
    );
    const first = created.invoice;
    if (first.total_discount.amount === 0) throw new Error('The discount should reduce the first invoice');
    step(
      'Apply a discount',
      `${discount.name}: 15 % off, forever (${discount.id}), attached with the subscription at ${periodStart}\n` +
        `first invoice: ${usd(first.subtotal.amount)} − ${usd(first.total_discount.amount)} discount + ${usd(first.tax.amount)} tax = ${usd(first.total.amount)}`,
    );
    await call('POST', `/v1/invoices/${first.id}/finalize`, {});
    await call('POST', `/v1/invoices/${first.id}/pay`, { paid_out_of_band: true });

    const quote = await call('POST', '/v1/tax/quote', {
      currency: 'USD',
      tax_date: '2026-03-16',
      customer: { location: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' } },
      lines: [{ id: 'plan', amount: 4500 }],
    });
    step(
      'Calculate tax',
      `${usd(4500)} in Chicago → tax ${usd(quote.tax_total.amount)} (${quote.jurisdiction_totals.length} jurisdictions)`,
    );

    const current = await call('GET', `/v1/subscriptions/${sub.id}`);
    const prorationDate = '2026-03-16T17:00:00Z';
    setDemoTime(prorationDate);
    const preview = await call('POST', `/v1/subscriptions/${sub.id}/preview-change`, {
      items: [{ id: current.items[0].id, price: premium.id }],
      proration_date: prorationDate,
    });
    const changed = await call('POST', `/v1/subscriptions/${sub.id}/change`, {
      items: [{ id: current.items[0].id, price: premium.id }],
      proration_behavior: 'always_invoice',
      proration_date: prorationDate,
      expected_version: current.version,
    });
    if (changed.invoice.total_discount.amount === 0) {
      throw new Error('The discount attached before the upgrade should reduce the proration invoice');
    }
    step(
      'Mid-cycle upgrade with proration',
      `preview ${usd(preview.invoice.total.amount)} = invoice ${usd(changed.invoice.total.amount)} (${changed.invoice.lines.length} lines, upgrade on ${prorationDate})\n` +
        `discount on the prorated charge: −${usd(changed.invoice.total_discount.amount)}`,
    );

    const finalized = await call('POST', `/v1/invoices/${changed.invoice.id}/finalize`, {});
    step(
      'Generate and finalize the invoice',
      `${finalized.number}: ${usd(finalized.amount_due.amount)}, finalized ${finalized.finalized_at}, due ${finalized.due_date}`,
    );

    const method = tilled.seedPaymentMethod({ type: 'card' });
    const paid = await call('POST', `/v1/invoices/${finalized.id}/pay`, { payment_method: method.id });
    step(
      'Pay through the (fake) Tilled gateway',
      `payment intent ${paid.payment_intent}: invoice ${paid.status}`,
    );

    const delivery = await tilled.waitForDelivery({ type: 'payment_intent.succeeded' }, 5000);
    await webhooksSettled();
    step(
      'Receive the signed webhook',
      `payment_intent.succeeded → HTTP ${delivery.status}; verified, stored, processed once`,
    );

    const verify = await call('GET', '/v1/audit-events/verify');
    step('Verify the audit trail', `${verify.checked} hash-chained events, valid: ${verify.valid}`);

    console.log(`\nFinal invoice\n`);
    console.log(formatInvoiceTable(await billing.invoices.retrieve({ tenantId }, finalized.id)));
    console.log('\nDemo complete.');
  } finally {
    await app.close();
    await webhooksSettled();
    await tilled.close();
    await store.close();
    if (keep === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
