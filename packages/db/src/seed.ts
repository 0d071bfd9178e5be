import type { SubscriptionDiscount } from '@billkit/billing-core';
import type { BillingDatabase } from './open-database.js';
import type { Price } from './repositories/catalog.js';
import type { Customer } from './repositories/customers.js';
import type { JurisdictionLevel } from './repositories/tax-rates.js';

/** What `seedDemoTenant` loaded (or found already there). */
export interface SeedSummary {
  tenantId: string;
  alreadySeeded: boolean;
  products: number;
  prices: number;
  discounts: number;
  promotionCodes: string[];
  taxJurisdictions: number;
  taxRates: number;
  customers: number;
  subscriptions: number;
}

const t0 = '2026-01-01T06:00:00.000Z';

const products = [
  {
    id: 'prod_res_trash',
    name: 'Residential weekly trash pickup',
    taxCategory: 'waste_collection_residential',
  },
  {
    id: 'prod_res_recycling',
    name: 'Residential weekly recycling pickup',
    taxCategory: 'waste_collection_residential',
  },
  { id: 'prod_extra_cart', name: 'Extra 96-gallon cart', taxCategory: 'waste_collection_residential' },
  {
    id: 'prod_dumpster_2yd',
    name: 'Commercial dumpster, 2 yd³, weekly service',
    taxCategory: 'waste_collection_commercial',
  },
  {
    id: 'prod_dumpster_4yd',
    name: 'Commercial dumpster, 4 yd³, per weekly pickup',
    taxCategory: 'waste_collection_commercial',
  },
  {
    id: 'prod_dumpster_8yd',
    name: 'Commercial dumpster, 8 yd³, per weekly pickup',
    taxCategory: 'waste_collection_commercial',
  },
  { id: 'prod_bulk_pickup', name: 'Bulk item pickup (one-off)', taxCategory: 'waste_collection_residential' },
] as const;

const monthly = { interval: 'month', intervalCount: 1 } as const;
const base = { currency: 'USD', active: true, taxBehavior: 'exclusive' } as const;
const prices: Price[] = [
  {
    ...base,
    id: 'price_res_trash_monthly',
    productId: 'prod_res_trash',
    lookupKey: 'residential_weekly_monthly',
    recurring: monthly,
    billingScheme: 'per_unit',
    unitAmount: 3499,
  },
  {
    ...base,
    id: 'price_res_trash_yearly',
    productId: 'prod_res_trash',
    lookupKey: 'residential_weekly_yearly',
    recurring: { interval: 'year', intervalCount: 1 },
    billingScheme: 'per_unit',
    unitAmount: 37_788,
  },
  {
    ...base,
    id: 'price_res_recycling_monthly',
    productId: 'prod_res_recycling',
    lookupKey: 'recycling_weekly_monthly',
    recurring: monthly,
    billingScheme: 'per_unit',
    unitAmount: 1299,
  },
  {
    ...base,
    id: 'price_extra_cart_monthly',
    productId: 'prod_extra_cart',
    lookupKey: 'extra_cart_monthly',
    recurring: monthly,
    billingScheme: 'per_unit',
    unitAmount: 800,
  },
  {
    ...base,
    id: 'price_dumpster_2yd_monthly',
    productId: 'prod_dumpster_2yd',
    lookupKey: 'dumpster_2yd_monthly',
    recurring: monthly,
    billingScheme: 'flat',
    flatAmount: 12_900,
  },
  {
    ...base,
    id: 'price_dumpster_4yd_monthly',
    productId: 'prod_dumpster_4yd',
    lookupKey: 'dumpster_4yd_monthly',
    recurring: monthly,
    billingScheme: 'per_unit',
    unitAmount: 18_900,
  },
  {
    ...base,
    id: 'price_dumpster_8yd_monthly',
    productId: 'prod_dumpster_8yd',
    lookupKey: 'dumpster_8yd_monthly',
    recurring: monthly,
    billingScheme: 'tiered',
    tiersMode: 'volume',
    tiers: [
      { upTo: 2, unitAmount: 27_900, flatAmount: 0 },
      { upTo: 5, unitAmount: 24_900, flatAmount: 0 },
      { upTo: null, unitAmount: 22_900, flatAmount: 0 },
    ],
  },
  {
    ...base,
    id: 'price_bulk_pickup',
    productId: 'prod_bulk_pickup',
    lookupKey: 'bulk_pickup',
    recurring: null,
    billingScheme: 'per_unit',
    unitAmount: 4500,
  },
];

/** Definitions in @billkit/discount's shape. */
const discounts = [
  {
    id: 'senior',
    type: 'percentage',
    name: 'Senior discount (65+)',
    percentOff: '15',
    duration: { type: 'forever' },
    appliesTo: { productIds: ['prod_res_trash', 'prod_res_recycling'] },
    firstInvoiceOnly: false,
    priority: 0,
    stacking: 'stackable',
    additive: false,
  },
  {
    id: 'trash_recycling_bundle',
    type: 'bundle',
    name: 'Trash + recycling bundle',
    productIds: ['prod_res_trash', 'prod_res_recycling'],
    amountOff: { amount: 500, currency: 'USD' },
    duration: { type: 'forever' },
    firstInvoiceOnly: false,
    priority: 1,
    stacking: 'stackable',
    additive: false,
  },
  {
    id: 'first_month_free',
    type: 'free_periods',
    name: 'First month free',
    periods: 1,
    percentOff: '100',
    firstInvoiceOnly: true,
    maxRedemptionsPerCustomer: 1,
    priority: 0,
    stacking: 'stackable',
    additive: false,
  },
] as const;

// Combined rates as published by the states for 2026 (demo data — check current rates before relying on them;
// whether waste collection is taxable differs by state and by residential/commercial service).
const jurisdictions: {
  code: string;
  name: string;
  level: JurisdictionLevel;
  region: string;
  county?: string;
  city?: string;
  district?: string;
}[] = [
  { code: 'US-IL', name: 'Illinois', level: 'state', region: 'IL' },
  { code: 'US-IL-COOK', name: 'Cook County', level: 'county', region: 'IL', county: 'Cook' },
  {
    code: 'US-IL-CHICAGO',
    name: 'City of Chicago',
    level: 'city',
    region: 'IL',
    county: 'Cook',
    city: 'Chicago',
  },
  {
    code: 'US-IL-RTA',
    name: 'Regional Transportation Authority',
    level: 'district',
    region: 'IL',
    county: 'Cook',
    district: 'RTA',
  },
  { code: 'US-TX', name: 'Texas', level: 'state', region: 'TX' },
  {
    code: 'US-TX-AUSTIN',
    name: 'City of Austin',
    level: 'city',
    region: 'TX',
    county: 'Travis',
    city: 'Austin',
  },
  {
    code: 'US-TX-CAPMETRO',
    name: 'Capital Metropolitan Transportation Authority',
    level: 'district',
    region: 'TX',
    county: 'Travis',
    district: 'CAPMETRO',
  },
  { code: 'US-WA', name: 'Washington', level: 'state', region: 'WA' },
  {
    code: 'US-WA-SEATTLE',
    name: 'Seattle (local + RTA)',
    level: 'city',
    region: 'WA',
    county: 'King',
    city: 'Seattle',
  },
];

const rates: {
  jurisdictionCode: string;
  rate: string;
  taxCategory: string | null;
  effectiveFrom: string;
  effectiveTo: string | null;
}[] = [
  {
    jurisdictionCode: 'US-IL',
    rate: '0.0625',
    taxCategory: null,
    effectiveFrom: '2000-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-IL-COOK',
    rate: '0.0175',
    taxCategory: null,
    effectiveFrom: '2018-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-IL-CHICAGO',
    rate: '0.0125',
    taxCategory: null,
    effectiveFrom: '2000-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-IL-RTA',
    rate: '0.01',
    taxCategory: null,
    effectiveFrom: '2000-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  // Texas taxes non-residential garbage collection only.
  {
    jurisdictionCode: 'US-TX',
    rate: '0.0625',
    taxCategory: 'waste_collection_commercial',
    effectiveFrom: '2000-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-TX-AUSTIN',
    rate: '0.01',
    taxCategory: 'waste_collection_commercial',
    effectiveFrom: '2000-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-TX-CAPMETRO',
    rate: '0.01',
    taxCategory: 'waste_collection_commercial',
    effectiveFrom: '2000-01-01T06:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-WA',
    rate: '0.065',
    taxCategory: null,
    effectiveFrom: '2000-01-01T08:00:00.000Z',
    effectiveTo: null,
  },
  {
    jurisdictionCode: 'US-WA-SEATTLE',
    rate: '0.0375',
    taxCategory: null,
    effectiveFrom: '2017-04-01T07:00:00.000Z',
    effectiveTo: '2025-04-01T07:00:00.000Z',
  },
  {
    jurisdictionCode: 'US-WA-SEATTLE',
    rate: '0.0385',
    taxCategory: null,
    effectiveFrom: '2025-04-01T07:00:00.000Z',
    effectiveTo: null,
  },
];

function demoCustomer(
  id: string,
  name: string,
  address: Customer['address'],
  timezone: string,
  taxExempt: Customer['taxExempt'] = 'none',
): Customer {
  return {
    id,
    name,
    email: `${id.replace('cus_', '')}@example.com`,
    currency: 'USD',
    timezone,
    address,
    taxExempt,
    taxExemptions: [],
    taxIds: [],
    balance: 0,
  };
}

const customers: Customer[] = [
  demoCustomer(
    'cus_maple_household',
    'Maple Street Household',
    {
      line1: '1420 W Maple St',
      city: 'Chicago',
      county: 'Cook',
      region: 'IL',
      postalCode: '60622',
      country: 'US',
      districts: ['RTA'],
    },
    'America/Chicago',
  ),
  demoCustomer(
    'cus_ruth_senior',
    'Ruth Alvarez',
    {
      line1: '88 E Oak Ave',
      city: 'Chicago',
      county: 'Cook',
      region: 'IL',
      postalCode: '60611',
      country: 'US',
      districts: ['RTA'],
    },
    'America/Chicago',
  ),
  demoCustomer(
    'cus_lakeside_diner',
    'Lakeside Diner LLC',
    {
      line1: '2100 S Lamar Blvd',
      city: 'Austin',
      county: 'Travis',
      region: 'TX',
      postalCode: '78704',
      country: 'US',
      districts: ['CAPMETRO'],
    },
    'America/Chicago',
  ),
  demoCustomer(
    'cus_pike_brewing',
    'Pike Place Brewing Co.',
    {
      line1: '1415 1st Ave',
      city: 'Seattle',
      county: 'King',
      region: 'WA',
      postalCode: '98101',
      country: 'US',
    },
    'America/Los_Angeles',
  ),
];

/**
 * Loads the demo tenant of a waste-collection business: residential weekly pickup (monthly and yearly),
 * recycling, commercial dumpster plans (flat, per pickup, volume-tiered), a senior discount, a
 * trash + recycling bundle, a first-month-free promotion (code FIRSTMONTHFREE), tax rates for Chicago IL,
 * Austin TX and Seattle WA, four customers and three subscriptions. Running it again changes nothing.
 *
 * @example
 * const db = await openDatabase();
 * await seedDemoTenant(db); // tenant 'demo-waste'
 */
export async function seedDemoTenant(
  db: BillingDatabase,
  options: { tenantId?: string } = {},
): Promise<SeedSummary> {
  const tenantId = options.tenantId ?? 'demo-waste';
  const summary: SeedSummary = {
    tenantId,
    alreadySeeded: false,
    products: products.length,
    prices: prices.length,
    discounts: discounts.length,
    promotionCodes: ['FIRSTMONTHFREE'],
    taxJurisdictions: jurisdictions.length,
    taxRates: rates.length,
    customers: customers.length,
    subscriptions: 3,
  };
  if (await db.tenants.get(tenantId)) return { ...summary, alreadySeeded: true };
  // Ids are prefixed with the tenant so several demo tenants can live in one database.
  const id = (raw: string) => (tenantId === 'demo-waste' ? raw : `${tenantId}_${raw}`);
  await db.transaction(async (tx) => {
    await tx.tenants.create({
      id: tenantId,
      name: 'Evergreen Waste & Recycling (demo)',
      defaultCurrency: 'USD',
    });
    for (const product of products)
      await tx.products.save(tenantId, { ...product, id: id(product.id), active: true });
    for (const price of prices)
      await tx.prices.save(tenantId, { ...price, id: id(price.id), productId: id(price.productId) });
    for (const discount of discounts) {
      const definition: Record<string, unknown> & { id: string; type: string } = JSON.parse(
        JSON.stringify(discount),
      );
      if (Array.isArray(definition.productIds))
        definition.productIds = (definition.productIds as string[]).map(id);
      const appliesTo = definition.appliesTo as { productIds?: string[] } | undefined;
      if (appliesTo?.productIds) appliesTo.productIds = appliesTo.productIds.map(id);
      await tx.discounts.saveDefinition(tenantId, definition);
    }
    await tx.discounts.createPromotionCode(tenantId, {
      id: id('promo_firstmonthfree'),
      discountDefinitionId: 'first_month_free',
      code: 'FIRSTMONTHFREE',
      maxRedemptions: 500,
      expiresAt: '2026-12-31T06:00:00.000Z',
    });
    for (const j of jurisdictions) {
      await tx.taxRates.saveJurisdiction(tenantId, {
        code: j.code,
        name: j.name,
        level: j.level,
        country: 'US',
        region: j.region,
        county: j.county ?? null,
        city: j.city ?? null,
        district: j.district ?? null,
      });
    }
    for (const rate of rates) await tx.taxRates.addRate(tenantId, { ...rate, taxType: 'sales' });
    for (const customer of customers) await tx.customers.save(tenantId, { ...customer, id: id(customer.id) });

    const subscription = (
      subId: string,
      customerId: string,
      items: { priceId: string; quantity: number }[],
      extra = {},
    ) =>
      tx.subscriptions.create(tenantId, {
        id: id(subId),
        customerId: id(customerId),
        currency: 'USD',
        status: 'active',
        items: items.map((item, n) => ({
          id: id(`${subId}_item${n + 1}`),
          priceId: id(item.priceId),
          quantity: item.quantity,
        })),
        currentPeriodStart: t0,
        currentPeriodEnd: '2026-02-01T06:00:00.000Z',
        billingCycleAnchor: t0,
        trialStart: null,
        trialEnd: null,
        discounts: [],
        cancelAtPeriodEnd: false,
        canceledAt: null,
        endedAt: null,
        pausedAt: null,
        createdAt: t0,
        periodsBilled: 0,
        pendingInvoiceItems: [],
        billedLines: [],
        latestInvoiceId: null,
        version: 0,
        ...extra,
      });
    await subscription('sub_maple_bundle', 'cus_maple_household', [
      { priceId: 'price_res_trash_monthly', quantity: 1 },
      { priceId: 'price_res_recycling_monthly', quantity: 1 },
    ]);
    const senior = await tx.discounts.getDefinition(tenantId, 'senior');
    await subscription(
      'sub_ruth_trash',
      'cus_ruth_senior',
      [{ priceId: 'price_res_trash_monthly', quantity: 1 }],
      {
        discounts: [
          // Stored definitions carry every @billkit/discount default (see `discounts` above).
          {
            id: id('di_ruth_senior'),
            discount: senior?.definition as SubscriptionDiscount['discount'],
            start: t0,
            periodsApplied: 0,
          },
        ],
      },
    );
    await tx.discounts.redeem(tenantId, {
      discountDefinitionId: 'senior',
      customerId: id('cus_ruth_senior'),
      subscriptionId: id('sub_ruth_trash'),
      at: t0,
    });
    await subscription('sub_lakeside_dumpster', 'cus_lakeside_diner', [
      { priceId: 'price_dumpster_8yd_monthly', quantity: 3 },
    ]);
    await tx.auditLog.append(tenantId, {
      type: 'tenant.seeded',
      entityType: 'tenant',
      entityId: tenantId,
      actor: 'billkit-db seed',
      data: { products: products.length, prices: prices.length, customers: customers.length },
      occurredAt: t0,
    });
  });
  return summary;
}
