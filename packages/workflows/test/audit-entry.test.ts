import { describe, expect, it } from 'vitest';
import { auditEntryOf } from '../src/context.js';

const line = (n: number) => ({ id: `bl_${n}`, amount: { amount: 100 * n, currency: 'USD' } });

describe('auditEntryOf: the audit trail records what changed', () => {
  const before = {
    id: 'sub_1',
    version: 3,
    status: 'active',
    items: [{ id: 'si_1', priceId: 'price_a', quantity: 1 }],
    billedLines: [line(1), line(2)],
    metadata: { plan: 'weekly' },
  };

  it('keeps a subscription’s changed fields with its id and version, and only those', () => {
    const after = { ...before, version: 4, items: [{ id: 'si_1', priceId: 'price_a', quantity: 5 }] };
    const entry = auditEntryOf({
      type: 'subscription.updated',
      entityType: 'subscription',
      entityId: 'sub_1',
      before,
      after,
    });
    expect(entry.before).toEqual({ id: 'sub_1', version: 3, items: before.items });
    expect(entry.after).toEqual({ id: 'sub_1', version: 4, items: after.items });
  });

  it('records a list that only grew as its lengths and the appended tail', () => {
    const after = { ...before, version: 4, billedLines: [line(1), line(2), line(3), line(4)] };
    const entry = auditEntryOf({
      type: 'subscription.updated',
      entityType: 'subscription',
      entityId: 'sub_1',
      before,
      after,
    });
    expect(entry.before).toEqual({ id: 'sub_1', version: 3, billedLines: { length: 2 } });
    expect(entry.after).toEqual({
      id: 'sub_1',
      version: 4,
      billedLines: { length: 4, appended: [line(3), line(4)] },
    });
  });

  it('sees a list sharing its elements (the same objects) as unchanged or grown without comparing text', () => {
    const grown = { ...before, version: 4, billedLines: [...before.billedLines, line(3)] };
    const entry = auditEntryOf({
      type: 'subscription.updated',
      entityType: 'subscription',
      entityId: 'sub_1',
      before,
      after: grown,
    });
    expect(entry.after).toEqual({ id: 'sub_1', version: 4, billedLines: { length: 3, appended: [line(3)] } });
    const same = { ...before, version: 4, billedLines: [...before.billedLines] };
    expect(
      auditEntryOf({
        type: 'subscription.updated',
        entityType: 'subscription',
        entityId: 'sub_1',
        before,
        after: same,
      }).after,
    ).toEqual({ id: 'sub_1', version: 4 });
  });

  it('records a list that was rewritten (not only extended) whole, before and after', () => {
    const after = { ...before, version: 4, billedLines: [line(1), line(9), line(3)] };
    const entry = auditEntryOf({
      type: 'subscription.updated',
      entityType: 'subscription',
      entityId: 'sub_1',
      before,
      after,
    });
    expect(entry.before).toMatchObject({ billedLines: before.billedLines });
    expect(entry.after).toMatchObject({ billedLines: after.billedLines });
    const emptied = auditEntryOf({
      type: 'subscription.updated',
      entityType: 'subscription',
      entityId: 'sub_1',
      before: { ...before, billedLines: [] },
      after: { ...before, billedLines: [line(1)] },
    });
    expect(emptied.after).toMatchObject({ billedLines: [line(1)] });
  });

  it('references an invoice by its ids and amounts, without its lines’ detail or explanation', () => {
    const invoice = {
      id: 'in_1',
      total: { amount: 300, currency: 'USD' },
      lines: [
        { id: 'li_1', amount: { amount: 300, currency: 'USD' }, description: 'Pickup', taxAmounts: [] },
      ],
      explanation: { steps: ['…'] },
    };
    const entry = auditEntryOf({
      type: 'invoice.created',
      entityType: 'invoice',
      entityId: 'in_1',
      before: null,
      after: invoice,
    });
    expect(entry.after).toEqual({
      id: 'in_1',
      total: invoice.total,
      lines: [{ id: 'li_1', amount: { amount: 300, currency: 'USD' } }],
    });
  });

  it('keeps an invoice’s state before a change in the same form as after it', () => {
    const open = {
      id: 'in_2',
      status: 'open',
      amountPaid: { amount: 0, currency: 'USD' },
      lines: [
        {
          id: 'li_2',
          amount: { amount: 500, currency: 'USD' },
          description: 'Roll-off',
          discountAmounts: [],
        },
      ],
      explanation: { steps: ['…'] },
    };
    const paid = { ...open, status: 'paid', amountPaid: { amount: 500, currency: 'USD' } };
    const entry = auditEntryOf({
      type: 'invoice.paid',
      entityType: 'invoice',
      entityId: 'in_2',
      before: open,
      after: paid,
    });
    const slim = (invoice: typeof open) => ({
      id: invoice.id,
      status: invoice.status,
      amountPaid: invoice.amountPaid,
      lines: [{ id: 'li_2', amount: { amount: 500, currency: 'USD' } }],
    });
    expect(entry.before).toEqual(slim(open));
    expect(entry.after).toEqual(slim(paid));
  });

  it('leaves other entities’ entries as they are', () => {
    const change = {
      type: 'customer.updated',
      entityType: 'customer',
      entityId: 'cus_1',
      before: { a: 1 },
      after: { a: 2 },
    };
    expect(auditEntryOf(change)).toBe(change);
  });
});
