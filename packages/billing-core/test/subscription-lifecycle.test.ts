import { describe, expect, it } from 'vitest';
import {
  cancelSubscription,
  changeSubscription,
  createSubscription,
  markSubscriptionPastDue,
  markSubscriptionRecovered,
  pauseSubscription,
  previewRenewal,
  previewSubscriptionChange,
  renewSubscription,
  resumeCanceledAtPeriodEnd,
  resumeSubscription,
  type Subscription,
  subscriptionSchema,
} from '../src/index.js';
import { customer, env } from './fixtures.js';

const ada = customer();
const start = '2026-01-01T06:00:00Z';
const create = (extra: { trialEnd?: string; startAt?: string } = {}) =>
  createSubscription(
    {
      id: 'sub_1',
      customer: ada,
      items: [{ id: 'si_1', priceId: 'basic_usd' }],
      startAt: start,
      invoiceId: 'in_1',
      ...extra,
    },
    env,
  );

describe('createSubscription', () => {
  it('starts active, anchored at the start, and bills the first month in advance', () => {
    const { subscription, invoice, events } = create();
    expect(subscription.status).toBe('active');
    expect([subscription.currentPeriodStart, subscription.currentPeriodEnd]).toEqual([
      '2026-01-01T06:00:00.000Z',
      '2026-02-01T06:00:00.000Z',
    ]);
    expect(invoice?.billingReason).toBe('subscription_create');
    expect(invoice?.subtotal.amount).toBe(3000);
    expect(events.map((e) => e.type)).toEqual(['subscription.created', 'invoice.created']);
    expect(subscriptionSchema.safeParse(subscription).success).toBe(true);
  });

  it('starts a trial with a zero invoice and anchors billing on the trial end', () => {
    const { subscription, invoice, events } = create({ trialEnd: '2026-01-15T06:00:00Z' });
    expect(subscription.status).toBe('trialing');
    expect(subscription.billingCycleAnchor).toBe('2026-01-15T06:00:00.000Z');
    expect(subscription.currentPeriodEnd).toBe('2026-01-15T06:00:00.000Z');
    expect(invoice?.total.amount).toBe(0);
    expect(invoice?.lines[0]?.description).toBe('Trial period for Basic');
    expect(events.map((e) => e.type)).toContain('subscription.trial_started');
  });

  it('refuses a trial that ends before it starts', () => {
    expect(() => create({ trialEnd: '2025-12-31T00:00:00Z' })).toThrow(
      expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }),
    );
  });

  it('refuses a one-off price as a subscription item', () => {
    expect(() =>
      createSubscription(
        {
          id: 's',
          customer: ada,
          items: [{ id: 'si', priceId: 'setup_usd' }],
          startAt: start,
          invoiceId: 'i',
        },
        env,
      ),
    ).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
  });
});

describe('renewSubscription', () => {
  it('turns a trial into an active subscription with a first paid period', () => {
    const trial = create({ trialEnd: '2026-01-15T06:00:00Z' }).subscription;
    const { subscription, invoice, events } = renewSubscription(
      trial,
      { customer: ada, invoiceId: 'in_2' },
      env,
    );
    expect(subscription.status).toBe('active');
    expect([subscription.currentPeriodStart, subscription.currentPeriodEnd]).toEqual([
      '2026-01-15T06:00:00.000Z',
      '2026-02-15T06:00:00.000Z',
    ]);
    expect(invoice?.billingReason).toBe('subscription_cycle');
    expect(invoice?.subtotal.amount).toBe(3000);
    expect(events.map((e) => e.type)).toEqual([
      'subscription.trial_ended',
      'subscription.renewed',
      'invoice.created',
    ]);
  });

  it('follows a month-end anchor in the customer time zone: 31 Jan → 28 Feb → 31 Mar → 30 Apr', () => {
    let subscription: Subscription = createSubscription(
      {
        id: 's',
        customer: ada,
        items: [{ id: 'si', priceId: 'basic_usd' }],
        startAt: '2026-01-31T06:00:00Z',
        invoiceId: 'i0',
      },
      env,
    ).subscription;
    const ends = [subscription.currentPeriodEnd];
    for (let i = 1; i <= 3; i++) {
      subscription = renewSubscription(subscription, { customer: ada, invoiceId: `i${i}` }, env).subscription;
      ends.push(subscription.currentPeriodEnd);
    }
    // Midnight in Chicago: UTC−6 in winter, UTC−5 from 8 March (DST).
    expect(ends).toEqual([
      '2026-02-28T06:00:00.000Z',
      '2026-03-31T05:00:00.000Z',
      '2026-04-30T05:00:00.000Z',
      '2026-05-31T05:00:00.000Z',
    ]);
  });

  it('cancels instead of renewing when set to cancel at period end', () => {
    const scheduled = cancelSubscription(create().subscription, {
      at: '2026-01-20T00:00:00Z',
      atPeriodEnd: true,
    });
    expect(scheduled.subscription.status).toBe('active');
    expect(scheduled.subscription.cancelAtPeriodEnd).toBe(true);
    const { subscription, invoice } = renewSubscription(
      scheduled.subscription,
      { customer: ada, invoiceId: 'in_2' },
      env,
    );
    expect(subscription.status).toBe('canceled');
    expect(subscription.endedAt).toBe('2026-02-01T06:00:00.000Z');
    expect(invoice).toBeNull();
  });

  it('renews normally once a scheduled cancellation is taken back', () => {
    const scheduled = cancelSubscription(create().subscription, {
      at: '2026-01-20T00:00:00Z',
      atPeriodEnd: true,
    }).subscription;
    const undone = resumeCanceledAtPeriodEnd(scheduled, { at: '2026-01-21T00:00:00Z' }).subscription;
    expect(renewSubscription(undone, { customer: ada, invoiceId: 'in_2' }, env).subscription.status).toBe(
      'active',
    );
  });

  it('previews the renewal without changing the subscription', () => {
    const { subscription } = create();
    const preview = previewRenewal(subscription, { customer: ada }, env);
    expect(preview?.id).toBe('upcoming');
    expect(preview?.periodStart).toBe(subscription.currentPeriodEnd);
    expect(subscription.version).toBe(0);
  });
});

describe('changeSubscription', () => {
  it('previews the same invoice the change then produces (same proration date)', () => {
    const { subscription } = create();
    const input = {
      customer: ada,
      items: [{ id: 'si_1', priceId: 'pro_usd' }],
      prorationDate: '2026-01-20T12:34:56Z',
    };
    const preview = previewSubscriptionChange(subscription, input, env);
    const applied = changeSubscription(
      subscription,
      { ...input, prorationBehavior: 'always_invoice', invoiceId: 'upcoming' },
      env,
    );
    expect(preview).toEqual(applied.invoice);
  });

  it('adds no proration with behavior none, but the new items take effect', () => {
    const { subscription } = create();
    const result = changeSubscription(
      subscription,
      {
        customer: ada,
        items: [{ id: 'si_1', priceId: 'pro_usd' }],
        prorationDate: '2026-01-16T06:00:00Z',
        prorationBehavior: 'none',
      },
      env,
    );
    expect(result.invoice).toBeNull();
    expect(result.subscription.pendingInvoiceItems).toEqual([]);
    expect(result.subscription.items[0]?.priceId).toBe('pro_usd');
  });

  it('changes a trialing subscription without any proration', () => {
    const { subscription } = create({ trialEnd: '2026-01-15T06:00:00Z' });
    const result = changeSubscription(
      subscription,
      {
        customer: ada,
        items: [{ id: 'si_1', priceId: 'pro_usd' }],
        prorationDate: '2026-01-05T06:00:00Z',
        prorationBehavior: 'always_invoice',
        invoiceId: 'x',
      },
      env,
    );
    expect(result.invoice).toBeNull();
    expect(result.subscription.pendingInvoiceItems).toEqual([]);
  });

  it('credits a removed item and charges an added one', () => {
    const { subscription } = create();
    const result = changeSubscription(
      subscription,
      {
        customer: ada,
        items: [{ id: 'si_2', priceId: 'seat_usd', quantity: 3 }],
        prorationDate: '2026-01-16T06:00:00Z',
      },
      env,
    );
    // 3000 × 16/31 = 1548.4 credited; 3 × 1000 × 16/31 = 1548.4 charged.
    expect(result.subscription.pendingInvoiceItems.map((p) => [p.subscriptionItemId, p.amount])).toEqual([
      ['si_2', 1548],
      ['si_1', -1548],
    ]);
  });

  it('refuses a proration date outside the current period', () => {
    const { subscription } = create();
    expect(() =>
      changeSubscription(
        subscription,
        { customer: ada, items: [{ id: 'si_1', priceId: 'pro_usd' }], prorationDate: '2026-03-01T00:00:00Z' },
        env,
      ),
    ).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
  });

  it('needs an invoice id to invoice a change now', () => {
    const { subscription } = create();
    expect(() =>
      changeSubscription(
        subscription,
        {
          customer: ada,
          items: [{ id: 'si_1', priceId: 'pro_usd' }],
          prorationDate: '2026-01-16T06:00:00Z',
          prorationBehavior: 'always_invoice',
        },
        env,
      ),
    ).toThrow(expect.objectContaining({ code: 'BILLING_INVALID_INPUT' }));
  });
});

describe('cancel, pause, resume, past due', () => {
  it('cancelling now with proration issues a final invoice whose credit becomes customer balance', () => {
    const { subscription, invoice } = cancelSubscription(
      create().subscription,
      { at: '2026-01-16T06:00:00Z', atPeriodEnd: false, prorate: true, customer: ada, invoiceId: 'in_final' },
      env,
    );
    expect(subscription.status).toBe('canceled');
    // −1548 credit and −143 tax (−1548 × 9.25 % = −143.19).
    expect(invoice?.total.amount).toBe(-1548 - 143);
    expect(invoice?.amountDue.amount).toBe(0);
    expect(invoice?.endingBalance.amount).toBe(-1691);
  });

  it('cancelling now without proration just ends it', () => {
    const result = cancelSubscription(create().subscription, {
      at: '2026-01-16T06:00:00Z',
      atPeriodEnd: false,
    });
    expect(result.subscription.status).toBe('canceled');
    expect(result.invoice).toBeNull();
  });

  it('a paused subscription does not renew; resumed inside the period it is simply active', () => {
    const paused = pauseSubscription(create().subscription, { at: '2026-01-10T00:00:00Z' }).subscription;
    expect(() => renewSubscription(paused, { customer: ada, invoiceId: 'x' }, env)).toThrow(
      expect.objectContaining({ code: 'BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION' }),
    );
    const resumed = resumeSubscription(
      paused,
      { at: '2026-01-20T00:00:00Z', customer: ada, invoiceId: 'x' },
      env,
    );
    expect(resumed.subscription.status).toBe('active');
    expect(resumed.invoice).toBeNull();
  });

  it('resumed after its period ended, the cycle restarts at the resume instant with a new invoice', () => {
    const paused = pauseSubscription(create().subscription, { at: '2026-01-10T00:00:00Z' }).subscription;
    const resumed = resumeSubscription(
      paused,
      { at: '2026-03-10T17:00:00Z', customer: ada, invoiceId: 'in_r' },
      env,
    );
    expect(resumed.subscription.billingCycleAnchor).toBe('2026-03-10T17:00:00.000Z');
    expect(resumed.subscription.currentPeriodEnd).toBe('2026-04-10T17:00:00.000Z');
    expect(resumed.invoice?.subtotal.amount).toBe(3000);
  });

  it('a failed payment makes it past due, and a payment recovers it', () => {
    const pastDue = markSubscriptionPastDue(create().subscription, {
      at: '2026-01-02T00:00:00Z',
      invoiceId: 'in_1',
    });
    expect(pastDue.subscription.status).toBe('past_due');
    expect(pastDue.events[0]?.type).toBe('subscription.past_due');
    const recovered = markSubscriptionRecovered(pastDue.subscription, {
      at: '2026-01-03T00:00:00Z',
      invoiceId: 'in_1',
    });
    expect(recovered.subscription.status).toBe('active');
  });

  const canceled = () =>
    cancelSubscription(create().subscription, { at: '2026-01-16T06:00:00Z', atPeriodEnd: false })
      .subscription;
  const paused = () => pauseSubscription(create().subscription, { at: '2026-01-10T00:00:00Z' }).subscription;
  it.each([
    [
      'renew a canceled subscription',
      () => renewSubscription(canceled(), { customer: ada, invoiceId: 'x' }, env),
    ],
    ['pause a canceled subscription', () => pauseSubscription(canceled(), { at: start })],
    [
      'resume an active subscription',
      () => resumeSubscription(create().subscription, { at: start, customer: ada, invoiceId: 'x' }, env),
    ],
    [
      'recover an active subscription',
      () => markSubscriptionRecovered(create().subscription, { at: start, invoiceId: 'x' }),
    ],
    [
      'mark a paused subscription past due',
      () => markSubscriptionPastDue(paused(), { at: start, invoiceId: 'x' }),
    ],
    [
      'cancel a canceled subscription',
      () => cancelSubscription(canceled(), { at: start, atPeriodEnd: true }),
    ],
    [
      'change a canceled subscription',
      () =>
        changeSubscription(
          canceled(),
          { customer: ada, items: [{ id: 'si_1', priceId: 'pro_usd' }], prorationDate: start },
          env,
        ),
    ],
  ])('refuses to %s (BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION)', (_, act) => {
    expect(act).toThrow(expect.objectContaining({ code: 'BILLING_ILLEGAL_SUBSCRIPTION_TRANSITION' }));
  });

  it('increments the version on every transition', () => {
    const created = create().subscription;
    const paused = pauseSubscription(created, { at: '2026-01-10T00:00:00Z' }).subscription;
    const resumed = resumeSubscription(
      paused,
      { at: '2026-01-11T00:00:00Z', customer: ada, invoiceId: 'x' },
      env,
    ).subscription;
    expect([created.version, paused.version, resumed.version]).toEqual([0, 1, 2]);
  });
});
