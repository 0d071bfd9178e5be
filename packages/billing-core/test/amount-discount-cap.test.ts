import type { DiscountDefinitionInput } from '@billkit/discount';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDiscountToSubscription,
  changeSubscription,
  checkInvoiceInvariants,
  createSubscription,
  type DiscountAmount,
  type Invoice,
  renewSubscription,
  type Subscription,
  type SubscriptionTransition,
} from '../src/index.js';
import { customer, env } from './fixtures.js';

// Ada is in Chicago: 9.25 % sales tax, rounded once per line, half up. Every change below is made on
// 16 January at 06:00 UTC: 16 of January's 31 days are left.
const ada = customer();
const start = '2026-01-01T06:00:00Z';
const midMonth = '2026-01-16T06:00:00Z';
const usd = (amount: number) => ({ amount, currency: 'USD' });

const CREDIT = { id: 'CREDIT', type: 'credit', amount: usd(5000) } as const;
const FIX20 = {
  id: 'FIX20',
  type: 'fixed_amount',
  amountOff: usd(2000),
  duration: { type: 'forever' },
} as const;
const FIX10 = {
  id: 'FIX10',
  type: 'fixed_amount',
  amountOff: usd(1000),
  duration: { type: 'forever' },
} as const;
const PCT20 = { id: 'PCT20', type: 'percentage', percentOff: '20', duration: { type: 'forever' } } as const;

function subscribe(
  items: { id: string; priceId: string; quantity?: number }[],
  discounts: DiscountDefinitionInput[] = [],
): Subscription {
  return createSubscription(
    { id: 'sub_cap', customer: ada, items, startAt: start, invoiceId: 'in_1', discounts },
    env,
  ).subscription;
}

function change(
  subscription: Subscription,
  items: { id: string; priceId: string; quantity?: number }[],
  behavior: 'always_invoice' | 'create_prorations' = 'always_invoice',
): SubscriptionTransition {
  return changeSubscription(
    subscription,
    { customer: ada, items, prorationDate: midMonth, prorationBehavior: behavior, invoiceId: 'in_2' },
    env,
  );
}

const discountOf = (invoice: Invoice, id: string) =>
  invoice.totalDiscountAmounts.find((d) => d.discountId === id)?.amount.amount ?? 0;

const totals = (invoice: Invoice) => ({
  subtotal: invoice.subtotal.amount,
  discount: invoice.totalDiscount.amount,
  tax: invoice.tax.amount,
  total: invoice.total.amount,
});

describe('an amount discount never takes a proration invoice below zero', () => {
  // Basic (30.00) from 1 January; the discount is attached on 10 January, so the unused-time credit
  // (Basic was charged before it) and the Pro charge are discounted in separate runs. Upgrade to Pro
  // (60.00) on the 16th: −3000 × 16/31 = −1548.39 → −1548 and 6000 × 16/31 = 3096.77 → 3097; net 15.49.
  // Tax of the credit line: −1548 × 9.25 % = −143.19 → −143.
  it.each([
    [
      'a credit pays the net of the upgrade, not the whole charge line, and keeps the rest',
      CREDIT,
      // 1549 off the 3097 charge; (3097 − 1549) × 9.25 % = 143.19 → 143.
      { subtotal: 1549, discount: 1549, tax: 0, total: 0 },
      3451,
    ],
    [
      'a fixed amount above the net is cut to the net, its surplus lost (not turned into credit)',
      FIX20,
      { subtotal: 1549, discount: 1549, tax: 0, total: 0 },
      null,
    ],
    [
      'a fixed amount below the net is applied whole',
      FIX10,
      // (3097 − 1000) × 9.25 % = 193.97 → 194; tax 194 − 143 = 51; total 1549 − 1000 + 51.
      { subtotal: 1549, discount: 1000, tax: 51, total: 600 },
      null,
    ],
    [
      'a percentage keeps discounting the charge line alone',
      PCT20,
      // 20 % of 3097 = 619.4 → 619; (3097 − 619) × 9.25 % = 229.215 → 229; tax 229 − 143 = 86.
      { subtotal: 1549, discount: 619, tax: 86, total: 1016 },
      null,
    ],
  ])('upgrade with a discount attached mid-period: %s', (_, discount, expected, creditRemaining) => {
    const attached = applyDiscountToSubscription(subscribe([{ id: 'si_1', priceId: 'basic_usd' }]), {
      discount,
      at: '2026-01-10T06:00:00Z',
    }).subscription;
    const upgraded = change(attached, [{ id: 'si_1', priceId: 'pro_usd' }]);
    const invoice = upgraded.invoice as Invoice;
    expect(invoice.lines.map((l) => l.amount.amount)).toEqual([-1548, 3097]);
    expect(totals(invoice)).toEqual(expected);
    expect(checkInvoiceInvariants(invoice)).toEqual([]);
    expect(upgraded.subscription.discounts[0]?.creditRemaining).toBe(creditRemaining);
    if (expected.discount > 0) {
      expect(upgraded.discounts?.applied).toEqual([
        expect.objectContaining({ discountId: discount.id, amount: usd(expected.discount) }),
      ]);
    }
  });

  // Pro (60.00) from 1 January with the discount from the start; downgrade to Basic on the 16th:
  // −6000 × 16/31 = −3096.77 → −3097 and 3000 × 16/31 = 1548.39 → 1548; net −15.49.
  // Tax: −3097 × 9.25 % = −286.47 → −286 and 1548 × 9.25 % = 143.19 → 143.
  it.each([
    ['a fixed amount gives nothing when the net is negative', FIX10, 'FIX10'],
    ['a credit gives nothing when the net is negative', { ...CREDIT, amount: usd(10_000) }, 'CREDIT'],
  ])('downgrade: %s', (_, discount, id) => {
    const downgraded = change(subscribe([{ id: 'si_1', priceId: 'pro_usd' }], [discount]), [
      { id: 'si_1', priceId: 'basic_usd' },
    ]);
    const invoice = downgraded.invoice as Invoice;
    expect(invoice.lines.map((l) => l.amount.amount)).toEqual([-3097, 1548]);
    expect(totals(invoice)).toEqual({ subtotal: -1549, discount: 0, tax: -143, total: -1692 });
    expect(invoice.endingBalance.amount).toBe(-1692);
    expect(downgraded.discounts?.applied).toEqual([]);
    expect(downgraded.discounts?.rejected).toEqual([
      expect.objectContaining({ discountId: id, reason: 'nothing_to_discount' }),
    ]);
  });

  it('caps a fixed amount at the net of the lines it may apply to', () => {
    // Basic + 2 seats, 20.00 off seats only from the start. On the 16th Basic becomes Pro and the seats go
    // to 1: Basic −1548, Pro +3097, seats −2000 × 16/31 = −1032.26 → −1032 and +1000 × 16/31 = 516.13 → 516.
    // The seat lines net −516: the seat coupon takes nothing (it took 5.16 off the seat charge before).
    const seatsOnly = { ...FIX20, id: 'SEATS20', appliesTo: { productIds: ['prod_seat'] } };
    const changed = change(
      subscribe(
        [
          { id: 'si_plan', priceId: 'basic_usd' },
          { id: 'si_seats', priceId: 'seat_usd', quantity: 2 },
        ],
        [seatsOnly],
      ),
      [
        { id: 'si_plan', priceId: 'pro_usd' },
        { id: 'si_seats', priceId: 'seat_usd', quantity: 1 },
      ],
    );
    const invoice = changed.invoice as Invoice;
    expect(invoice.lines.map((l) => l.amount.amount)).toEqual([-1548, 3097, -1032, 516]);
    // Tax −143 + 286 (3097 → 286.47) − 95 (−1032 → −95.46) + 48 (516 → 47.73) = 96.
    expect(totals(invoice)).toEqual({ subtotal: 1033, discount: 0, tax: 96, total: 1129 });
    expect(discountOf(invoice, 'SEATS20')).toBe(0);
  });

  it('caps a credit over pending prorations invoiced with the renewal', () => {
    // Pro from 1 January; a 50.00 credit attached on the 10th; a downgrade to Basic on the 16th left
    // pending. February's invoice: Basic 3000 (February), the credit for unused Pro −3097 (charged before
    // the credit existed) and the Basic charge 1548, in three runs. Net 14.51: the credit pays 14.51,
    // not 45.48, spread 3000 : 1548 → 957.12 → 957 and 493.87 → 494 (the larger remainder).
    const attached = applyDiscountToSubscription(subscribe([{ id: 'si_1', priceId: 'pro_usd' }]), {
      discount: CREDIT,
      at: '2026-01-10T06:00:00Z',
    }).subscription;
    const pending = change(attached, [{ id: 'si_1', priceId: 'basic_usd' }], 'create_prorations');
    const renewed = renewSubscription(pending.subscription, { customer: ada, invoiceId: 'in_3' }, env);
    const invoice = renewed.invoice as Invoice;
    const credited = (amounts: readonly DiscountAmount[]) =>
      amounts.find((d) => d.discountId === 'CREDIT')?.amount.amount ?? 0;
    expect(invoice.lines.map((l) => [l.amount.amount, credited(l.discountAmounts)])).toEqual([
      [3000, 957],
      [-3097, 0],
      [1548, 494],
    ]);
    // Tax: 2043 → 188.98 → 189; −3097 → −286; 1054 → 97.495 → 97. 189 − 286 + 97 = 0.
    expect(totals(invoice)).toEqual({ subtotal: 1451, discount: 1451, tax: 0, total: 0 });
    expect(renewed.subscription.discounts[0]?.creditRemaining).toBe(5000 - 1451);
    // The explanation follows the runs (the pending charge's run first) and says why each was cut.
    const entries = invoice.explanation.filter((e) => e.target.endsWith('.discount.CREDIT'));
    expect(entries.map((e) => [e.amount.amount, e.inputs.limitedBy])).toEqual([
      [494, 'invoice_net'],
      [957, 'invoice_net'],
    ]);
  });

  it('leaves an invoice without negative lines as the engine discounted it', () => {
    const created = createSubscription(
      {
        id: 'sub_cap',
        customer: ada,
        items: [{ id: 'si_1', priceId: 'basic_usd' }],
        startAt: start,
        invoiceId: 'in_1',
        discounts: [FIX20, CREDIT],
      },
      env,
    );
    // 20.00 off, then 10.00 of credit: nothing due.
    expect(totals(created.invoice as Invoice)).toEqual({ subtotal: 3000, discount: 3000, tax: 0, total: 0 });
    expect(created.subscription.discounts.map((d) => d.creditRemaining)).toEqual([null, 4000]);
  });
});

describe('properties', () => {
  const stepArb = fc.oneof(
    fc.record({
      kind: fc.constant('change' as const),
      priceId: fc.constantFrom('basic_usd', 'pro_usd', 'flat_usd'),
      seats: fc.integer({ min: 0, max: 4 }),
      at: fc.integer({ min: 0, max: 999 }),
      behavior: fc.constantFrom('always_invoice' as const, 'create_prorations' as const),
    }),
    fc.record({
      kind: fc.constant('attach' as const),
      discount: fc.constantFrom<DiscountDefinitionInput>(
        { ...CREDIT, id: 'LATE_CREDIT', amount: usd(2500) },
        { ...FIX10, id: 'LATE_FIX' },
        { ...PCT20, id: 'LATE_PCT' },
      ),
      at: fc.integer({ min: 0, max: 999 }),
    }),
    fc.constant({ kind: 'renew' as const }),
  );

  it('credit and fixed amounts never take an invoice below what the percentages left (at least zero)', () => {
    fc.assert(
      fc.property(
        fc.subarray<DiscountDefinitionInput>([
          CREDIT,
          FIX20,
          PCT20,
          { ...FIX10, duration: { type: 'once' } },
        ]),
        fc.array(stepArb, { maxLength: 6 }),
        (discounts, steps) => {
          let subscription = subscribe(
            [
              { id: 'si_plan', priceId: 'pro_usd' },
              { id: 'si_seats', priceId: 'seat_usd', quantity: 2 },
            ],
            discounts,
          );
          const invoices: Invoice[] = [];
          let n = 2;
          const instant = (at: number) => {
            const from = Date.parse(subscription.currentPeriodStart);
            const to = Date.parse(subscription.currentPeriodEnd);
            return new Date(from + Math.floor(((to - from) * at) / 1000)).toISOString();
          };
          for (const step of steps) {
            let t: SubscriptionTransition;
            if (step.kind === 'renew') {
              t = renewSubscription(subscription, { customer: ada, invoiceId: `in_${n++}` }, env);
            } else if (step.kind === 'attach') {
              if (subscription.discounts.some((d) => d.discount.id === step.discount.id)) continue;
              t = applyDiscountToSubscription(subscription, {
                discount: step.discount,
                at: instant(step.at),
              });
            } else {
              const items = [
                { id: 'si_plan', priceId: step.priceId },
                ...(step.seats > 0 ? [{ id: 'si_seats', priceId: 'seat_usd', quantity: step.seats }] : []),
              ];
              t = changeSubscription(
                subscription,
                {
                  customer: ada,
                  items,
                  prorationDate: instant(step.at),
                  prorationBehavior: step.behavior,
                  invoiceId: `in_${n++}`,
                },
                env,
              );
            }
            subscription = t.subscription;
            if (t.invoice) invoices.push(t.invoice);
          }
          const amountIds = new Set(['CREDIT', 'FIX20', 'FIX10', 'LATE_CREDIT', 'LATE_FIX']);
          for (const invoice of invoices) {
            expect(checkInvoiceInvariants(invoice)).toEqual([]);
            let byAmounts = 0;
            for (const d of invoice.totalDiscountAmounts)
              if (amountIds.has(d.discountId)) byAmounts += d.amount.amount;
            const afterPercentages = invoice.subtotal.amount - (invoice.totalDiscount.amount - byAmounts);
            expect(byAmounts).toBeLessThanOrEqual(Math.max(0, afterPercentages));
            if (byAmounts > 0)
              expect(invoice.subtotal.amount - invoice.totalDiscount.amount).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
