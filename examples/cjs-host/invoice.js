// A host application (CommonJS) that bills with @billkit/billing-core, installed from npm.
// Scenario: a $30.00/month pickup plan with a 20 % discount, upgraded to the $60.00 plan half-way
// through April (a 30-day month), invoiced at once, in Texas (6.25 % state sales tax).
const {
  BillingService,
  catalogSchema,
  customerSchema,
  formatInvoiceTable,
} = require('@billkit/billing-core');

const catalog = catalogSchema.parse({
  products: [{ id: 'prod_pickup', name: 'Curbside pickup', taxCategory: 'general' }],
  prices: [
    {
      id: 'basic',
      productId: 'prod_pickup',
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 3000,
      recurring: { interval: 'month' },
    },
    {
      id: 'premium',
      productId: 'prod_pickup',
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 6000,
      recurring: { interval: 'month' },
    },
  ],
});

// The host's own rate table: plain data (illustrative; check real rates with the tax authority).
const rateTable = {
  name: 'host app rates',
  taxCategories: [{ id: 'general', description: 'Taxed at the standard rate' }],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-TX', name: 'Texas', level: 'state', parentId: 'US', match: { region: 'TX' } },
  ],
  rates: [{ jurisdictionId: 'US-TX', taxType: 'sales', rate: '0.0625', validFrom: '2020-01-01' }],
};

const customer = customerSchema.parse({
  id: 'cus_ada',
  name: 'Ada Lovelace',
  currency: 'USD',
  timezone: 'America/Chicago',
  address: { country: 'US', region: 'TX', city: 'Houston', postalCode: '77002' },
});

const billing = new BillingService({ catalog, tax: rateTable });

// 1 April (midnight in Chicago = 05:00Z): subscribe to basic with 20 % off, forever.
const created = billing.createSubscription({
  id: 'sub_ada',
  customer,
  items: [{ id: 'si_pickup', priceId: 'basic' }],
  startAt: '2026-04-01T05:00:00Z',
  discounts: [{ id: 'WELCOME20', type: 'percentage', percentOff: '20', duration: { type: 'forever' } }],
  invoiceId: 'in_0001',
});

// 16 April: upgrade to premium; the 15 remaining days of 30 are prorated and invoiced now.
const changed = billing.changeSubscription(created.subscription, {
  customer,
  items: [{ id: 'si_pickup', priceId: 'premium' }],
  prorationDate: '2026-04-16T05:00:00Z',
  prorationBehavior: 'always_invoice',
  invoiceId: 'in_0002',
});

const invoice = changed.invoice;
console.log(formatInvoiceTable(invoice));
// The last line is what the adoption test compares between the ESM and CommonJS hosts.
console.log(
  JSON.stringify({
    moduleFormat: typeof require === 'undefined' ? 'esm' : 'cjs',
    totals: {
      currency: invoice.currency,
      firstInvoiceTotal: created.invoice.total.amount,
      lines: invoice.lines.map((line) => line.amount.amount),
      subtotal: invoice.subtotal.amount,
      totalDiscount: invoice.totalDiscount.amount,
      totalTax: invoice.tax.amount,
      total: invoice.total.amount,
      amountDue: invoice.amountDue.amount,
    },
  }),
);
