import type { TaxAmount } from '@billkit/billing-core';
import type { Money } from '@billkit/money';
import type { BillingDatabase, Customer, Invoice, Price, Product, Subscription } from '../../src/index.js';
import { newId } from '../../src/index.js';

export function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: newId('cus'),
    name: 'Maple Street Household',
    email: 'household@example.com',
    currency: 'USD',
    timezone: 'America/Chicago',
    address: {
      line1: '12 Maple St',
      country: 'US',
      region: 'IL',
      county: 'Cook',
      city: 'Chicago',
      postalCode: '60601',
    },
    taxExempt: 'none',
    taxExemptions: [],
    taxIds: [],
    balance: 0,
    ...overrides,
  };
}

export function product(overrides: Partial<Product> = {}): Product {
  return {
    id: newId('prod'),
    name: 'Residential weekly pickup',
    taxCategory: 'waste_collection',
    active: true,
    ...overrides,
  };
}

export function monthlyPrice(productId: string, unitAmount = 3499): Price {
  return {
    id: newId('price'),
    productId,
    currency: 'USD',
    active: true,
    recurring: { interval: 'month', intervalCount: 1 },
    taxBehavior: 'exclusive',
    billingScheme: 'per_unit',
    unitAmount,
  };
}

export function subscription(
  customerId: string,
  priceId: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return {
    id: newId('sub'),
    customerId,
    currency: 'USD',
    status: 'active',
    items: [{ id: newId('si'), priceId, quantity: 1 }],
    currentPeriodStart: '2026-01-01T06:00:00.000Z',
    currentPeriodEnd: '2026-02-01T06:00:00.000Z',
    billingCycleAnchor: '2026-01-01T06:00:00.000Z',
    trialStart: null,
    trialEnd: null,
    discounts: [],
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    pausedAt: null,
    createdAt: '2026-01-01T06:00:00.000Z',
    periodsBilled: 0,
    pendingInvoiceItems: [],
    billedLines: [],
    latestInvoiceId: null,
    version: 0,
    ...overrides,
  };
}

/** A tenant with one customer on one monthly plan. */
export async function tenantWithSubscription(db: BillingDatabase, tenantId = newId('ten')) {
  await db.tenants.create({ id: tenantId, name: `Tenant ${tenantId}`, defaultCurrency: 'USD' });
  const c = await db.customers.save(tenantId, customer());
  const p = await db.products.save(tenantId, product());
  const price = await db.prices.save(tenantId, monthlyPrice(p.id));
  const sub = await db.subscriptions.create(tenantId, subscription(c.id, price.id));
  return { tenantId, customer: c, product: p, price, subscription: sub };
}

const usd = (amount: number): Money => ({ amount, currency: 'USD' });

function taxAmount(
  jurisdictionId: string,
  name: string,
  level: string,
  rate: string,
  taxable: number,
  amount: number,
): TaxAmount {
  return {
    jurisdictionId,
    jurisdictionName: name,
    jurisdictionLevel: level,
    taxType: 'sales_tax',
    rate,
    taxableAmount: usd(taxable),
    amount: usd(amount),
    inclusive: false,
    taxabilityReason: 'standard_rated',
  };
}

/**
 * A two-line invoice: a plan line with a discount and two taxes, and a proration credit.
 * Plan 3499 − discount 350 → taxable 3149; state 6.25 % = 196.8 → 197, county 1.75 % = 55.1 → 55.
 * Credit −1000 with tax −62 (6.25 % of −1000 = −62.5 → −62 half-even). Subtotal 2499, discount 350,
 * tax 197 + 55 − 62 = 190, total 2499 − 350 + 190 = 2339.
 */
export function invoice(
  ids: { customerId: string; subscriptionId: string | null; priceId: string },
  overrides: Partial<Invoice> = {},
): Invoice {
  const id = newId('in');
  const period = { start: '2026-01-15T06:00:00.000Z', end: '2026-02-01T06:00:00.000Z' };
  return {
    id,
    number: null,
    customerId: ids.customerId,
    subscriptionId: ids.subscriptionId,
    status: 'draft',
    billingReason: 'subscription_update',
    currency: 'USD',
    timezone: 'America/Chicago',
    periodStart: period.start,
    periodEnd: period.end,
    createdAt: '2026-01-15T06:00:00.000Z',
    dueDate: null,
    finalizedAt: null,
    paidAt: null,
    voidedAt: null,
    markedUncollectibleAt: null,
    lines: [
      {
        id: `${id}_li_1`,
        type: 'proration',
        description: 'Residential weekly pickup × 1',
        period,
        quantity: 1,
        unitAmount: usd(3499),
        amount: usd(3499),
        priceId: ids.priceId,
        productId: null,
        subscriptionItemId: null,
        proration: true,
        taxBehavior: 'exclusive',
        taxCategory: 'waste_collection',
        discountAmounts: [{ discountId: 'senior', amount: usd(350) }],
        taxAmounts: [
          taxAmount('US-IL', 'Illinois', 'state', '0.0625', 3149, 197),
          taxAmount('US-IL-COOK', 'Cook County', 'county', '0.0175', 3149, 55),
        ],
      },
      {
        id: `${id}_li_2`,
        type: 'proration',
        description: 'Unused time on Residential biweekly pickup',
        period,
        quantity: 1,
        unitAmount: null,
        amount: usd(-1000),
        priceId: ids.priceId,
        productId: null,
        subscriptionItemId: null,
        proration: true,
        taxBehavior: 'exclusive',
        taxCategory: 'waste_collection',
        discountAmounts: [],
        taxAmounts: [taxAmount('US-IL', 'Illinois', 'state', '0.0625', -1000, -62)],
      },
    ],
    subtotal: usd(2499),
    totalDiscountAmounts: [{ discountId: 'senior', amount: usd(350) }],
    totalDiscount: usd(350),
    totalTaxAmounts: [
      {
        jurisdictionId: 'US-IL',
        jurisdictionName: 'Illinois',
        jurisdictionLevel: 'state',
        taxType: 'sales_tax',
        inclusive: false,
        taxableAmount: usd(2149),
        amount: usd(135),
      },
      {
        jurisdictionId: 'US-IL-COOK',
        jurisdictionName: 'Cook County',
        jurisdictionLevel: 'county',
        taxType: 'sales_tax',
        inclusive: false,
        taxableAmount: usd(3149),
        amount: usd(55),
      },
    ],
    tax: usd(190),
    total: usd(2339),
    startingBalance: usd(0),
    endingBalance: usd(0),
    amountDue: usd(2339),
    amountPaid: usd(0),
    amountRemaining: usd(2339),
    explanation: [
      {
        target: 'total',
        source: 'billing-core',
        amount: usd(2339),
        inputs: { subtotal: 2499 },
        note: 'subtotal − discount + tax',
      },
    ],
    ...overrides,
  };
}

/** A renewal (subscription_cycle) invoice for the period starting at `periodStart`: one plan line, no tax. */
export function cycleInvoice(
  ids: { customerId: string; subscriptionId: string; priceId: string },
  periodStart: string,
  periodEnd: string,
  amount = 3499,
): Invoice {
  const base = invoice(ids);
  return {
    ...base,
    billingReason: 'subscription_cycle',
    periodStart,
    periodEnd,
    subtotal: usd(amount),
    totalDiscountAmounts: [],
    totalDiscount: usd(0),
    totalTaxAmounts: [],
    tax: usd(0),
    total: usd(amount),
    amountDue: usd(amount),
    amountRemaining: usd(amount),
    explanation: [],
    lines: [
      {
        id: `${base.id}_li_1`,
        type: 'subscription',
        description: 'Residential weekly pickup',
        period: { start: periodStart, end: periodEnd },
        quantity: 1,
        unitAmount: usd(amount),
        amount: usd(amount),
        priceId: ids.priceId,
        productId: null,
        subscriptionItemId: null,
        proration: false,
        taxBehavior: 'exclusive',
        taxCategory: 'waste_collection',
        discountAmounts: [],
        taxAmounts: [],
      },
    ],
  };
}
