import { describe, expect, it } from 'vitest';
import {
  canTransitionInvoice,
  finalizeInvoice,
  type Invoice,
  markInvoiceUncollectible,
  payInvoice,
  recordInvoicePaymentFailure,
  voidInvoice,
} from '../src/index.js';
import { draftInvoice } from './fixtures.js';

const at = '2026-03-07T18:00:00Z';
const open = (): Invoice =>
  finalizeInvoice(draftInvoice(), { number: 'INV-0001', at, daysUntilDue: 30 }).invoice;

describe('invoice lifecycle', () => {
  it('finalizing a draft opens it with the caller-supplied number', () => {
    const { invoice, events } = finalizeInvoice(draftInvoice(), { number: 'INV-0001', at });
    expect(invoice.status).toBe('open');
    expect(invoice.number).toBe('INV-0001');
    expect(invoice.finalizedAt).toBe(at);
    expect(events.map((e) => e.type)).toEqual(['invoice.finalized']);
  });

  it('counts the due date in calendar days of the customer time zone, across the DST change', () => {
    // 12:00 in Chicago on 7 March 2026 (CST, UTC−6); 30 days later is 6 April (CDT, UTC−5), still 12:00 local.
    const { invoice } = finalizeInvoice(draftInvoice(), {
      number: 'INV-1',
      at: '2026-03-07T18:00:00Z',
      daysUntilDue: 30,
    });
    expect(invoice.dueDate).toBe('2026-04-06T17:00:00.000Z');
  });

  it('an invoice with nothing due is paid as soon as it is finalized', () => {
    // A credit balance of 200.00 covers the 163.88 total.
    const draft = draftInvoice({ balance: -20000 });
    expect(draft.amountDue.amount).toBe(0);
    const { invoice, events } = finalizeInvoice(draft, { number: 'INV-2', at });
    expect(invoice.status).toBe('paid');
    expect(events.map((e) => e.type)).toEqual(['invoice.finalized', 'invoice.paid']);
  });

  it('keeps an invoice open after a partial payment and marks it paid when the rest arrives', () => {
    const first = payInvoice(open(), { at, amount: { amount: 10000, currency: 'USD' } });
    expect(first.invoice.status).toBe('open');
    expect(first.invoice.amountRemaining.amount).toBe(first.invoice.amountDue.amount - 10000);
    const second = payInvoice(first.invoice, { at });
    expect(second.invoice.status).toBe('paid');
    expect(second.invoice.amountPaid).toEqual(second.invoice.amountDue);
    expect(second.invoice.amountRemaining.amount).toBe(0);
    expect(second.events.map((e) => e.type)).toEqual(['invoice.payment_succeeded', 'invoice.paid']);
  });

  it('refuses a payment larger than what remains, or in another currency', () => {
    const invoice = open();
    expect(() =>
      payInvoice(invoice, { at, amount: { amount: invoice.amountRemaining.amount + 1, currency: 'USD' } }),
    ).toThrow(expect.objectContaining({ code: 'BILLING_PAYMENT_EXCEEDS_AMOUNT_DUE' }));
    expect(() => payInvoice(invoice, { at, amount: { amount: 100, currency: 'EUR' } })).toThrow(
      expect.objectContaining({ code: 'BILLING_CURRENCY_MISMATCH' }),
    );
  });

  it('a failed payment leaves the invoice open and records the attempt', () => {
    const invoice = open();
    const result = recordInvoicePaymentFailure(invoice, {
      at,
      attemptId: 'att_1',
      failureCode: 'card_declined',
    });
    expect(result.invoice).toBe(invoice);
    expect(result.events[0]).toMatchObject({
      type: 'invoice.payment_failed',
      data: { attemptId: 'att_1', failureCode: 'card_declined' },
    });
  });

  it('voiding an open invoice leaves nothing to collect', () => {
    const { invoice } = voidInvoice(open(), { at });
    expect(invoice.status).toBe('void');
    expect(invoice.amountRemaining.amount).toBe(0);
  });

  it('an uncollectible invoice can still be paid later', () => {
    const bad = markInvoiceUncollectible(open(), { at }).invoice;
    expect(bad.status).toBe('uncollectible');
    expect(payInvoice(bad, { at }).invoice.status).toBe('paid');
  });

  type Step = (invoice: Invoice) => unknown;
  const steps: Record<string, Step> = {
    finalize: (i) => finalizeInvoice(i, { number: 'X', at }),
    pay: (i) => payInvoice(i, { at }),
    void: (i) => voidInvoice(i, { at }),
    mark_uncollectible: (i) => markInvoiceUncollectible(i, { at }),
  };
  const states: Record<string, () => Invoice> = {
    draft: () => draftInvoice(),
    open,
    paid: () => payInvoice(open(), { at }).invoice,
    void: () => voidInvoice(open(), { at }).invoice,
    uncollectible: () => markInvoiceUncollectible(open(), { at }).invoice,
  };

  it.each([
    ['draft', 'pay'],
    ['draft', 'void'],
    ['draft', 'mark_uncollectible'],
    ['open', 'finalize'],
    ['paid', 'pay'],
    ['paid', 'void'],
    ['paid', 'finalize'],
    ['paid', 'mark_uncollectible'],
    ['void', 'pay'],
    ['void', 'finalize'],
    ['uncollectible', 'mark_uncollectible'],
  ])('refuses to move a %s invoice with %s (BILLING_ILLEGAL_INVOICE_TRANSITION)', (state, action) => {
    const invoice = states[state]!();
    expect(canTransitionInvoice(invoice.status, action as 'pay')).toBe(false);
    expect(() => steps[action]!(invoice)).toThrow(
      expect.objectContaining({ code: 'BILLING_ILLEGAL_INVOICE_TRANSITION' }),
    );
  });

  it('refuses an empty invoice number', () => {
    expect(() => finalizeInvoice(draftInvoice(), { number: '  ', at })).toThrow(
      expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }),
    );
  });
});
