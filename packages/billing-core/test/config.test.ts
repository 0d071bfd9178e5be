import { describe, expect, it } from 'vitest';
import {
  BillingService,
  buildInvoice,
  checkInvoiceInvariants,
  customerSchema,
  resolveBillingConfig,
  toTaxCustomer,
} from '../src/index.js';
import { catalog, chicagoAddress, customer, env, rateTable } from './fixtures.js';

describe('resolveBillingConfig', () => {
  it('fills in the documented defaults', () => {
    expect(resolveBillingConfig()).toEqual({
      prorationBehavior: 'create_prorations',
      prorationPrecision: 'second',
      prorationRounding: 'half_up',
      discountRounding: 'half_up',
      taxRounding: 'half_up',
      taxRoundingLevel: 'line',
      daysUntilDue: 30,
    });
  });

  it('rejects an unknown rounding mode', () => {
    expect(() => resolveBillingConfig({ taxRounding: 'nearest' as never })).toThrow();
  });
});

describe('tax rounding level', () => {
  // Seven lines of 0.10 in Chicago: per line 9.25 % of 10 = 0.925 → 1 cent each = 7; per invoice 6.475 → 6.
  const input = {
    invoiceId: 'in_r',
    customer: customer(),
    billingReason: 'manual' as const,
    createdAt: '2026-01-01T00:00:00Z',
    items: Array.from({ length: 7 }, () => ({ priceId: 'cents', quantity: 1 })),
  };
  const cents = {
    ...catalog,
    prices: [
      ...catalog.prices,
      {
        ...catalog.prices[0]!,
        id: 'cents',
        billingScheme: 'per_unit' as const,
        unitAmount: 10,
        recurring: null,
      },
    ],
  };

  it('gives different but each internally consistent totals per line and per invoice', () => {
    const perLine = buildInvoice(input, {
      catalog: cents,
      tax: rateTable,
      config: { taxRoundingLevel: 'line' },
    }).invoice;
    const perInvoice = buildInvoice(input, {
      catalog: cents,
      tax: rateTable,
      config: { taxRoundingLevel: 'invoice' },
    }).invoice;
    expect(perLine.tax.amount).toBeGreaterThan(perInvoice.tax.amount);
    expect(Math.abs(perInvoice.tax.amount - 64.75 / 10)).toBeLessThan(1);
    expect(checkInvoiceInvariants(perLine)).toEqual([]);
    expect(checkInvoiceInvariants(perInvoice)).toEqual([]);
  });

  it('a BillingService carries its configuration into every invoice', () => {
    const billing = new BillingService({
      catalog: cents,
      tax: rateTable,
      config: { taxRoundingLevel: 'invoice' },
    });
    expect(billing.config.taxRoundingLevel).toBe('invoice');
    expect(billing.buildInvoice(input).invoice.tax).toEqual(
      buildInvoice(input, { catalog: cents, tax: rateTable, config: { taxRoundingLevel: 'invoice' } }).invoice
        .tax,
    );
  });
});

describe('toTaxCustomer', () => {
  it.each([
    ['no exemption', {}, undefined],
    [
      'full exemption',
      { taxExempt: 'exempt', taxExemptCertificateId: 'C1' },
      { type: 'exempt', certificateId: 'C1' },
    ],
    [
      'reverse charge with a VAT id',
      { taxExempt: 'reverse', taxIds: ['DE123'] },
      { type: 'reverse_charge', certificateId: 'DE123' },
    ],
    [
      'exemptions in two jurisdictions',
      {
        taxExemptions: [
          { jurisdictionId: 'US-IL-CHICAGO', certificateId: 'A' },
          { jurisdictionId: 'US-IL-COOK', certificateId: 'B' },
        ],
      },
      { type: 'exempt', certificateId: 'A, B', jurisdictionIds: ['US-IL-CHICAGO', 'US-IL-COOK'] },
    ],
  ])('maps %s to the tax engine', (_, fields, exemption) => {
    const mapped = toTaxCustomer(
      customerSchema.parse({ id: 'c', currency: 'USD', timezone: 'UTC', address: chicagoAddress, ...fields }),
    );
    expect(mapped.exemption).toEqual(exemption);
    expect(mapped.location).toMatchObject({ country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' });
  });

  it('reverse-charges a German B2B customer: no VAT on the invoice', () => {
    const b2b = customer({
      currency: 'USD',
      address: { country: 'DE' },
      taxExempt: 'reverse',
      taxIds: ['DE811907980'],
    });
    const { invoice } = buildInvoice(
      {
        invoiceId: 'in_rc',
        customer: b2b,
        billingReason: 'manual',
        createdAt: '2026-01-01T00:00:00Z',
        items: [{ priceId: 'setup_usd', quantity: 1 }],
      },
      env,
    );
    expect(invoice.tax.amount).toBe(0);
    expect(invoice.lines[0]!.taxAmounts[0]?.taxabilityReason).toBe('reverse_charge');
  });

  it('refuses an unknown time zone on a customer', () => {
    expect(
      customerSchema.safeParse({
        id: 'c',
        currency: 'USD',
        timezone: 'Mars/Olympus',
        address: chicagoAddress,
      }).success,
    ).toBe(false);
  });
});
