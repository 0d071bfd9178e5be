import { createCreditNote, finalizeInvoice, payInvoice } from '@billkit/billing-core';
import { describe, expect, it } from 'vitest';
import { isDbError, newId } from '../../src/index.js';
import { providers, useMigratedDatabase } from './databases.js';
import { invoice, tenantWithSubscription } from './fixtures.js';

describe.each(providers)('invoices and credit notes on %s', (provider) => {
  const ctx = useMigratedDatabase(provider);

  async function setup() {
    const t = await tenantWithSubscription(ctx.db);
    const ids = { customerId: t.customer.id, subscriptionId: t.subscription.id, priceId: t.price.id };
    return { ...t, ids };
  }

  it('round-trips an invoice with per-line discounts, per-jurisdiction taxes and a proration credit', async () => {
    const { tenantId, ids } = await setup();
    const draft = invoice(ids);
    const stored = await ctx.db.invoices.create(tenantId, draft);
    expect(stored).toEqual(draft);
  });

  const usd = (amount: number) => ({ amount, currency: 'USD' });
  it.each([
    ['subtotal', { subtotal: usd(2500) }],
    ['totalDiscount', { totalDiscount: usd(349) }],
    ['tax', { tax: usd(191) }],
    ['totalTaxAmounts', { totalTaxAmounts: [] }],
    ['amountRemaining', { amountRemaining: usd(1) }],
    ['currency of a total', { total: { amount: 2339, currency: 'EUR' } }],
  ])('refuses an invoice whose %s does not equal the sum of its parts', async (_field, override) => {
    const { tenantId, ids } = await setup();
    const bad = invoice(ids, override);
    await expect(ctx.db.invoices.create(tenantId, bad)).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_INVALID_DATA'),
    );
    expect(await ctx.db.invoices.get(tenantId, bad.id)).toBeNull();
  });

  it('numbers finalized invoices consecutively per tenant and a failed finalization burns no number', async () => {
    const { tenantId, ids } = await setup();
    const a = await ctx.db.invoices.create(tenantId, invoice(ids));
    const b = await ctx.db.invoices.create(tenantId, invoice(ids));
    const c = await ctx.db.invoices.create(tenantId, invoice(ids));
    expect((await ctx.db.invoices.finalize(tenantId, a.id)).number).toBe('INV-000001');
    // A finalizer that throws after the counter moved: the increment rolls back.
    await expect(
      ctx.db.invoices.finalize(tenantId, c.id, () => {
        throw new Error('finalizer failed');
      }),
    ).rejects.toThrow('finalizer failed');
    await expect(ctx.db.invoices.finalize(tenantId, a.id)).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_INVALID_DATA'),
    );
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.invoices.finalize(tenantId, b.id);
        throw new Error('payment provider down');
      }),
    ).rejects.toThrow('payment provider down');
    expect((await ctx.db.invoices.get(tenantId, b.id))?.status).toBe('draft');
    const numbers = [
      (await ctx.db.invoices.finalize(tenantId, c.id)).number,
      (await ctx.db.invoices.finalize(tenantId, b.id)).number,
    ];
    expect(numbers).toEqual(['INV-000002', 'INV-000003']);
  });

  it('gives concurrent finalizations distinct, gap-free numbers', async () => {
    const { tenantId, ids } = await setup();
    const drafts = [];
    for (let n = 0; n < 6; n++) drafts.push(await ctx.db.invoices.create(tenantId, invoice(ids)));
    const finalized = await Promise.all(drafts.map((d) => ctx.db.invoices.finalize(tenantId, d.id)));
    const numbers = finalized.map((i) => i.number).sort();
    expect(numbers).toEqual([
      'INV-000001',
      'INV-000002',
      'INV-000003',
      'INV-000004',
      'INV-000005',
      'INV-000006',
    ]);
  });

  it('keeps invoice numbering separate per tenant', async () => {
    const one = await setup();
    const two = await setup();
    const a = await ctx.db.invoices.create(one.tenantId, invoice(one.ids));
    const b = await ctx.db.invoices.create(two.tenantId, invoice(two.ids));
    expect((await ctx.db.invoices.finalize(one.tenantId, a.id)).number).toBe('INV-000001');
    expect((await ctx.db.invoices.finalize(two.tenantId, b.id)).number).toBe('INV-000001');
    await expect(ctx.db.invoices.finalize(two.tenantId, a.id)).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_NOT_FOUND'),
    );
  });

  it('stores billing-core transitions and refuses one computed from a stale status', async () => {
    const { tenantId, ids } = await setup();
    const draft = await ctx.db.invoices.create(tenantId, invoice(ids));
    const open = await ctx.db.invoices.finalize(
      tenantId,
      draft.id,
      (d, number) => finalizeInvoice(d, { number, at: '2026-01-15T07:00:00.000Z', daysUntilDue: 14 }).invoice,
    );
    expect([open.status, open.number, open.finalizedAt]).toEqual([
      'open',
      'INV-000001',
      '2026-01-15T07:00:00.000Z',
    ]);
    const partly = payInvoice(open, { at: '2026-01-20T00:00:00.000Z', amount: usd(1000) }).invoice;
    const stored = await ctx.db.invoices.saveTransition(tenantId, partly, { expectedStatus: 'open' });
    expect([stored.status, stored.amountPaid.amount, stored.amountRemaining.amount]).toEqual([
      'open',
      1000,
      1339,
    ]);
    const paid = payInvoice(stored, { at: '2026-01-21T00:00:00.000Z' }).invoice;
    expect(await ctx.db.invoices.saveTransition(tenantId, paid, { expectedStatus: 'open' })).toEqual(paid);
    // A second writer still holding the open invoice loses.
    const stale = ctx.db.invoices.saveTransition(tenantId, partly, { expectedStatus: 'open' });
    await expect(stale).rejects.toSatisfy((e) => isDbError(e, 'DB_VERSION_CONFLICT'));
  });

  it('issues numbered credit notes built by billing-core and refuses to credit beyond the invoice total', async () => {
    const { tenantId, ids } = await setup();
    const draft = await ctx.db.invoices.create(tenantId, invoice(ids));
    await ctx.db.invoices.finalize(tenantId, draft.id);
    const line = draft.lines[0]!;
    const { creditNote, auditEvents } = await ctx.db.creditNotes.issue(
      tenantId,
      draft.id,
      ({ number, invoice: inv, previous }) =>
        createCreditNote(
          inv,
          {
            id: newId('cn'),
            number,
            at: '2026-01-20T00:00:00.000Z',
            lines: [{ invoiceLineId: line.id, amount: 1750 }],
          },
          previous,
        ),
    );
    expect(creditNote.number).toBe('CN-000001');
    expect(creditNote.subtotal.amount).toBe(1750);
    // Half the line: its discount share is 175 and total = 1750 − 175 + tax share.
    expect(creditNote.totalDiscount.amount).toBe(175);
    expect(creditNote.total.amount).toBe(1750 - 175 + creditNote.tax.amount);
    expect(await ctx.db.creditNotes.get(tenantId, creditNote.id)).toEqual(creditNote);
    expect(auditEvents.map((e) => [e.type, e.entityType, e.entityId])).toEqual([
      ['credit_note.created', 'credit_note', creditNote.id],
    ]);
    // 500 more of the line fits in what is left of the 2339 total; a copy of the first note does not.
    await ctx.db.creditNotes.issue(tenantId, draft.id, ({ number, invoice: inv, previous }) =>
      createCreditNote(
        inv,
        {
          id: newId('cn'),
          number,
          at: '2026-01-21T00:00:00.000Z',
          lines: [{ invoiceLineId: line.id, amount: 500 }],
        },
        previous,
      ),
    );
    const tooMuch = ctx.db.creditNotes.issue(tenantId, draft.id, ({ number, previous }) => {
      const note = previous[0]!;
      return {
        creditNote: {
          ...note,
          id: newId('cn'),
          number,
          lines: note.lines.map((l) => ({ ...l, id: newId('cnl') })),
        },
      };
    });
    await expect(tooMuch).rejects.toSatisfy((e) => isDbError(e, 'DB_INVALID_DATA'));
    const notes = await ctx.db.creditNotes.listForInvoice(tenantId, draft.id);
    expect(notes.map((n) => n.number)).toEqual(['CN-000001', 'CN-000002']);
  });

  it('refuses a second cycle invoice for the same subscription period', async () => {
    const { tenantId, ids } = await setup();
    const first = invoice(ids, {
      billingReason: 'subscription_cycle',
      periodStart: '2026-02-01T06:00:00.000Z',
    });
    await ctx.db.invoices.create(tenantId, first);
    const again = {
      ...invoice(ids, { billingReason: 'subscription_cycle', periodStart: '2026-02-01T06:00:00.000Z' }),
      id: newId('in'),
    };
    await expect(ctx.db.invoices.create(tenantId, again)).rejects.toSatisfy((e) =>
      isDbError(e, 'DB_ALREADY_BILLED'),
    );
  });
});
