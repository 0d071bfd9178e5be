import { money } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDiscounts,
  type DiscountDefinitionInput,
  type DiscountLineInput,
  type DiscountRequestInput,
  type DiscountResult,
} from '../src/index.js';
import { NOW } from './helpers.js';

const currency = 'USD';
const percent = fc.integer({ min: 1, max: 10000 }).map((basisPoints) => (basisPoints / 100).toFixed(2));
const common = fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  stacking: fc.constantFrom('exclusive' as const, 'stackable' as const),
  additive: fc.boolean(),
  products: fc.option(fc.subarray(['p1', 'p2', 'p3'], { minLength: 1 }), { nil: undefined }),
});

const definition: fc.Arbitrary<Omit<DiscountDefinitionInput, 'id'>> = fc.oneof(
  fc.record({ c: common, percentOff: percent }).map(({ c, percentOff }) => ({
    type: 'percentage' as const,
    percentOff,
    duration: { type: 'forever' as const },
    priority: c.priority,
    stacking: c.stacking,
    additive: c.additive,
    ...(c.products ? { appliesTo: { productIds: c.products } } : {}),
  })),
  fc.record({ c: common, amount: fc.integer({ min: 1, max: 50000 }) }).map(({ c, amount }) => ({
    type: 'fixed_amount' as const,
    amountOff: money(amount, currency),
    duration: { type: 'forever' as const },
    priority: c.priority,
    stacking: c.stacking,
    ...(c.products ? { appliesTo: { productIds: c.products } } : {}),
  })),
  fc
    .record({ c: common, mode: fc.constantFrom('volume' as const, 'graduated' as const), p: percent })
    .map(({ c, mode, p }) => ({
      type: 'volume' as const,
      tiersMode: mode,
      tiers: [
        { fromQuantity: 2, percentOff: p },
        { fromQuantity: 5, percentOff: '50' },
      ],
      priority: c.priority,
      stacking: c.stacking,
    })),
  fc.record({ c: common, periods: fc.integer({ min: 1, max: 3 }) }).map(({ c, periods }) => ({
    type: 'free_periods' as const,
    periods,
    priority: c.priority,
    stacking: c.stacking,
  })),
  fc
    .record({ amount: fc.integer({ min: 1, max: 50000 }), priority: fc.integer({ min: 0, max: 3 }) })
    .map(({ amount, priority }) => ({ type: 'credit' as const, amount: money(amount, currency), priority })),
);

const lineArb: fc.Arbitrary<Omit<DiscountLineInput, 'id'>> = fc
  .record({
    amount: fc.integer({ min: -50000, max: 100000 }),
    quantity: fc.integer({ min: 0, max: 8 }),
    product: fc.constantFrom('p1', 'p2', 'p3'),
  })
  .map(({ amount, quantity, product }) => ({
    amount: money(amount, currency),
    quantity,
    productId: product,
    kind: amount < 0 ? ('proration_credit' as const) : ('charge' as const),
  }));

const requestArb = fc
  .record({
    lines: fc.array(lineArb, { minLength: 1, maxLength: 5 }),
    discounts: fc.array(definition, { maxLength: 5 }),
    billed: fc.integer({ min: 0, max: 2 }),
    cap: fc.option(fc.integer({ min: 0, max: 100 }).map(String), { nil: undefined }),
  })
  .map(({ lines, discounts, billed, cap }) => ({
    request: {
      currency,
      lines: lines.map((l, i) => ({ ...l, id: `line_${i}` })),
      discounts: discounts.map((d, i) => ({ ...d, id: `disc_${i}` }) as DiscountDefinitionInput),
      context: {
        now: NOW,
        periodsBilled: Object.fromEntries(discounts.map((_, i) => [`disc_${i}`, billed])),
      },
    } satisfies DiscountRequestInput,
    options: cap === undefined ? {} : { maxTotalPercent: cap },
  }));

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const byLineId = (result: DiscountResult) => [...result.lines].sort((a, b) => (a.id < b.id ? -1 : 1));

describe('invariants', () => {
  it('keeps every charge line within [0, original] and every credit line within [original, 0]', () => {
    fc.assert(
      fc.property(requestArb, ({ request, options }) => {
        for (const l of applyDiscounts(request, options).lines) {
          const [low, high] = l.original.amount >= 0 ? [0, l.original.amount] : [l.original.amount, 0];
          expect(l.discounted.amount).toBeGreaterThanOrEqual(low);
          expect(l.discounted.amount).toBeLessThanOrEqual(high);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('makes every total the exact sum of its per-line parts', () => {
    fc.assert(
      fc.property(requestArb, ({ request, options }) => {
        const result = applyDiscounts(request, options);
        for (const l of result.lines) {
          expect(sum(l.applications.map((a) => a.amount.amount))).toBe(l.discountTotal.amount);
          expect(l.original.amount - l.discountTotal.amount).toBe(l.discounted.amount);
        }
        expect(sum(result.lines.map((l) => l.discountTotal.amount))).toBe(result.totalDiscount.amount);
        expect(sum(result.applied.map((a) => a.amount.amount))).toBe(result.totalDiscount.amount);
        expect(result.subtotal.amount - result.totalDiscount.amount).toBe(result.total.amount);
        expect(sum(result.lines.map((l) => l.discounted.amount))).toBe(result.total.amount);
      }),
      { numRuns: 300 },
    );
  });

  it('never takes more than maxTotalPercent of a line with non-credit discounts', () => {
    fc.assert(
      fc.property(requestArb, fc.integer({ min: 0, max: 100 }), ({ request }, cap) => {
        const result = applyDiscounts(request, { maxTotalPercent: String(cap) });
        for (const l of result.lines) {
          const taken = sum(
            l.applications.filter((a) => a.type !== 'credit').map((a) => Math.abs(a.amount.amount)),
          );
          expect(taken * 100).toBeLessThanOrEqual(Math.abs(l.original.amount) * cap);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('conserves credit: what is consumed plus what remains is the opening balance', () => {
    fc.assert(
      fc.property(requestArb, ({ request, options }) => {
        const result = applyDiscounts(request, options);
        for (const d of request.discounts) {
          if (d.type !== 'credit') continue;
          const consumed = result.applied.find((a) => a.discountId === d.id)?.amount.amount ?? 0;
          expect(consumed + (result.creditsRemaining[d.id]?.amount ?? Number.NaN)).toBe(d.amount.amount);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same result for the same input', () => {
    fc.assert(
      fc.property(requestArb, ({ request, options }) => {
        expect(applyDiscounts(request, options)).toEqual(applyDiscounts(structuredClone(request), options));
      }),
      { numRuns: 100 },
    );
  });

  it('does not depend on the order of lines or discounts', () => {
    fc.assert(
      fc.property(
        requestArb.chain((input) =>
          fc
            .tuple(
              fc.shuffledSubarray(input.request.lines, { minLength: input.request.lines.length }),
              fc.shuffledSubarray(input.request.discounts, { minLength: input.request.discounts.length }),
            )
            .map(([lines, discounts]) => ({ ...input, shuffled: { ...input.request, lines, discounts } })),
        ),
        ({ request, shuffled, options }) => {
          const a = applyDiscounts(request, options);
          const b = applyDiscounts(shuffled, options);
          expect(byLineId(b)).toEqual(byLineId(a));
          const { lines: _a, ...restA } = a;
          const { lines: _b, ...restB } = b;
          expect(restB).toEqual(restA);
        },
      ),
      { numRuns: 200 },
    );
  });
});
