import { describe, expect, it } from 'vitest';
import {
  changeSubscription,
  checkInvoiceInvariants,
  createSubscription,
  renewSubscription,
} from '../../src/index.js';
import { customer, env } from '../fixtures.js';
import { amounts, lineDiscount, lineTax } from './helpers.js';

// Basic 30.00/month with 20 % off forever, for a customer in Chicago (Illinois 6.25 % + Cook County 1.75 %
// + Chicago 1.25 % = 9.25 %). January 2026 has 31 days; the upgrade to Pro (60.00) happens at midnight
// Chicago time on 16 January, leaving 16 of 31 days.
const ada = customer();
const twenty = {
  id: 'TWENTY',
  type: 'percentage' as const,
  percentOff: '20',
  duration: { type: 'forever' as const },
};
const created = createSubscription(
  {
    id: 'sub_1',
    customer: ada,
    items: [{ id: 'si_1', priceId: 'basic_usd' }],
    startAt: '2026-01-01T06:00:00Z',
    invoiceId: 'in_1',
    discounts: [twenty],
  },
  env,
);
const upgrade = (behavior: 'always_invoice' | 'create_prorations') =>
  changeSubscription(
    created.subscription,
    {
      customer: ada,
      items: [{ id: 'si_1', priceId: 'pro_usd' }],
      prorationDate: '2026-01-16T06:00:00Z',
      prorationBehavior: behavior,
      invoiceId: 'in_2',
    },
    env,
  );

describe('a discounted plan upgraded mid-cycle with taxes in a three-level jurisdiction', () => {
  it('bills the first month at 30.00 − 20 % + 9.25 % tax', () => {
    const invoice = created.invoice!;
    // 3000 − 600 = 2400; 2400 × 0.0925 = 222 exactly.
    expect([
      invoice.subtotal.amount,
      invoice.totalDiscount.amount,
      invoice.tax.amount,
      invoice.total.amount,
    ]).toEqual([3000, 600, 222, 2622]);
    expect(invoice.totalTaxAmounts.map((t) => [t.jurisdictionId, t.amount.amount])).toEqual([
      ['US-IL', 150],
      ['US-IL-COOK', 42],
      ['US-IL-CHICAGO', 30],
    ]);
  });

  it('credits 16/31 of Basic and charges 16/31 of Pro, both 20 % off, each taxed on its discounted amount', () => {
    const invoice = upgrade('always_invoice').invoice!;
    expect(invoice.billingReason).toBe('subscription_update');
    // 3000 × 16/31 = 1548.39 → −1548; 6000 × 16/31 = 3096.77 → 3097.
    expect(amounts(invoice)).toEqual([-1548, 3097]);
    // 20 %: −309.6 → −310 (half-up, away from zero), 619.4 → 619.
    expect(invoice.lines.map(lineDiscount)).toEqual([-310, 619]);
    // Tax on −1238 and 2478 at 9.25 %: −114.515 → −115 and 229.215 → 229.
    expect(invoice.lines.map(lineTax)).toEqual([-115, 229]);
    expect([
      invoice.subtotal.amount,
      invoice.totalDiscount.amount,
      invoice.tax.amount,
      invoice.total.amount,
    ]).toEqual([1549, 309, 114, 1354]);
    expect(checkInvoiceInvariants(invoice)).toEqual([]);
  });

  it('shows every jurisdiction on every line, each within one cent of rate × discounted base', () => {
    const invoice = upgrade('always_invoice').invoice!;
    const rates: Record<string, number> = { 'US-IL': 0.0625, 'US-IL-COOK': 0.0175, 'US-IL-CHICAGO': 0.0125 };
    for (const line of invoice.lines) {
      expect(line.taxAmounts.map((t) => t.jurisdictionLevel)).toEqual(['state', 'county', 'city']);
      const base = line.amount.amount - lineDiscount(line);
      for (const tax of line.taxAmounts) {
        expect(tax.taxableAmount.amount).toBe(base);
        expect(Math.abs(tax.amount.amount - base * rates[tax.jurisdictionId]!)).toBeLessThan(1);
      }
    }
  });

  it('explains each line amount, discount and tax with the engine that produced it', () => {
    const invoice = upgrade('always_invoice').invoice!;
    const [credit, charge] = invoice.lines;
    const trail = (prefix: string) =>
      invoice.explanation.filter((e) => e.target.startsWith(prefix)).map((e) => e.source);
    expect(trail(`lines.${credit!.id}.`)).toEqual(['proration', 'discount', 'tax', 'tax', 'tax']);
    expect(trail(`lines.${charge!.id}.`)).toEqual(['proration', 'discount', 'tax', 'tax', 'tax']);
    const prorated = invoice.explanation.find((e) => e.target === `lines.${charge!.id}.amount`)!;
    expect(prorated.inputs).toMatchObject({ basis: 6000, fraction: '1382400/2678400', kind: 'charge' });
    expect(invoice.explanation.find((e) => e.target === 'total')?.inputs).toEqual({
      subtotal: 1549,
      totalDiscount: 309,
      exclusiveTax: 114,
    });
  });

  it('with create_prorations, the renewal carries the same proration lines, discounted as January was', () => {
    const now = upgrade('always_invoice').invoice!;
    const later = upgrade('create_prorations');
    expect(later.invoice).toBeNull();
    expect(later.subscription.pendingInvoiceItems.map((p) => p.amount)).toEqual([-1548, 3097]);
    const renewal = renewSubscription(later.subscription, { customer: ada, invoiceId: 'in_3' }, env).invoice!;
    // February in advance: Pro 6000 − 20 % = 4800, tax 4800 × 0.0925 = 444; plus January's proration lines.
    const period = renewal.lines.filter((l) => !l.proration);
    const prorations = renewal.lines.filter((l) => l.proration);
    expect(period.map((l) => [l.amount.amount, lineDiscount(l), lineTax(l)])).toEqual([[6000, 1200, 444]]);
    expect(prorations.map((l) => [l.amount.amount, lineDiscount(l), lineTax(l)])).toEqual(
      now.lines.map((l) => [l.amount.amount, lineDiscount(l), lineTax(l)]),
    );
    expect(renewal.total.amount).toBe(6000 - 1200 + 444 + 1354);
  });

  it('credits exactly what was charged over three changes in one period', () => {
    // Upgrade on the 6th, add seats on the 13th, downgrade back on the 21st, all invoiced at once:
    // every configuration is credited only for time it was charged for, so the credits never exceed the charges.
    let subscription = created.subscription;
    const invoices = [];
    const steps: [string, { id: string; priceId: string; quantity?: number }[]][] = [
      ['2026-01-06T06:00:00Z', [{ id: 'si_1', priceId: 'pro_usd' }]],
      [
        '2026-01-13T06:00:00Z',
        [
          { id: 'si_1', priceId: 'pro_usd' },
          { id: 'si_2', priceId: 'seat_usd', quantity: 3 },
        ],
      ],
      ['2026-01-21T06:00:00Z', [{ id: 'si_1', priceId: 'basic_usd' }]],
    ];
    for (const [at, items] of steps) {
      const result = changeSubscription(
        subscription,
        {
          customer: ada,
          items,
          prorationDate: at,
          prorationBehavior: 'always_invoice',
          invoiceId: `in_${at}`,
        },
        env,
      );
      subscription = result.subscription;
      invoices.push(result.invoice!);
    }
    const lines = invoices.flatMap((i) => i.lines);
    const line = (priceId: string, sign: 1 | -1) =>
      lines.filter((l) => l.priceId === priceId && Math.sign(l.amount.amount) === sign);
    // 6th: Basic credited for 26 of 31 days (3000 × 26/31 = 2516.1), Pro charged 6000 × 26/31 = 5032.3.
    expect(line('basic_usd', -1).map((l) => l.amount.amount)).toEqual([-2516]);
    expect(line('pro_usd', 1).map((l) => l.amount.amount)).toEqual([5032]);
    // 13th: three seats for 19 of 31 days = 1838.7.
    expect(line('seat_usd', 1).map((l) => l.amount.amount)).toEqual([1839]);
    // 21st: what was paid is credited for the 11 days left: Pro 5032 × 11/26 = 2128.9, seats 1839 × 11/19 = 1064.7;
    // Basic charged again for 11 of 31 days = 1064.5.
    expect(line('pro_usd', -1).map((l) => l.amount.amount)).toEqual([-2129]);
    expect(line('seat_usd', -1).map((l) => l.amount.amount)).toEqual([-1065]);
    expect(line('basic_usd', 1).map((l) => l.amount.amount)).toEqual([1065]);
    for (const invoice of invoices) expect(checkInvoiceInvariants(invoice)).toEqual([]);
    expect(subscription.version).toBe(created.subscription.version + 3);
  });
});
