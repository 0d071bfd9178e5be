import { describe, expect, it } from 'vitest';
import {
  changeSubscription,
  checkInvoiceInvariants,
  createSubscription,
  formatInvoiceTable,
} from '../../src/index.js';
import { customer, env } from '../fixtures.js';
import { amounts, lineTax } from './helpers.js';

// May 2026 has 31 days; each subscription starts at local midnight on 1 May and changes at local
// midnight on 17 May, leaving 15 of 31 days.
describe('JPY invoices (zero decimals)', () => {
  const taro = customer({
    id: 'cus_jp',
    currency: 'JPY',
    timezone: 'Asia/Tokyo',
    address: { country: 'JP', city: 'Tokyo' },
  });
  const created = createSubscription(
    {
      id: 'sub_jp',
      customer: taro,
      items: [{ id: 'si_1', priceId: 'basic_jpy' }],
      startAt: '2026-04-30T15:00:00Z',
      invoiceId: 'in_jp_1',
    },
    env,
  );

  it('bills ¥3,000 + 10 % consumption tax for the month', () => {
    expect([
      created.invoice!.subtotal.amount,
      created.invoice!.tax.amount,
      created.invoice!.total.amount,
    ]).toEqual([3000, 300, 3300]);
    expect(created.subscription.currentPeriodEnd).toBe('2026-05-31T15:00:00.000Z');
  });

  it('prorates and taxes an upgrade in whole yen', () => {
    const { invoice } = changeSubscription(
      created.subscription,
      {
        customer: taro,
        items: [{ id: 'si_1', priceId: 'pro_jpy' }],
        prorationDate: '2026-05-16T15:00:00Z',
        prorationBehavior: 'always_invoice',
        invoiceId: 'in_jp_2',
      },
      env,
    );
    // −3000 × 15/31 = −1451.6 → −1452; 4980 × 15/31 = 2409.7 → 2410; tax −145.2 → −145, 241.0 → 241.
    expect(amounts(invoice!)).toEqual([-1452, 2410]);
    expect(invoice!.lines.map(lineTax)).toEqual([-145, 241]);
    expect(invoice!.total).toEqual({ amount: 1054, currency: 'JPY' });
    expect(checkInvoiceInvariants(invoice!)).toEqual([]);
    expect(formatInvoiceTable(invoice!)).toContain('¥1,054');
  });
});

describe('KWD invoices (three decimals)', () => {
  const noura = customer({
    id: 'cus_kw',
    currency: 'KWD',
    timezone: 'Asia/Kuwait',
    address: { country: 'KW', city: 'Kuwait City' },
  });
  const created = createSubscription(
    {
      id: 'sub_kw',
      customer: noura,
      items: [{ id: 'si_1', priceId: 'basic_kwd' }],
      startAt: '2026-04-30T21:00:00Z',
      invoiceId: 'in_kw_1',
    },
    env,
  );

  it('bills 9.995 KWD + 5 % in fils', () => {
    // 9995 × 0.05 = 499.75 → 500 fils.
    expect([
      created.invoice!.subtotal.amount,
      created.invoice!.tax.amount,
      created.invoice!.total.amount,
    ]).toEqual([9995, 500, 10495]);
    expect(formatInvoiceTable(created.invoice!)).toContain('10.495');
  });

  it('prorates and taxes an upgrade in fils', () => {
    const { invoice } = changeSubscription(
      created.subscription,
      {
        customer: noura,
        items: [{ id: 'si_1', priceId: 'pro_kwd' }],
        prorationDate: '2026-05-16T21:00:00Z',
        prorationBehavior: 'always_invoice',
        invoiceId: 'in_kw_2',
      },
      env,
    );
    // −9995 × 15/31 = −4836.3 → −4836; 19995 × 15/31 = 9675 exactly; tax −241.8 → −242, 483.75 → 484.
    expect(amounts(invoice!)).toEqual([-4836, 9675]);
    expect(invoice!.lines.map(lineTax)).toEqual([-242, 484]);
    expect(invoice!.total).toEqual({ amount: 5081, currency: 'KWD' });
  });

  it('refuses a price in another currency than the customer pays in', () => {
    expect(() =>
      createSubscription(
        {
          id: 'sub_kw2',
          customer: noura,
          items: [{ id: 'si_1', priceId: 'basic_usd' }],
          startAt: '2026-04-30T21:00:00Z',
          invoiceId: 'x',
        },
        env,
      ),
    ).toThrow(expect.objectContaining({ code: 'BILLING_CURRENCY_MISMATCH' }));
  });
});
