import type { DiscountDefinitionInput } from '@billkit/discount';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDiscountToSubscription,
  cancelSubscription,
  changeSubscription,
  checkInvoiceInvariants,
  createSubscription,
  type Invoice,
  previewRenewal,
  previewSubscriptionChange,
  renewSubscription,
  type Subscription,
  type SubscriptionTransition,
  subscriptionSchema,
} from '../src/index.js';
import { customer, env } from './fixtures.js';

// Ada is in Chicago: 9.25 % sales tax (6.25 + 1.75 + 1.25), rounded once per line, half up.
const ada = customer();
const start = '2026-01-01T06:00:00Z';
const CREDIT50 = { id: 'CREDIT50', type: 'credit' as const, amount: { amount: 5000, currency: 'USD' } };

const create = (discounts: DiscountDefinitionInput[] = [CREDIT50], extra: { trialEnd?: string } = {}) =>
  createSubscription(
    {
      id: 'sub_credit',
      customer: ada,
      items: [{ id: 'si_1', priceId: 'basic_usd' }],
      startAt: start,
      invoiceId: 'in_1',
      discounts,
      ...extra,
    },
    env,
  );

const renew = (subscription: Subscription, invoiceId: string) =>
  renewSubscription(subscription, { customer: ada, invoiceId }, env);

/** As a database gives it back: JSON, parsed again. */
const stored = (subscription: Subscription): Subscription =>
  subscriptionSchema.parse(JSON.parse(JSON.stringify(subscription)));

const creditOf = (subscription: Subscription) =>
  subscription.discounts.find((d) => d.discount.id === 'CREDIT50')?.creditRemaining;

const summary = (t: SubscriptionTransition) => ({
  discount: t.invoice?.totalDiscount.amount,
  tax: t.invoice?.tax.amount,
  amountDue: t.invoice?.amountDue.amount,
  creditRemaining: creditOf(t.subscription),
});

describe('a credit discount is spent once', () => {
  it('starts a subscription with the whole credit remaining on the discount', () => {
    const attached = create([]).subscription;
    const withCredit = applyDiscountToSubscription(attached, { discount: CREDIT50, at: start }).subscription;
    expect(creditOf(withCredit)).toBe(5000);
    expect(withCredit.discounts[0]?.periodsApplied).toBe(0);
  });

  it('keeps creditRemaining null for a discount that is not a credit', () => {
    const { subscription } = create([
      { id: 'P10', type: 'percentage', percentOff: '10', duration: { type: 'forever' } },
    ]);
    expect(subscription.discounts[0]?.creditRemaining).toBeNull();
  });

  it.each([
    ['as returned by the previous transition', (s: Subscription) => s],
    ['stored as JSON and parsed again', stored],
  ])('pays 30.00, then 20.00, then nothing from 50.00 of credit (subscription %s)', (_, travel) => {
    const created = create();
    const first = renew(travel(created.subscription), 'in_2');
    const second = renew(travel(first.subscription), 'in_3');
    expect([summary(created), summary(first), summary(second)]).toEqual([
      // January: 30.00 paid from the credit, nothing taxable; 20.00 left.
      { discount: 3000, tax: 0, amountDue: 0, creditRemaining: 2000 },
      // February: the last 20.00; 10.00 taxable: 10.00 × 9.25 % = 0.925 → 0.93.
      { discount: 2000, tax: 93, amountDue: 1093, creditRemaining: 0 },
      // March: no credit left; 30.00 × 9.25 % = 2.775 → 2.78.
      { discount: 0, tax: 278, amountDue: 3278, creditRemaining: 0 },
    ]);
    expect(second.discounts?.rejected).toEqual([
      expect.objectContaining({ discountId: 'CREDIT50', reason: 'balance_used_up' }),
    ]);
  });

  it.each([
    ['counts a redemption on the first invoice that spends it', 'in_1', true],
    ['does not count another on a later invoice that spends the rest', 'in_2', false],
  ])('%s', (_, invoiceId, newRedemption) => {
    const created = create();
    const t = invoiceId === 'in_1' ? created : renew(created.subscription, 'in_2');
    expect(t.discounts?.applied).toEqual([
      expect.objectContaining({ discountId: 'CREDIT50', newRedemption }),
    ]);
  });

  it('starts from the full amount for a subscription stored before creditRemaining existed', () => {
    const legacy = stored(create([]).subscription);
    const before = subscriptionSchema.parse({
      ...legacy,
      discounts: [{ id: 'sub_credit_CREDIT50', discount: CREDIT50, start, periodsApplied: 1 }],
    });
    expect(before.discounts[0]?.creditRemaining).toBeUndefined();
    expect(summary(renew(before, 'in_2'))).toEqual({
      discount: 3000,
      tax: 0,
      amountDue: 0,
      creditRemaining: 2000,
    });
  });

  it('prefers the remaining credit the subscription carries over a balance the caller passes', () => {
    const created = create();
    const renewed = renewSubscription(
      created.subscription,
      {
        customer: ada,
        invoiceId: 'in_2',
        discountState: { creditBalances: { CREDIT50: { amount: 5000, currency: 'USD' } } },
      },
      env,
    );
    expect(summary(renewed).discount).toBe(2000);
  });

  it('waits out a trial: the zero trial invoice leaves the credit whole', () => {
    const trial = create([CREDIT50], { trialEnd: '2026-01-15T06:00:00Z' });
    expect(summary(trial)).toEqual({ discount: 0, tax: 0, amountDue: 0, creditRemaining: 5000 });
    const first = renew(trial.subscription, 'in_2');
    expect(summary(first)).toEqual({ discount: 3000, tax: 0, amountDue: 0, creditRemaining: 2000 });
    expect(first.discounts?.applied[0]?.newRedemption).toBe(true);
  });

  it('spends it on a mid-month upgrade invoiced at once, and keeps the rest for the renewal', () => {
    const created = create();
    const upgraded = changeSubscription(
      created.subscription,
      {
        customer: ada,
        items: [{ id: 'si_1', priceId: 'pro_usd' }],
        prorationDate: '2026-01-16T06:00:00Z',
        prorationBehavior: 'always_invoice',
        invoiceId: 'in_2',
      },
      env,
    );
    // 16 of 31 days left: −3000 × 16/31 = −1548.39 → −1548; 6000 × 16/31 = 3096.77 → 3097. Net 15.49,
    // paid from the 20.00 left; tax −1548 → −143.19 → −143 and (3097 − 1549) → 143.19 → 143.
    expect(upgraded.invoice?.lines.map((l) => l.amount.amount)).toEqual([-1548, 3097]);
    expect(summary(upgraded)).toEqual({ discount: 1549, tax: 0, amountDue: 0, creditRemaining: 451 });
    // February: Pro 60.00 less the 4.51 left = 55.49; 55.49 × 9.25 % = 5.1328 → 5.13.
    expect(summary(renew(upgraded.subscription, 'in_3'))).toEqual({
      discount: 451,
      tax: 513,
      amountDue: 6062,
      creditRemaining: 0,
    });
  });

  it('leaves the credit untouched by a prorated cancellation (a negative final invoice)', () => {
    const created = create();
    const canceled = cancelSubscription(
      created.subscription,
      { at: '2026-01-16T06:00:00Z', atPeriodEnd: false, prorate: true, customer: ada, invoiceId: 'in_2' },
      env,
    );
    expect(canceled.invoice?.total.amount).toBeLessThan(0);
    expect(creditOf(canceled.subscription)).toBe(2000);
  });
});

describe('previews show the credit without spending it', () => {
  const created = create();

  it.each([
    [
      'previewRenewal',
      (s: Subscription): Invoice | null => previewRenewal(s, { customer: ada }, env),
      // February: the 20.00 left; 10.00 × 9.25 % → 0.93.
      { discount: 2000, amountDue: 1093 },
    ],
    [
      'previewSubscriptionChange',
      (s: Subscription): Invoice | null =>
        previewSubscriptionChange(
          s,
          {
            customer: ada,
            items: [{ id: 'si_1', priceId: 'pro_usd' }],
            prorationDate: '2026-01-16T06:00:00Z',
          },
          env,
        ),
      // The upgrade's net 15.49 is paid from the 20.00 left.
      { discount: 1549, amountDue: 0 },
    ],
  ])('%s', (_, preview, expected) => {
    const before = structuredClone(created.subscription);
    const first = preview(created.subscription);
    const again = preview(created.subscription);
    expect({ discount: first?.totalDiscount.amount, amountDue: first?.amountDue.amount }).toEqual(expected);
    expect(again).toEqual(first);
    expect(created.subscription).toEqual(before);
    expect(creditOf(created.subscription)).toBe(2000);
  });
});

describe('properties', () => {
  it('over renewals and changes, a credit never pays out more than its amount, and creditRemaining says what is left', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.array(
          fc.oneof(
            fc.constant({ kind: 'renew' as const }),
            fc.record({
              kind: fc.constant('change' as const),
              priceId: fc.constantFrom('basic_usd', 'pro_usd', 'flat_usd'),
              at: fc.integer({ min: 0, max: 999 }),
              behavior: fc.constantFrom('always_invoice' as const, 'create_prorations' as const),
            }),
          ),
          { maxLength: 8 },
        ),
        (amount, steps) => {
          const credit = { ...CREDIT50, amount: { amount, currency: 'USD' } };
          const created = create([credit]);
          let subscription = created.subscription;
          let spent = created.invoice?.totalDiscount.amount ?? 0;
          let n = 2;
          for (const step of steps) {
            let t: SubscriptionTransition;
            if (step.kind === 'renew') t = renew(stored(subscription), `in_${n++}`);
            else {
              const from = Date.parse(subscription.currentPeriodStart);
              const to = Date.parse(subscription.currentPeriodEnd);
              t = changeSubscription(
                stored(subscription),
                {
                  customer: ada,
                  items: [{ id: 'si_1', priceId: step.priceId }],
                  prorationDate: new Date(from + Math.floor(((to - from) * step.at) / 1000)).toISOString(),
                  prorationBehavior: step.behavior,
                  invoiceId: `in_${n++}`,
                },
                env,
              );
            }
            if (t.invoice) {
              expect(checkInvoiceInvariants(t.invoice)).toEqual([]);
              spent += t.invoice.totalDiscount.amount;
            }
            subscription = t.subscription;
            expect(spent).toBeLessThanOrEqual(amount);
            expect(creditOf(subscription)).toBe(amount - spent);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('with renewals only, pays min(credit, what was billed)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 8 }), (amount, renewals) => {
        const created = create([{ ...CREDIT50, amount: { amount, currency: 'USD' } }]);
        let t: SubscriptionTransition = created;
        let spent = t.invoice?.totalDiscount.amount ?? 0;
        for (let i = 0; i < renewals; i += 1) {
          t = renew(t.subscription, `in_${i + 2}`);
          spent += t.invoice?.totalDiscount.amount ?? 0;
        }
        expect(spent).toBe(Math.min(amount, 3000 * (renewals + 1)));
        expect(creditOf(t.subscription)).toBe(amount - spent);
      }),
      { numRuns: 60 },
    );
  });
});
