import { describe, expect, it } from 'vitest';
import {
  buildInvoice,
  changeSubscription,
  checkInvoiceInvariants,
  createSubscription,
  renewSubscription,
} from '../../src/index.js';
import { customer, env } from '../fixtures.js';
import { amounts, lineDiscount, lineTax, taxBy } from './helpers.js';

const at = '2026-01-01T06:00:00Z';

describe('tax-inclusive pricing with a percentage discount', () => {
  // Pro at 109.25 tax included, in Chicago (9.25 %): 100.00 net + 9.25 tax.
  const invoiceWith = (discounts: Parameters<typeof buildInvoice>[0]['discounts']) =>
    buildInvoice(
      {
        invoiceId: 'in_incl',
        customer: customer(),
        billingReason: 'manual',
        createdAt: at,
        items: [{ priceId: 'pro_usd_inclusive', quantity: 1 }],
        ...(discounts ? { discounts } : {}),
      },
      env,
    ).invoice;

  it('extracts the tax from the gross price and adds nothing on top', () => {
    const invoice = invoiceWith(undefined);
    expect([invoice.subtotal.amount, invoice.tax.amount, invoice.total.amount]).toEqual([10925, 925, 10925]);
    expect(invoice.totalTaxAmounts.every((t) => t.inclusive)).toBe(true);
  });

  it('takes 10 % off the gross and extracts the tax from what is left', () => {
    const invoice = invoiceWith([{ id: 'TEN', type: 'percentage', percentOff: '10' }]);
    // 10 % of 10925 = 1092.5 → 1093; 9832 gross left; tax inside it 9832 × 0.0925 / 1.0925 = 832.46 → 832.
    expect(invoice.totalDiscount.amount).toBe(1093);
    expect(invoice.tax.amount).toBe(832);
    // Inclusive tax is already in the subtotal: total = 10925 − 1093.
    expect(invoice.total.amount).toBe(9832);
    expect(invoice.amountDue.amount).toBe(9832);
    expect(invoice.lines[0]!.taxAmounts.map((t) => t.taxableAmount.amount)).toEqual([9000, 9000, 9000]);
    expect(checkInvoiceInvariants(invoice)).toEqual([]);
  });
});

describe('a fixed-amount discount on a proration invoice', () => {
  // Basic 30.00 + 2 seats at 10.00 with 10.00 off every period; on 16 January (16 of 31 days left)
  // Basic becomes Pro and the seats go to 5, invoiced at once.
  const ada = customer();
  const created = createSubscription(
    {
      id: 'sub_fixed',
      customer: ada,
      items: [
        { id: 'si_plan', priceId: 'basic_usd' },
        { id: 'si_seats', priceId: 'seat_usd', quantity: 2 },
      ],
      startAt: at,
      invoiceId: 'in_1',
      discounts: [
        {
          id: 'FLAT10',
          type: 'fixed_amount',
          amountOff: { amount: 1000, currency: 'USD' },
          duration: { type: 'forever' },
        },
      ],
    },
    env,
  );
  const changed = changeSubscription(
    created.subscription,
    {
      customer: ada,
      items: [
        { id: 'si_plan', priceId: 'pro_usd' },
        { id: 'si_seats', priceId: 'seat_usd', quantity: 5 },
      ],
      prorationDate: '2026-01-16T06:00:00Z',
      prorationBehavior: 'always_invoice',
      invoiceId: 'in_2',
    },
    env,
  );

  it('spreads 10.00 over the period lines in proportion to their amounts (3:2)', () => {
    expect(created.invoice!.lines.map(lineDiscount)).toEqual([600, 400]);
  });

  it('produces a credit and a charge per changed item', () => {
    // Basic −3000 × 16/31 = −1548.4, Pro 6000 × 16/31 = 3096.8, seats −2000 × 16/31 = −1032.3, 5000 × 16/31 = 2580.6.
    expect(amounts(changed.invoice!)).toEqual([-1548, 3097, -1032, 2581]);
  });

  it('spreads the fixed amount exactly over the charge lines and leaves the credits as paid', () => {
    const invoice = changed.invoice!;
    const charges = invoice.lines.filter((l) => l.amount.amount > 0);
    const credits = invoice.lines.filter((l) => l.amount.amount < 0);
    expect(charges.reduce((s, l) => s + lineDiscount(l), 0)).toBe(1000);
    const chargeTotal = charges.reduce((s, l) => s + l.amount.amount, 0);
    for (const line of charges) {
      expect(Math.abs(lineDiscount(line) - (1000 * line.amount.amount) / chargeTotal)).toBeLessThan(1);
    }
    expect(credits.map(lineDiscount)).toEqual([0, 0]);
    expect(invoice.totalDiscountAmounts).toEqual([
      { discountId: 'FLAT10', amount: { amount: 1000, currency: 'USD' } },
    ]);
    expect(checkInvoiceInvariants(invoice)).toEqual([]);
  });

  it('taxes credits negatively so the tax of the credit reverses tax charged', () => {
    const invoice = changed.invoice!;
    for (const line of invoice.lines) {
      const base = line.amount.amount - lineDiscount(line);
      expect(Math.sign(lineTax(line))).toBe(Math.sign(base));
    }
  });
});

describe('a free-period discount', () => {
  const ada = customer();
  const firstMonthFree = { id: 'FIRSTFREE', type: 'free_periods' as const, periods: 1 };
  const created = createSubscription(
    {
      id: 'sub_free',
      customer: ada,
      items: [{ id: 'si_1', priceId: 'basic_usd' }],
      startAt: at,
      invoiceId: 'in_1',
      discounts: [firstMonthFree],
    },
    env,
  );

  it('makes the first invoice free, tax included', () => {
    const invoice = created.invoice!;
    expect([
      invoice.subtotal.amount,
      invoice.totalDiscount.amount,
      invoice.tax.amount,
      invoice.total.amount,
    ]).toEqual([3000, 3000, 0, 0]);
  });

  it('bills the renewal in full once the free period is used', () => {
    const renewal = renewSubscription(created.subscription, { customer: ada, invoiceId: 'in_2' }, env);
    const invoice = renewal.invoice!;
    // 3000 × 9.25 % = 277.5 → 278.
    expect([
      invoice.subtotal.amount,
      invoice.totalDiscount.amount,
      invoice.tax.amount,
      invoice.total.amount,
    ]).toEqual([3000, 0, 278, 3278]);
    expect(invoice.periodStart).toBe('2026-02-01T06:00:00.000Z');
    expect(renewal.discounts?.rejected.map((r) => [r.discountId, r.reason])).toEqual([
      ['FIRSTFREE', 'duration_ended'],
    ]);
    expect(renewal.subscription.discounts[0]!.periodsApplied).toBe(2);
  });

  it('gives no credit for free time: an upgrade during the free month costs nothing', () => {
    const changed = changeSubscription(
      created.subscription,
      {
        customer: ada,
        items: [{ id: 'si_1', priceId: 'pro_usd' }],
        prorationDate: '2026-01-16T06:00:00Z',
        prorationBehavior: 'always_invoice',
        invoiceId: 'in_x',
      },
      env,
    );
    const invoice = changed.invoice!;
    expect(amounts(invoice)).toEqual([-1548, 3097]);
    expect(invoice.lines.map((l) => l.amount.amount - lineDiscount(l))).toEqual([0, 0]);
    expect(invoice.total.amount).toBe(0);
  });

  it('keeps pending free-month prorations free when they reach the renewal invoice', () => {
    const changed = changeSubscription(
      created.subscription,
      {
        customer: ada,
        items: [{ id: 'si_1', priceId: 'pro_usd' }],
        prorationDate: '2026-01-16T06:00:00Z',
        prorationBehavior: 'create_prorations',
      },
      env,
    );
    const invoice = renewSubscription(changed.subscription, { customer: ada, invoiceId: 'in_2' }, env)
      .invoice!;
    const prorations = invoice.lines.filter((l) => l.proration);
    expect(prorations.map((l) => l.amount.amount - lineDiscount(l))).toEqual([0, 0]);
    // February: Pro in full, 6000 + 555 tax (6000 × 9.25 %).
    expect(invoice.total.amount).toBe(6555);
  });
});

describe('a customer exempt in one jurisdiction', () => {
  it('pays state and county tax but not the city tax, and the certificate is on the line', () => {
    const exempt = customer({
      taxExemptions: [{ jurisdictionId: 'US-IL-CHICAGO', certificateId: 'CHI-2026-17' }],
    });
    const { invoice } = buildInvoice(
      {
        invoiceId: 'in_ex',
        customer: exempt,
        billingReason: 'manual',
        createdAt: at,
        items: [{ priceId: 'basic_usd', quantity: 1 }],
      },
      env,
    );
    // 3000 × 6.25 % = 187.5 and × 1.75 % = 52.5; the line's 8 % is 240 exactly.
    expect(taxBy(invoice, 'US-IL') + taxBy(invoice, 'US-IL-COOK')).toBe(240);
    expect(taxBy(invoice, 'US-IL-CHICAGO')).toBe(0);
    expect(invoice.total.amount).toBe(3240);
    const chicago = invoice.lines[0]!.taxAmounts.find((t) => t.jurisdictionId === 'US-IL-CHICAGO');
    expect(chicago?.taxabilityReason).toBe('customer_exempt');
    expect(invoice.explanation.some((e) => e.note.includes('CHI-2026-17'))).toBe(true);
  });

  it('pays nothing anywhere when fully exempt', () => {
    const exempt = customer({ taxExempt: 'exempt', taxExemptCertificateId: 'NFP-1' });
    const { invoice } = buildInvoice(
      {
        invoiceId: 'in_ex2',
        customer: exempt,
        billingReason: 'manual',
        createdAt: at,
        items: [{ priceId: 'basic_usd', quantity: 1 }],
      },
      env,
    );
    expect(invoice.tax.amount).toBe(0);
    expect(invoice.total.amount).toBe(3000);
  });

  it('does not tax a product whose category is exempt', () => {
    const { invoice } = buildInvoice(
      {
        invoiceId: 'in_ex3',
        customer: customer(),
        billingReason: 'manual',
        createdAt: at,
        items: [{ priceId: 'guide_usd', quantity: 2 }],
      },
      env,
    );
    expect(invoice.tax.amount).toBe(0);
    expect(invoice.total.amount).toBe(4000);
  });
});
