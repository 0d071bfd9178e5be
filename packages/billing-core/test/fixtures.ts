import type { RateTable } from '@billkit/tax';
import {
  buildInvoice,
  type Catalog,
  type Customer,
  type CustomerInput,
  catalogSchema,
  customerSchema,
  type PriceInput,
  type ProductInput,
} from '../src/index.js';

/**
 * Rates for the tests, written here so the expectations do not move when the tax package's sample
 * table is updated. Illinois 6.25 %, Cook County 1.75 %, Chicago 1.25 % are the published general
 * merchandise rates (IDOR, 2016 onwards). Japan's consumption tax is 10 % (since 2019-10-01).
 * Kuwait has no VAT: the 5 % GCC rate below is hypothetical, used only to exercise a three-decimal currency.
 */
export const rateTable: RateTable = {
  name: 'billing-core tests',
  taxCategories: [
    { id: 'general' },
    { id: 'services' },
    { id: 'digital' },
    { id: 'waste_collection' },
    { id: 'exempt', treatment: 'exempt' },
  ],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-IL', name: 'Illinois', level: 'state', parentId: 'US', match: { region: 'IL' } },
    { id: 'US-IL-COOK', name: 'Cook County', level: 'county', parentId: 'US-IL', match: { county: 'Cook' } },
    {
      id: 'US-IL-CHICAGO',
      name: 'Chicago',
      level: 'city',
      parentId: 'US-IL-COOK',
      match: { city: 'Chicago' },
    },
    { id: 'US-OR', name: 'Oregon', level: 'state', parentId: 'US', match: { region: 'OR' } },
    { id: 'JP', name: 'Japan', level: 'country', country: 'JP' },
    { id: 'KW', name: 'Kuwait', level: 'country', country: 'KW' },
    { id: 'DE', name: 'Germany', level: 'country', country: 'DE' },
  ],
  rates: [
    { jurisdictionId: 'US-IL', taxType: 'sales', rate: '0.0625', validFrom: '2016-01-01' },
    { jurisdictionId: 'US-IL-COOK', taxType: 'sales', rate: '0.0175', validFrom: '2016-01-01' },
    { jurisdictionId: 'US-IL-CHICAGO', taxType: 'sales', rate: '0.0125', validFrom: '2016-01-01' },
    { jurisdictionId: 'JP', taxType: 'vat', rate: '0.1', validFrom: '2019-10-01' },
    { jurisdictionId: 'KW', taxType: 'vat', rate: '0.05', validFrom: '2020-01-01' },
    { jurisdictionId: 'DE', taxType: 'vat', rate: '0.19', validFrom: '2021-01-01' },
  ],
};

export const chicagoAddress = {
  country: 'US',
  region: 'IL',
  county: 'Cook',
  city: 'Chicago',
  postalCode: '60601',
};

export function customer(overrides: Partial<CustomerInput> = {}): Customer {
  return customerSchema.parse({
    id: 'cus_1',
    name: 'Ada',
    currency: 'USD',
    timezone: 'America/Chicago',
    address: chicagoAddress,
    ...overrides,
  });
}

const products: ProductInput[] = [
  { id: 'prod_basic', name: 'Basic', taxCategory: 'general' },
  { id: 'prod_pro', name: 'Pro', taxCategory: 'general' },
  { id: 'prod_seat', name: 'Seat', taxCategory: 'general' },
  { id: 'prod_bins', name: 'Bins', taxCategory: 'general' },
  { id: 'prod_setup', name: 'Setup', taxCategory: 'services' },
  { id: 'prod_book', name: 'Exempt guide', taxCategory: 'exempt' },
];

const monthly = { interval: 'month' as const, intervalCount: 1 };

const prices: PriceInput[] = [
  {
    id: 'basic_usd',
    productId: 'prod_basic',
    currency: 'USD',
    billingScheme: 'per_unit',
    unitAmount: 3000,
    recurring: monthly,
  },
  {
    id: 'pro_usd',
    productId: 'prod_pro',
    currency: 'USD',
    billingScheme: 'per_unit',
    unitAmount: 6000,
    recurring: monthly,
  },
  {
    id: 'seat_usd',
    productId: 'prod_seat',
    currency: 'USD',
    billingScheme: 'per_unit',
    unitAmount: 1000,
    recurring: monthly,
  },
  {
    id: 'pro_usd_inclusive',
    productId: 'prod_pro',
    currency: 'USD',
    billingScheme: 'per_unit',
    unitAmount: 10925,
    recurring: monthly,
    taxBehavior: 'inclusive',
  },
  {
    id: 'bins_graduated',
    productId: 'prod_bins',
    currency: 'USD',
    billingScheme: 'tiered',
    tiersMode: 'graduated',
    recurring: monthly,
    tiers: [
      { upTo: 5, unitAmount: 1000 },
      { upTo: 10, unitAmount: 800 },
      { upTo: null, unitAmount: 500, flatAmount: 200 },
    ],
  },
  {
    id: 'bins_volume',
    productId: 'prod_bins',
    currency: 'USD',
    billingScheme: 'tiered',
    tiersMode: 'volume',
    recurring: monthly,
    tiers: [
      { upTo: 5, unitAmount: 1000 },
      { upTo: 10, unitAmount: 800, flatAmount: 500 },
      { upTo: null, unitAmount: 500 },
    ],
  },
  {
    id: 'flat_usd',
    productId: 'prod_basic',
    currency: 'USD',
    billingScheme: 'flat',
    flatAmount: 2500,
    recurring: monthly,
  },
  { id: 'setup_usd', productId: 'prod_setup', currency: 'USD', billingScheme: 'per_unit', unitAmount: 15000 },
  { id: 'guide_usd', productId: 'prod_book', currency: 'USD', billingScheme: 'per_unit', unitAmount: 2000 },
  {
    id: 'basic_jpy',
    productId: 'prod_basic',
    currency: 'JPY',
    billingScheme: 'per_unit',
    unitAmount: 3000,
    recurring: monthly,
  },
  {
    id: 'pro_jpy',
    productId: 'prod_pro',
    currency: 'JPY',
    billingScheme: 'per_unit',
    unitAmount: 4980,
    recurring: monthly,
  },
  {
    id: 'basic_kwd',
    productId: 'prod_basic',
    currency: 'KWD',
    billingScheme: 'per_unit',
    unitAmount: 9995,
    recurring: monthly,
  },
  {
    id: 'pro_kwd',
    productId: 'prod_pro',
    currency: 'KWD',
    billingScheme: 'per_unit',
    unitAmount: 19995,
    recurring: monthly,
  },
];

export const catalog: Catalog = catalogSchema.parse({ products, prices });

export const env = { catalog, tax: rateTable };

/** A one-line draft: 150.00 setup (services) for a Chicago customer, taxed 9.25 % → 163.88. */
export function draftInvoice(overrides: { balance?: number; quantity?: number } = {}) {
  return buildInvoice(
    {
      invoiceId: 'in_draft',
      customer: customer({ balance: overrides.balance ?? 0 }),
      billingReason: 'manual',
      createdAt: '2026-03-07T18:00:00Z',
      items: [{ priceId: 'setup_usd', quantity: overrides.quantity ?? 1 }],
    },
    env,
  ).invoice;
}
