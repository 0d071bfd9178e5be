// The inputs of each engine benchmark, built once. Each case is { name, run }.
import {
  applyDiscountToSubscription,
  BillingService,
  catalogSchema,
  customerSchema,
} from '@billkit/billing-core';
import { applyDiscounts } from '@billkit/discount';
import { money } from '@billkit/money';
import { prorate } from '@billkit/proration';
import { calculateTax, sampleRateTable } from '@billkit/tax';

const usd = (amount) => money(amount, 'USD');

/** Upgrade on day 5, add seats on day 12, downgrade on day 20 — each change credits what the previous billed. */
function prorationSequence() {
  const period = { start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z' };
  const changes = [
    {
      at: '2026-03-05T15:00:00Z',
      type: 'upgrade',
      to: { priceId: 'pro', unitAmount: usd(5800), quantity: 1 },
    },
    {
      at: '2026-03-12T15:00:00Z',
      type: 'quantity_change',
      to: { priceId: 'pro', unitAmount: usd(5800), quantity: 3 },
    },
    {
      at: '2026-03-20T15:00:00Z',
      type: 'downgrade',
      to: { priceId: 'basic', unitAmount: usd(2900), quantity: 3 },
    },
  ];
  const original = {
    configurationId: 'si_basic',
    priceId: 'basic',
    description: 'Basic',
    quantity: 1,
    unitAmount: usd(2900),
    amount: usd(2900),
    slice: period,
  };
  return () => {
    let billed = [original];
    let net = 0;
    for (const change of changes) {
      const result = prorate({
        currency: 'USD',
        timeZone: 'America/New_York',
        period,
        prorationDate: change.at,
        billed,
        change: { type: change.type, to: change.to },
      });
      billed = [...billed, ...result.items];
      net += result.net.amount;
    }
    return net;
  };
}

const TEN_LINES = Array.from({ length: 10 }, (_, i) => ({
  id: `line_${i}`,
  amount: usd(1500 + i * 737),
  quantity: 1 + (i % 4),
  productId: i % 2 === 0 ? 'trash' : 'recycling',
  category: 'waste_collection',
}));

/** A Chicago invoice: state, county, city and transit district — four jurisdictions per line. */
function tax10Lines() {
  const request = {
    currency: 'USD',
    taxDate: '2025-06-01',
    customer: { location: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' } },
    lines: TEN_LINES.map((l) => ({ id: l.id, amount: l.amount, taxCategory: 'general' })),
  };
  return () => calculateTax(request, sampleRateTable);
}

/** Senior 15 %, trash + recycling bundle 10 %, $5 off, and a referral credit, over 10 lines. */
function discount4Stack() {
  const request = {
    currency: 'USD',
    lines: TEN_LINES.map(({ category, ...line }) => line),
    discounts: [
      { id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } },
      {
        id: 'BUNDLE',
        type: 'bundle',
        productIds: ['trash', 'recycling'],
        percentOff: '10',
        duration: { type: 'forever' },
      },
      { id: 'FIVE_OFF', type: 'fixed_amount', amountOff: usd(500), duration: { type: 'forever' } },
      { id: 'REFERRAL', type: 'credit', amount: usd(2500) },
    ],
    context: { now: '2025-03-01T00:00:00Z', periodsBilled: { SENIOR15: 3, BUNDLE: 3, FIVE_OFF: 3 } },
  };
  return () => applyDiscounts(request);
}

/**
 * The whole facade: a 5-item subscription in Chicago with a 15 % discount upgrades every item mid-month
 * (previewSubscriptionChange, no side effects): 5 credits + 5 charges = 10 lines, prorated, discounted
 * and taxed in 4 jurisdictions, with invariants checked.
 */
function invoice10Lines() {
  const products = Array.from({ length: 5 }, (_, i) => ({
    id: `prod_${i}`,
    name: `Service ${i}`,
    taxCategory: 'general',
  }));
  const prices = products.flatMap((p, i) => [
    {
      id: `basic_${i}`,
      productId: p.id,
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 2000 + 300 * i,
      recurring: { interval: 'month' },
    },
    {
      id: `plus_${i}`,
      productId: p.id,
      currency: 'USD',
      billingScheme: 'per_unit',
      unitAmount: 3500 + 400 * i,
      recurring: { interval: 'month' },
    },
  ]);
  const catalog = catalogSchema.parse({ products, prices });
  const customer = customerSchema.parse({
    id: 'cus_bench',
    currency: 'USD',
    timezone: 'America/Chicago',
    address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' },
  });
  const billing = new BillingService({ catalog, tax: sampleRateTable });
  const created = billing.createSubscription({
    id: 'sub_bench',
    customer,
    items: products.map((_, i) => ({ id: `si_${i}`, priceId: `basic_${i}`, quantity: 1 + (i % 3) })),
    startAt: '2026-01-01T06:00:00Z',
    invoiceId: 'in_1',
  });
  const { subscription } = applyDiscountToSubscription(created.subscription, {
    discount: { id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } },
    at: '2026-01-02T15:00:00Z',
  });
  const change = {
    customer,
    items: products.map((_, i) => ({ id: `si_${i}`, priceId: `plus_${i}`, quantity: 1 + (i % 3) })),
    prorationDate: '2026-01-16T06:00:00Z',
  };
  const check = billing.previewSubscriptionChange(subscription, change);
  if (check?.lines.length !== 10) throw new Error(`expected a 10-line invoice, got ${check?.lines.length}`);
  return () => billing.previewSubscriptionChange(subscription, change);
}

export async function cases() {
  return [
    { name: 'billing-core: 10-line invoice (prorate+discount+tax)', run: invoice10Lines() },
    { name: 'tax: 10 lines × 4 jurisdictions', run: tax10Lines() },
    { name: 'discount: 4-discount stack × 10 lines', run: discount4Stack() },
    { name: 'proration: 3-change sequence', run: prorationSequence() },
  ];
}
