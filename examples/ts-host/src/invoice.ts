// Strict TypeScript against the published declarations: every value below is typed by @billkit's .d.ts.
import {
  BillingService,
  type Catalog,
  type Customer,
  catalogSchema,
  customerSchema,
  type Invoice,
  type InvoiceLine,
  isBillingError,
  type SubscriptionTransition,
  type TaxSource,
} from '@billkit/billing-core';
import { formatMoney, type Money } from '@billkit/money';

const catalog: Catalog = catalogSchema.parse({
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
  ],
});

const rates: TaxSource = {
  taxCategories: [{ id: 'general' }],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-TX', name: 'Texas', level: 'state', parentId: 'US', match: { region: 'TX' } },
  ],
  rates: [{ jurisdictionId: 'US-TX', taxType: 'sales', rate: '0.0625', validFrom: '2020-01-01' }],
};

const customer: Customer = customerSchema.parse({
  id: 'cus_1',
  currency: 'USD',
  timezone: 'America/Chicago',
  address: { country: 'US', region: 'TX' },
});

const billing = new BillingService({ catalog, tax: rates });

export function firstInvoice(): Invoice | null {
  try {
    const created: SubscriptionTransition = billing.createSubscription({
      id: 'sub_1',
      customer,
      items: [{ id: 'si_1', priceId: 'basic' }],
      startAt: '2026-04-01T05:00:00Z',
      invoiceId: 'in_1',
    });
    return created.invoice;
  } catch (error) {
    if (isBillingError(error)) console.error(error.code);
    throw error;
  }
}

export function describe(invoice: Invoice): string[] {
  const total: Money = invoice.total;
  const lines: readonly InvoiceLine[] = invoice.lines;
  return [
    ...lines.map((line) => `${line.description}: ${formatMoney(line.amount)}`),
    `total ${formatMoney(total)}`,
  ];
}

// The declarations are real types, not `any`: each misuse below must be a compile error.
// @ts-expect-error a Money is { amount, currency }, never a bare number
export const notMoney: Money = 1275;
// @ts-expect-error invoice totals are Money objects
export const wrongTotal: number = (firstInvoice() as Invoice).total;
// @ts-expect-error createSubscription needs a customer, items, startAt and invoiceId
export const incomplete = () => billing.createSubscription({ id: 'sub_2' });
