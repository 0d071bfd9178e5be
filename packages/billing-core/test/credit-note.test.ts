import { describe, expect, it } from 'vitest';
import {
  buildInvoice,
  type CreditNote,
  checkCreditNoteInvariants,
  createCreditNote,
  finalizeInvoice,
  payInvoice,
} from '../src/index.js';
import { customer, draftInvoice, env } from './fixtures.js';

const at = '2026-03-10T00:00:00Z';
// 3 × 150.00 setup in Chicago, 15 % off: 45000 − 6750 = 38250 taxed at 9.25 % → 3538.125 → 3538.
const paid = (() => {
  const { invoice } = buildInvoice(
    {
      invoiceId: 'in_cn',
      customer: customer(),
      billingReason: 'manual',
      createdAt: '2026-03-07T18:00:00Z',
      items: [{ priceId: 'setup_usd', quantity: 3 }],
      discounts: [{ id: 'P15', type: 'percentage', percentOff: '15' }],
    },
    env,
  );
  const open = finalizeInvoice(invoice, { number: 'INV-9', at }).invoice;
  return payInvoice(open, { at }).invoice;
})();
const lineId = paid.lines[0]!.id;

describe('createCreditNote', () => {
  it('reverses the same share of the line discount and of each jurisdiction tax', () => {
    const { creditNote } = createCreditNote(paid, {
      id: 'cn_1',
      number: 'CN-1',
      at,
      lines: [{ invoiceLineId: lineId, quantity: 1 }],
    });
    const [line] = creditNote.lines;
    // One of three units: 15000; discount 6750/3 = 2250; taxes a third of IL 2390.6, Cook 669.4, Chicago 478.1 (rounded).
    expect(line?.amount.amount).toBe(15000);
    expect(line?.discountAmounts).toEqual([{ discountId: 'P15', amount: { amount: 2250, currency: 'USD' } }]);
    const invoiceTaxes = paid.lines[0]!.taxAmounts.map((t) => t.amount.amount);
    expect(line?.taxAmounts.map((t) => t.amount.amount)).toEqual(invoiceTaxes.map((t) => Math.round(t / 3)));
    expect(line?.invoiceLineId).toBe(lineId);
    expect(creditNote.type).toBe('post_payment');
    expect(creditNote.creditTo).toBe('refund');
  });

  it('totals the sum of its rounded parts', () => {
    const { creditNote } = createCreditNote(paid, {
      id: 'cn_1',
      number: 'CN-1',
      at,
      lines: [{ invoiceLineId: lineId, amount: 3333 }],
    });
    const line = creditNote.lines[0]!;
    const tax = line.taxAmounts.reduce((s, t) => s + t.amount.amount, 0);
    const discount = line.discountAmounts.reduce((s, d) => s + d.amount.amount, 0);
    expect(creditNote.total.amount).toBe(3333 - discount + tax);
    expect(creditNote.tax.amount).toBe(tax);
    expect(checkCreditNoteInvariants(creditNote)).toEqual([]);
  });

  it('three partial notes for a third each reverse the invoice exactly, to the cent', () => {
    const notes: CreditNote[] = [];
    for (const n of [1, 2, 3]) {
      const { creditNote } = createCreditNote(
        paid,
        {
          id: `cn_${n}`,
          number: `CN-${n}`,
          at,
          lines: [{ invoiceLineId: lineId, ...(n < 3 ? { quantity: 1 } : {}) }],
        },
        notes,
      );
      notes.push(creditNote);
    }
    const sum = (f: (n: CreditNote) => number) => notes.reduce((s, n) => s + f(n), 0);
    expect(sum((n) => n.subtotal.amount)).toBe(paid.subtotal.amount);
    expect(sum((n) => n.totalDiscount.amount)).toBe(paid.totalDiscount.amount);
    expect(sum((n) => n.tax.amount)).toBe(paid.tax.amount);
    expect(sum((n) => n.total.amount)).toBe(paid.total.amount);
  });

  it('refuses to credit more than is left on the line', () => {
    const first = createCreditNote(paid, {
      id: 'cn_1',
      number: 'CN-1',
      at,
      lines: [{ invoiceLineId: lineId, amount: 40000 }],
    }).creditNote;
    expect(() =>
      createCreditNote(
        paid,
        { id: 'cn_2', number: 'CN-2', at, lines: [{ invoiceLineId: lineId, amount: 5001 }] },
        [first],
      ),
    ).toThrow(expect.objectContaining({ code: 'BILLING_CREDIT_EXCEEDS_INVOICE' }));
  });

  it('credits an open invoice before payment, against the invoice itself', () => {
    const open = finalizeInvoice(draftInvoice(), { number: 'INV-10', at }).invoice;
    const { creditNote, events } = createCreditNote(open, {
      id: 'cn_o',
      number: 'CN-O',
      at,
      lines: [{ invoiceLineId: open.lines[0]!.id }],
    });
    expect(creditNote.type).toBe('pre_payment');
    expect(creditNote.creditTo).toBe('invoice');
    expect(creditNote.total).toEqual(open.total);
    expect(events[0]?.type).toBe('credit_note.created');
  });

  it.each([
    [
      'a draft invoice',
      () =>
        createCreditNote(draftInvoice(), {
          id: 'c',
          number: 'C',
          at,
          lines: [{ invoiceLineId: 'in_draft_li_1' }],
        }),
      'BILLING_ILLEGAL_INVOICE_TRANSITION',
    ],
    [
      'an unknown line',
      () => createCreditNote(paid, { id: 'c', number: 'C', at, lines: [{ invoiceLineId: 'nope' }] }),
      'BILLING_UNKNOWN_INVOICE_LINE',
    ],
    [
      'a zero amount',
      () =>
        createCreditNote(paid, { id: 'c', number: 'C', at, lines: [{ invoiceLineId: lineId, amount: 0 }] }),
      'BILLING_CREDIT_EXCEEDS_INVOICE',
    ],
  ])('refuses %s', (_, act, code) => {
    expect(act).toThrow(expect.objectContaining({ code }));
  });
});
