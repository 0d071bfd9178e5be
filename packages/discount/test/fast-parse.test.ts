import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParsedDiscountOptions, isParsedDiscountRequest } from '../src/fast-parse.js';
import {
  applyDiscounts,
  type DiscountOptionsInput,
  type DiscountRequestInput,
  discountOptionsSchema,
  discountRequestSchema,
} from '../src/index.js';
import { line, NOW, usd } from './helpers.js';

const LINES = [
  line('a', 10_000, { productId: 'trash', quantity: 2 }),
  line('b', 4_500, { productId: 'recycling', priceId: 'p_rec', planId: 'p_rec', subscriptionId: 'sub_1' }),
  line('c', -1_200, { kind: 'proration_credit', subscriptionId: 'sub_1' }),
  line('d', 800, { kind: 'proration_charge', category: 'waste' }),
];

/** Raw requests (defaults left out), one per shape the fast check recognises or declines. */
const REQUESTS: [string, DiscountRequestInput, boolean][] = [
  [
    'a percentage, a fixed amount and a credit',
    {
      currency: 'USD',
      lines: LINES,
      discounts: [
        { id: 'SENIOR15', type: 'percentage', percentOff: '15', duration: { type: 'forever' } },
        {
          id: 'FIVE_OFF',
          type: 'fixed_amount',
          amountOff: usd(500),
          duration: { type: 'repeating', periods: 3 },
        },
        { id: 'REFERRAL', type: 'credit', amount: usd(2500), name: 'Referral' },
      ],
      context: {
        now: NOW,
        customerId: 'cus_1',
        periodsBilled: { SENIOR15: 2, FIVE_OFF: { sub_1: 1 } },
        redemptions: { REFERRAL: { total: 3, customer: 0 } },
        creditBalances: { REFERRAL: usd(1000) },
      },
    },
    true,
  ],
  [
    'an exclusive discount with a validity window and limits',
    {
      currency: 'USD',
      lines: LINES,
      discounts: [
        {
          id: 'WINTER',
          type: 'percentage',
          percentOff: '12.5',
          stacking: 'exclusive',
          additive: true,
          startsAt: '2025-01-01T00:00:00Z',
          expiresAt: '2025-12-31T00:00:00+01:00',
          maxRedemptions: 10,
          maxRedemptionsPerCustomer: 1,
          minimumSubtotal: usd(1000),
          priority: -1,
          firstInvoiceOnly: true,
        },
        { id: 'ONCE', type: 'fixed_amount', amountOff: usd(100) },
      ],
      context: { now: NOW, isFirstInvoice: true },
    },
    true,
  ],
  [
    'a bundle (left to zod)',
    {
      currency: 'USD',
      lines: LINES,
      discounts: [{ id: 'BUNDLE', type: 'bundle', productIds: ['trash', 'recycling'], percentOff: '10' }],
      context: { now: NOW },
    },
    false,
  ],
  [
    'a percentage limited by appliesTo (left to zod)',
    {
      currency: 'USD',
      lines: LINES,
      discounts: [{ id: 'P', type: 'percentage', percentOff: '20', appliesTo: { productIds: ['trash'] } }],
      context: { now: NOW },
    },
    false,
  ],
];

const OPTIONS: [DiscountOptionsInput, boolean][] = [
  [{}, true],
  [{ rounding: 'half_even' }, true],
  [{ rounding: 'down', maxTotalPercent: '50' }, false],
];

/** The same data behind a non-plain prototype: the fast check declines it, so zod parses it. */
const viaZod = <T extends object>(value: T): T => Object.assign(Object.create({}), value);

const outcome = (run: () => unknown): unknown => {
  try {
    return run();
  } catch (error) {
    return { error: (error as { code?: string }).code, message: (error as Error).message };
  }
};

/** `[<hole>, element]`: an array whose first slot is empty. */
function withHole<T>(element: T): T[] {
  const array = new Array<T>(2);
  array[1] = element;
  return array;
}

describe('the fast discount request check in front of zod', () => {
  it.each(REQUESTS)(
    'on the parsed form of %s answers %s, and zod parses it to an equal value',
    (_n, raw, fast) => {
      const parsed = discountRequestSchema.parse(raw);
      expect(isParsedDiscountRequest(parsed)).toBe(fast);
      expect(discountRequestSchema.parse(parsed)).toEqual(parsed);
    },
  );

  it.each(REQUESTS)('declines the raw form of %s (defaults still to fill in)', (_n, raw) => {
    expect(isParsedDiscountRequest(raw)).toBe(false);
  });

  it.each(OPTIONS)('on the parsed options %j answers %s', (raw, fast) => {
    const parsed = discountOptionsSchema.parse(raw);
    expect(isParsedDiscountOptions(parsed)).toBe(fast);
    expect(discountOptionsSchema.parse(parsed)).toEqual(parsed);
  });

  it.each(REQUESTS)('discounts %s the same from raw, parsed and zod-parsed input', (_n, raw) => {
    const parsed = discountRequestSchema.parse(raw);
    for (const [rawOptions] of OPTIONS) {
      const options = discountOptionsSchema.parse(rawOptions);
      const expected = outcome(() => applyDiscounts(raw, rawOptions));
      expect(outcome(() => applyDiscounts(parsed, options))).toEqual(expected);
      expect(outcome(() => applyDiscounts(viaZod(parsed), viaZod(options)))).toEqual(expected);
    }
  });

  const base = discountRequestSchema.parse(REQUESTS[0]![1]);
  const first = base.lines[0]!;
  const percentage = base.discounts[0]!;
  it.each([
    ['an unknown key', { ...base, extra: 1 }],
    ['a line with an unknown key', { ...base, lines: [{ ...first, note: 'x' }] }],
    ['a line without its default kind', { ...base, lines: [{ id: 'x', amount: usd(1), quantity: 1 }] }],
    ['a negative quantity', { ...base, lines: [{ ...first, quantity: -1 }] }],
    ['a key set to undefined', { ...base, lines: [{ ...first, productId: undefined }] }],
    ['a percentage over 100', { ...base, discounts: [{ ...percentage, percentOff: '101' }] }],
    ['a percentage of zero', { ...base, discounts: [{ ...percentage, percentOff: '0' }] }],
    [
      'a definition without its default priority',
      { ...base, discounts: [{ ...percentage, priority: undefined }] },
    ],
    [
      'a credit with stacking fields (zod strips them)',
      { ...base, discounts: [{ ...base.discounts[2]!, stacking: 'stackable' }] },
    ],
    [
      'a repeating duration of zero periods',
      { ...base, discounts: [{ ...percentage, duration: { type: 'repeating', periods: 0 } }] },
    ],
    ['an instant without an offset', { ...base, context: { ...base.context, now: '2025-03-15T12:00:00' } }],
    ['a fractional period count', { ...base, context: { ...base.context, periodsBilled: { X: 1.5 } } }],
    [
      'a redemption count missing a default',
      { ...base, context: { ...base.context, redemptions: { X: { total: 1 } } } },
    ],
    ['an unknown currency', { ...base, currency: 'XYZ' }],
    ['a sparse line array', { ...base, lines: withHole(first) }],
  ])('declines %s', (_n, request) => {
    expect(isParsedDiscountRequest(request)).toBe(false);
  });

  it('never accepts a request that zod rejects or would change', () => {
    const amount = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 2));
    const text = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 210 }),
      fc.constantFrom('USD', '15', '100.0', '0.5'),
    );
    fc.assert(
      fc.property(
        amount,
        fc.integer({ min: -2, max: 5 }),
        text,
        text,
        text,
        (a, quantity, currency, id, percent) => {
          const request = {
            ...base,
            currency,
            lines: [{ ...first, id, quantity, amount: { amount: a, currency } }],
            discounts: [{ ...percentage, percentOff: percent }],
          };
          if (isParsedDiscountRequest(request)) {
            const parsed = discountRequestSchema.safeParse(request);
            expect(parsed.success).toBe(true);
            expect(parsed.data).toEqual(request);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * Generated requests: valid raw requests of every shape the fast check knows (all optional fields
 * present or not), parsed by zod, then changed at 0–2 random places (a key deleted, set to
 * `undefined`, to a wrong value, or an unknown key added). Whatever the fast check accepts, zod must
 * accept and return unchanged (equal): the fast path is then exactly zod's answer.
 */
describe('the fast check agrees with zod on generated requests', () => {
  const id = fc.constantFrom('A', 'B', 'SENIOR15', 'trash', 'sub_1');
  const count = (min: number) => fc.integer({ min, max: 5 });
  const instant = fc.constantFrom('2025-01-01T00:00:00Z', '2025-03-15T12:00:00+01:00');
  const money = fc.integer({ min: -5000, max: 5000 }).map((amount) => usd(amount));
  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const defined = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

  const lineArb = fc
    .record({
      id: id.chain((i) => fc.constantFrom(i, `${i}_2`, `${i}_3`)),
      amount: money,
      quantity: opt(count(0)),
      productId: opt(id),
      planId: opt(id),
      priceId: opt(id),
      category: opt(id),
      subscriptionId: opt(id),
      kind: opt(fc.constantFrom('charge', 'proration_charge', 'proration_credit')),
    })
    .map(defined);
  const common = {
    name: opt(fc.string({ maxLength: 4 })),
    startsAt: opt(instant),
    expiresAt: opt(instant),
    maxRedemptions: opt(count(1)),
    maxRedemptionsPerCustomer: opt(count(1)),
    minimumSubtotal: opt(money),
    firstInvoiceOnly: opt(fc.boolean()),
    priority: opt(fc.integer({ min: -3, max: 3 })),
  };
  const stacking = {
    stacking: opt(fc.constantFrom('exclusive', 'stackable')),
    additive: opt(fc.boolean()),
    duration: opt(
      fc.oneof(
        fc.record({ type: fc.constantFrom('once', 'forever') }),
        fc.record({ type: fc.constant('repeating'), periods: count(1) }),
      ),
    ),
  };
  const definitionArb = fc
    .oneof(
      fc.record({
        type: fc.constant('percentage'),
        percentOff: fc.constantFrom('15', '12.5', '100', '0.01'),
        ...common,
        ...stacking,
      }),
      fc.record({ type: fc.constant('fixed_amount'), amountOff: money, ...common, ...stacking }),
      fc.record({ type: fc.constant('credit'), amount: money, ...common }),
    )
    .map(defined);
  const contextArb = fc
    .record({
      now: instant,
      customerId: opt(id),
      isFirstInvoice: opt(fc.boolean()),
      periodsBilled: opt(
        fc.dictionary(id, fc.oneof(count(0), fc.dictionary(id, count(0), { maxKeys: 2 })), { maxKeys: 2 }),
      ),
      redemptions: opt(fc.dictionary(id, fc.record({ total: count(0), customer: count(0) }), { maxKeys: 2 })),
      creditBalances: opt(fc.dictionary(id, money, { maxKeys: 2 })),
    })
    .map(defined);
  const parsedRequest = fc
    .record({
      lines: fc.uniqueArray(lineArb, { maxLength: 3, selector: (l) => l.id }),
      discounts: fc.array(fc.tuple(id, definitionArb), { maxLength: 3 }),
      context: contextArb,
    })
    .map(({ lines, discounts, context }) =>
      discountRequestSchema.safeParse({
        currency: 'USD',
        lines,
        discounts: discounts.map(([i, d], n) => ({ ...d, id: `${i}_${n}` })),
        context,
      }),
    )
    .filter((parsed) => parsed.success)
    .map((parsed) => parsed.data as unknown);

  const WRONG = [undefined, null, '', -1, 1.5, 'x'.repeat(201), 'other', {}, [], '2025-03-15'];
  /** Every object in `value` (arrays' elements included), with the object itself first. */
  function objects(value: unknown, into: Record<string, unknown>[] = []): Record<string, unknown>[] {
    if (Array.isArray(value)) for (const v of value) objects(v, into);
    else if (typeof value === 'object' && value !== null) {
      into.push(value as Record<string, unknown>);
      for (const v of Object.values(value)) objects(v, into);
    }
    return into;
  }
  const mutation = fc.tuple(
    fc.nat(),
    fc.nat(),
    fc.constantFrom('delete', 'set', 'extra'),
    fc.constantFrom(...WRONG),
  );
  const mutated = fc.tuple(parsedRequest, fc.array(mutation, { maxLength: 2 })).map(([parsed, changes]) => {
    const request = structuredClone(parsed);
    for (const [at, which, how, value] of changes) {
      const nodes = objects(request);
      const node = nodes[at % nodes.length] as Record<string, unknown>;
      const keys = Object.keys(node);
      // A fresh copy of the wrong value: the `{}` and `[]` in WRONG are shared between runs.
      const wrong = structuredClone(value);
      if (how === 'extra' || keys.length === 0) node.unknownKey = wrong;
      else if (how === 'delete') delete node[keys[which % keys.length] as string];
      else node[keys[which % keys.length] as string] = wrong;
    }
    return { request, changed: changes.length > 0 };
  });

  it('a request the fast check accepts is one zod accepts and returns unchanged', () => {
    let accepted = 0;
    let acceptedChanged = 0;
    fc.assert(
      fc.property(mutated, ({ request, changed }) => {
        if (!isParsedDiscountRequest(request)) return;
        accepted += 1;
        if (changed) acceptedChanged += 1;
        const parsed = discountRequestSchema.safeParse(request);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(request);
      }),
      { numRuns: 20_000 },
    );
    // Both sides are reached: zod's own output, and changed requests that are still exactly parsed.
    expect(accepted).toBeGreaterThan(500);
    expect(acceptedChanged).toBeGreaterThan(0);
  }, 60_000);

  it('options the fast check accepts are ones zod accepts and returns unchanged', () => {
    const options = fc
      .record({
        rounding: opt(fc.constantFrom('half_up', 'half_even', 'down', 'up', 'ceil', undefined)),
        maxTotalPercent: opt(fc.constantFrom('50', '100', '101')),
        extra: opt(fc.constant(1)),
      })
      .map(defined);
    fc.assert(
      fc.property(options, (value) => {
        if (!isParsedDiscountOptions(value)) return;
        const parsed = discountOptionsSchema.safeParse(value);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(value);
      }),
      { numRuns: 2000 },
    );
  });
});
