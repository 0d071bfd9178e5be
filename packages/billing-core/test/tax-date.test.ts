import type { RateTable } from '@billkit/tax';
import { describe, expect, it } from 'vitest';
import {
  buildInvoice,
  catalogSchema,
  createSubscription,
  customerSchema,
  localDate,
  renewSubscription,
} from '../src/index.js';

/**
 * German VAT: 19 %, cut to 16 % from 1 July to 31 December 2020 (Zweites Corona-Steuerhilfegesetz),
 * 19 % again from 1 January 2021. The periods are calendar dates, as tax law writes them.
 */
const germanVat: RateTable = {
  name: 'German VAT 2020',
  taxCategories: [{ id: 'general' }],
  jurisdictions: [{ id: 'DE', name: 'Germany', level: 'country', country: 'DE' }],
  rates: [
    { jurisdictionId: 'DE', taxType: 'vat', rate: '0.19', validFrom: '2007-01-01', validTo: '2020-07-01' },
    { jurisdictionId: 'DE', taxType: 'vat', rate: '0.16', validFrom: '2020-07-01', validTo: '2021-01-01' },
    { jurisdictionId: 'DE', taxType: 'vat', rate: '0.19', validFrom: '2021-01-01' },
  ],
};

const env = {
  tax: germanVat,
  catalog: catalogSchema.parse({
    products: [{ id: 'prod_pro', name: 'Pro', taxCategory: 'general' }],
    prices: [
      {
        id: 'pro_eur',
        productId: 'prod_pro',
        currency: 'EUR',
        billingScheme: 'per_unit',
        unitAmount: 10000,
        recurring: { interval: 'month', intervalCount: 1 },
      },
    ],
  }),
};

const customerIn = (timezone: string) =>
  customerSchema.parse({ id: 'cus_de', currency: 'EUR', timezone, address: { country: 'DE' } });
const berlin = customerIn('Europe/Berlin');

const subscribe = (startAt: string, customer = berlin) =>
  createSubscription(
    { id: 'sub_de', customer, items: [{ id: 'si_1', priceId: 'pro_eur' }], startAt, invoiceId: 'in_1' },
    env,
  );

describe('tax rates are chosen by the customer’s local date', () => {
  // 100.00 EUR: 19 % is 19.00, 16 % is 16.00.
  it.each([
    [
      'local midnight on 1 January 2021 (23:00 UTC the day before) is taxed at 19 %',
      '2020-12-31T23:00:00Z',
      1900,
    ],
    ['one second before local midnight on 1 January 2021 is taxed at 16 %', '2020-12-31T22:59:59Z', 1600],
    [
      'local midnight on 1 July 2020 (summer time, 22:00 UTC the day before) is taxed at 16 %',
      '2020-06-30T22:00:00Z',
      1600,
    ],
    ['one second before local midnight on 1 July 2020 is taxed at 19 %', '2020-06-30T21:59:59Z', 1900],
  ])('a subscription starting at %s', (_, startAt, tax) => {
    const invoice = subscribe(startAt).invoice;
    expect(invoice?.tax.amount).toBe(tax);
    expect(invoice?.total.amount).toBe(10000 + tax);
  });

  it('renews at local midnight on 1 January with the new year’s rate', () => {
    // Anchored at local midnight on 1 December 2020 (23:00 UTC on 30 November).
    const created = subscribe('2020-11-30T23:00:00Z');
    expect(created.invoice?.tax.amount).toBe(1600);
    const renewal = renewSubscription(created.subscription, { customer: berlin, invoiceId: 'in_2' }, env);
    expect(renewal.invoice?.periodStart).toBe('2020-12-31T23:00:00.000Z');
    expect(renewal.invoice?.tax.amount).toBe(1900);
  });

  it.each<[string, { createdAt: string; timezone: string; taxDate?: string }, number, string]>([
    [
      'an instant is read in the customer’s time zone (still 31 December in New York)',
      { createdAt: '2021-01-01T03:00:00Z', timezone: 'America/New_York' },
      1600,
      '2020-12-31',
    ],
    [
      'an instant is read in the customer’s time zone (already 1 January in Tokyo)',
      { createdAt: '2020-12-31T16:00:00Z', timezone: 'Asia/Tokyo' },
      1900,
      '2021-01-01',
    ],
    [
      'a calendar date given as taxDate is taken as it is',
      { createdAt: '2020-12-31T12:00:00Z', timezone: 'Europe/Berlin', taxDate: '2021-01-01' },
      1900,
      '2021-01-01',
    ],
    [
      'an instant given as taxDate is read in the customer’s time zone',
      { createdAt: '2021-01-15T12:00:00Z', timezone: 'Europe/Berlin', taxDate: '2020-12-31T22:30:00Z' },
      1600,
      '2020-12-31',
    ],
  ])('buildInvoice: %s', (_, { createdAt, timezone, taxDate }, tax, explainedDate) => {
    const { invoice } = buildInvoice(
      {
        invoiceId: 'in_x',
        customer: customerIn(timezone),
        billingReason: 'manual',
        createdAt,
        items: [{ priceId: 'pro_eur', quantity: 1 }],
        ...(taxDate ? { taxDate } : {}),
      },
      env,
    );
    expect(invoice.tax.amount).toBe(tax);
    const entry = invoice.explanation.find((e) => e.source === 'tax');
    expect(entry?.inputs.taxDate).toBe(explainedDate);
  });
});

describe('localDate', () => {
  it.each([
    ['2020-12-31T23:00:00Z', 'Europe/Berlin', '2021-01-01'],
    ['2020-12-31T22:59:59.999Z', 'Europe/Berlin', '2020-12-31'],
    ['2026-03-08T07:59:59Z', 'America/Chicago', '2026-03-08'],
    ['2026-03-08T05:59:59Z', 'America/Chicago', '2026-03-07'],
    ['2026-01-01T00:00:00+14:00', 'UTC', '2025-12-31'],
    ['2026-01-01', 'Pacific/Kiritimati', '2026-01-01'],
  ])('%s in %s is %s', (at, timeZone, expected) => {
    expect(localDate(at, timeZone)).toBe(expected);
  });
});
