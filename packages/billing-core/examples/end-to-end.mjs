// create subscription → apply discount → calculate tax → process proration change → generate invoice
// Run after building: `npx tsup && node examples/end-to-end.mjs` (from packages/billing-core).
import {
  applyDiscountToSubscription,
  BillingService,
  catalogSchema,
  customerSchema,
  finalizeInvoice,
  formatInvoiceTable,
  payInvoice,
} from '@billkit/billing-core';
import { sampleRateTable } from '@billkit/tax';

const catalog = catalogSchema.parse({
  products: [
    { id: 'prod_residential', name: 'Residential pickup', taxCategory: 'general' },
    { id: 'prod_bins', name: 'Extra bin', taxCategory: 'general' },
  ],
  prices: [
    {
      id: 'weekly',
      productId: 'prod_residential',
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 3000,
      recurring: { interval: 'month' },
    },
    {
      id: 'twice_weekly',
      productId: 'prod_residential',
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 5500,
      recurring: { interval: 'month' },
    },
    {
      id: 'bin',
      productId: 'prod_bins',
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 800,
      recurring: { interval: 'month' },
    },
  ],
});
const customer = customerSchema.parse({
  id: 'cus_ada',
  name: 'Ada Lovelace',
  currency: 'USD',
  timezone: 'America/Chicago',
  address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago', postalCode: '60601' },
});
const billing = new BillingService({ catalog, tax: sampleRateTable });

// 1. Create the subscription; its first invoice is finalized and paid.
const created = billing.createSubscription({
  id: 'sub_ada',
  customer,
  items: [{ id: 'si_pickup', priceId: 'weekly' }],
  startAt: '2026-01-01T06:00:00Z', // midnight in Chicago
  invoiceId: 'in_0001',
});
const first = finalizeInvoice(created.invoice, { number: 'INV-0001', at: '2026-01-01T06:00:00Z' });
payInvoice(first.invoice, { at: '2026-01-01T06:05:00Z' });

// 2. Apply a discount: 15 % senior discount, forever, from 10 January.
const discounted = applyDiscountToSubscription(created.subscription, {
  discount: { id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } },
  at: '2026-01-10T15:00:00Z',
});

// 3–4. Upgrade to twice-weekly pickup with two extra bins on 16 January, invoiced at once:
// proration (credit + charge) → discount → tax.
const changed = billing.changeSubscription(discounted.subscription, {
  customer,
  items: [
    { id: 'si_pickup', priceId: 'twice_weekly' },
    { id: 'si_bins', priceId: 'bin', quantity: 2 },
  ],
  prorationDate: '2026-01-16T06:00:00Z',
  prorationBehavior: 'always_invoice',
  invoiceId: 'in_0002',
});

// 5. Generate the invoice: finalize it with the next number and print it.
const { invoice } = finalizeInvoice(changed.invoice, {
  number: 'INV-0002',
  at: '2026-01-16T06:00:00Z',
  daysUntilDue: 14,
});
console.log(formatInvoiceTable(invoice));
console.log('\nWhere the numbers come from:');
for (const entry of invoice.explanation) {
  console.log(`  ${entry.target.padEnd(44)} ${entry.source.padEnd(12)} ${entry.note}`);
}
