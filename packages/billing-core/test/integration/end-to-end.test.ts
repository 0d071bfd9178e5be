import { describe, expect, it } from 'vitest';
import {
  applyDiscountToSubscription,
  BillingService,
  checkInvoiceInvariants,
  finalizeInvoice,
  formatInvoiceTable,
  payInvoice,
} from '../../src/index.js';
import { catalog, customer, rateTable } from '../fixtures.js';
import { lineDiscount } from './helpers.js';

// create subscription → apply discount → calculate tax → process proration change → generate invoice
describe('end to end: the staging-plan scenario', () => {
  const billing = new BillingService({ catalog, tax: rateTable });
  const ada = customer();

  // 1. Create: Basic at 30.00/month from midnight 1 January in Chicago; the first invoice is paid.
  const created = billing.createSubscription({
    id: 'sub_e2e',
    customer: ada,
    items: [{ id: 'si_plan', priceId: 'basic_usd' }],
    startAt: '2026-01-01T06:00:00Z',
    invoiceId: 'in_001',
  });
  const finalized = finalizeInvoice(created.invoice!, { number: 'INV-0001', at: '2026-01-01T06:00:00Z' });
  const first = payInvoice(finalized.invoice, { at: '2026-01-01T06:05:00Z' });

  // 2. Apply a discount: 15 % off forever from 10 January.
  const discounted = applyDiscountToSubscription(created.subscription, {
    discount: { id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } },
    at: '2026-01-10T15:00:00Z',
  });

  // 3–4. Upgrade to Pro with two extra seats on 16 January; prorations wait for the next invoice.
  const changed = billing.changeSubscription(discounted.subscription, {
    customer: ada,
    items: [
      { id: 'si_plan', priceId: 'pro_usd' },
      { id: 'si_seats', priceId: 'seat_usd', quantity: 2 },
    ],
    prorationDate: '2026-01-16T06:00:00Z',
  });

  // 5. Generate the February invoice: the new period plus January's prorations, discounted and taxed.
  const renewal = billing.renewSubscription(changed.subscription, { customer: ada, invoiceId: 'in_002' });
  const invoice = finalizeInvoice(renewal.invoice!, {
    number: 'INV-0002',
    at: '2026-02-01T06:00:00Z',
    daysUntilDue: 14,
  }).invoice;

  it('charges the first month at list price plus 9.25 % tax', () => {
    expect(first.invoice.status).toBe('paid');
    expect(first.invoice.amountPaid.amount).toBe(3000 + 278);
  });

  it('credits unused Basic at the price paid (no discount then) and charges Pro and seats 15 % off', () => {
    const prorations = invoice.lines.filter((l) => l.proration);
    // 16 of 31 days: Basic −1548, Pro 3097, 2 seats 1032 (2000 × 16/31 = 1032.26).
    expect(prorations.map((l) => [l.priceId, l.amount.amount, lineDiscount(l)])).toEqual([
      ['basic_usd', -1548, 0],
      ['pro_usd', 3097, 465], // 15 % of 3097 = 464.55 → 465
      ['seat_usd', 1032, 155], // 15 % of 1032 = 154.8 → 155
    ]);
  });

  it('bills February in advance, 15 % off, and everything is taxed on its discounted amount', () => {
    const period = invoice.lines.filter((l) => !l.proration);
    expect(period.map((l) => [l.priceId, l.amount.amount, lineDiscount(l)])).toEqual([
      ['pro_usd', 6000, 900],
      ['seat_usd', 2000, 300],
    ]);
    const subtotal = -1548 + 3097 + 1032 + 6000 + 2000;
    const discount = 465 + 155 + 900 + 300;
    expect(invoice.subtotal.amount).toBe(subtotal);
    expect(invoice.totalDiscount.amount).toBe(discount);
    // Taxed lines: −1548, 2632, 877, 5100, 1700 at 9.25 % = −143.19, 243.46, 81.12, 471.75, 157.25, rounded per line.
    expect(invoice.tax.amount).toBe(-143 + 243 + 81 + 472 + 157);
    expect(invoice.total.amount).toBe(subtotal - discount + invoice.tax.amount);
    expect(checkInvoiceInvariants(invoice)).toEqual([]);
  });

  it('numbers the invoice, dates it in the customer time zone, and prints as a table', () => {
    expect(invoice.status).toBe('open');
    expect(invoice.number).toBe('INV-0002');
    expect(invoice.dueDate).toBe('2026-02-15T06:00:00.000Z');
    const table = formatInvoiceTable(invoice);
    expect(table).toContain('Discount SENIOR15');
    expect(table).toContain('Cook County sales');
    expect(table.split('\n').length).toBeGreaterThan(invoice.lines.length + 8);
  });

  it('leaves an audit trail for every step', () => {
    const events = [
      ...created.events,
      ...finalized.events,
      ...first.events,
      ...discounted.events,
      ...changed.events,
      ...renewal.events,
    ].map((e) => e.type);
    expect(events).toEqual([
      'subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.payment_succeeded',
      'invoice.paid',
      'subscription.updated',
      'subscription.updated',
      'invoice_item.created',
      'invoice_item.created',
      'invoice_item.created',
      'subscription.renewed',
      'invoice.created',
    ]);
  });
});
