import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Catalog,
  type CreditNote,
  catalogSchema,
  changeSubscription,
  checkCreditNoteInvariants,
  checkInvoiceInvariants,
  createCreditNote,
  createSubscription,
  type DiscountAmount,
  finalizeInvoice,
  type Invoice,
  type PriceInput,
  payInvoice,
  renewSubscription,
  type Subscription,
} from '../src/index.js';
import { customer, rateTable } from './fixtures.js';

const places = {
  USD: {
    timezone: 'America/Chicago',
    address: { country: 'US', region: 'IL', county: 'Cook', city: 'Chicago' },
  },
  JPY: { timezone: 'Asia/Tokyo', address: { country: 'JP' } },
  KWD: { timezone: 'Asia/Kuwait', address: { country: 'KW' } },
} as const;
type Currency = keyof typeof places;

const priceArb = (currency: Currency, index: number): fc.Arbitrary<PriceInput> => {
  const common = {
    id: `price_${index}`,
    productId: `prod_${index}`,
    currency,
    recurring: { interval: 'month' as const, intervalCount: 1 },
  };
  return fc
    .record({ taxBehavior: fc.constantFrom('inclusive' as const, 'exclusive' as const) })
    .chain(({ taxBehavior }) =>
      fc.oneof(
        fc
          .integer({ min: 0, max: 200_000 })
          .map((unitAmount) => ({ ...common, taxBehavior, billingScheme: 'per_unit' as const, unitAmount })),
        fc
          .integer({ min: 0, max: 200_000 })
          .map((flatAmount) => ({ ...common, taxBehavior, billingScheme: 'flat' as const, flatAmount })),
        fc
          .tuple(
            fc.integer({ min: 1, max: 5 }),
            fc.integer({ min: 0, max: 20_000 }),
            fc.integer({ min: 0, max: 20_000 }),
            fc.integer({ min: 0, max: 5_000 }),
          )
          .map(([upTo, first, second, flat]) => ({
            ...common,
            taxBehavior,
            billingScheme: 'tiered' as const,
            tiersMode: upTo % 2 === 0 ? ('graduated' as const) : ('volume' as const),
            tiers: [
              { upTo, unitAmount: first },
              { upTo: null, unitAmount: second, flatAmount: flat },
            ],
          })),
      ),
    );
};

const discountArb = (currency: Currency) =>
  fc.subarray(
    [
      { id: 'PCT', type: 'percentage' as const, percentOff: '12.5', duration: { type: 'forever' as const } },
      { id: 'ONCE', type: 'percentage' as const, percentOff: '30', duration: { type: 'once' as const } },
      {
        id: 'FIX',
        type: 'fixed_amount' as const,
        amountOff: { amount: 1500, currency },
        duration: { type: 'repeating' as const, periods: 2 },
      },
      { id: 'FREE', type: 'free_periods' as const, periods: 1 },
    ],
    { maxLength: 3 },
  );

const scenarioArb = fc.constantFrom<Currency>('USD', 'JPY', 'KWD').chain((currency) =>
  fc.record({
    currency: fc.constant(currency),
    prices: fc.tuple(
      priceArb(currency, 0),
      priceArb(currency, 1),
      priceArb(currency, 2),
      priceArb(currency, 3),
    ),
    categories: fc.array(fc.constantFrom('general', 'services', 'exempt'), { minLength: 4, maxLength: 4 }),
    items: fc.uniqueArray(fc.record({ price: fc.nat(3), quantity: fc.integer({ min: 0, max: 12 }) }), {
      minLength: 1,
      maxLength: 3,
      selector: (i) => i.price,
    }),
    discounts: discountArb(currency),
    balance: fc.integer({ min: -20_000, max: 5_000 }),
    steps: fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant('change' as const),
          at: fc.integer({ min: 0, max: 1000 }),
          items: fc.uniqueArray(fc.record({ price: fc.nat(3), quantity: fc.integer({ min: 0, max: 12 }) }), {
            minLength: 1,
            maxLength: 3,
            selector: (i) => i.price,
          }),
          behavior: fc.constantFrom('create_prorations' as const, 'always_invoice' as const, 'none' as const),
        }),
        fc.constant({ kind: 'renew' as const }),
      ),
      { maxLength: 5 },
    ),
  }),
);

const discountOf = (amounts: readonly DiscountAmount[]) => amounts.reduce((s, d) => s + d.amount.amount, 0);

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function run(scenario: Scenario): Invoice[] {
  const catalog: Catalog = catalogSchema.parse({
    products: scenario.categories.map((taxCategory, i) => ({
      id: `prod_${i}`,
      name: `Product ${i}`,
      taxCategory,
    })),
    prices: scenario.prices,
  });
  const env = { catalog, tax: rateTable };
  const buyer = customer({
    currency: scenario.currency,
    balance: scenario.balance,
    ...places[scenario.currency],
  });
  // Item ids follow the price so a "change" keeps, swaps quantity, adds or removes items.
  const items = (list: readonly { price: number; quantity: number }[]) =>
    list.map((i) => ({ id: `si_${i.price}`, priceId: `price_${i.price}`, quantity: i.quantity }));
  const created = createSubscription(
    {
      id: 'sub_p',
      customer: buyer,
      items: items(scenario.items),
      startAt: '2026-01-31T06:00:00Z',
      invoiceId: 'in_0',
      discounts: scenario.discounts,
    },
    env,
  );
  const invoices: Invoice[] = [created.invoice!];
  let subscription: Subscription = created.subscription;
  let n = 1;
  for (const step of scenario.steps) {
    if (step.kind === 'renew') {
      const renewed = renewSubscription(subscription, { customer: buyer, invoiceId: `in_${n++}` }, env);
      subscription = renewed.subscription;
      if (renewed.invoice) invoices.push(renewed.invoice);
    } else {
      const start = Date.parse(subscription.currentPeriodStart);
      const end = Date.parse(subscription.currentPeriodEnd);
      const at = new Date(start + Math.floor(((end - start) * step.at) / 1000 / 1000) * 1000).toISOString();
      const changed = changeSubscription(
        subscription,
        {
          customer: buyer,
          items: items(step.items),
          prorationDate: at,
          prorationBehavior: step.behavior,
          invoiceId: `in_${n++}`,
        },
        env,
      );
      subscription = changed.subscription;
      if (changed.invoice) invoices.push(changed.invoice);
    }
  }
  const last = renewSubscription(subscription, { customer: buyer, invoiceId: `in_${n++}` }, env);
  if (last.invoice) invoices.push(last.invoice);
  return invoices;
}

describe('properties', () => {
  it('every invoice from random catalogs, subscriptions and change sequences satisfies the invariants', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        for (const invoice of run(scenario)) {
          expect(checkInvoiceInvariants(invoice)).toEqual([]);
          expect(invoice.currency).toBe(scenario.currency);
          for (const line of invoice.lines) {
            const after = line.amount.amount - discountOf(line.discountAmounts);
            // Charges are discounted within [0, amount]; credits within [amount, 0].
            if (line.amount.amount >= 0) expect(after).toBeGreaterThanOrEqual(0);
            else expect(after).toBeLessThanOrEqual(0);
            expect(Math.abs(after)).toBeLessThanOrEqual(Math.abs(line.amount.amount));
          }
        }
      }),
      { numRuns: 120 },
    );
  });

  it('changing the items and changing them back at the same instant nets to zero (± one unit per line)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 999 }), (scenario, at) => {
        const more = scenario.items.map((i) => ({ ...i, quantity: i.quantity + 1 }));
        const steps = [
          { kind: 'change' as const, at, items: more, behavior: 'always_invoice' as const },
          { kind: 'change' as const, at, items: scenario.items, behavior: 'always_invoice' as const },
        ];
        const invoices = run({ ...scenario, discounts: [], steps });
        const prorationLines = invoices.flatMap((i) => i.lines.filter((l) => l.proration));
        const net = prorationLines.reduce((s, l) => s + l.amount.amount, 0);
        expect(Math.abs(net)).toBeLessThanOrEqual(prorationLines.length);
      }),
      { numRuns: 60 },
    );
  });

  it('credit notes never credit more than the invoice and always total their rounded parts', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 4 }),
        (scenario, percents) => {
          const invoice = run({ ...scenario, steps: [], balance: 0 })[0]!;
          const charge = invoice.lines.find((l) => l.amount.amount > 0);
          fc.pre(charge !== undefined && invoice.total.amount > 0);
          const open = finalizeInvoice(invoice, { number: 'N', at: '2026-02-01T00:00:00Z' }).invoice;
          const paid =
            open.status === 'paid' ? open : payInvoice(open, { at: '2026-02-01T00:00:00Z' }).invoice;
          const notes: CreditNote[] = [];
          let credited = 0;
          for (const [k, percent] of percents.entries()) {
            const left = charge!.amount.amount - credited;
            if (left <= 0) break;
            const amount = Math.max(1, Math.min(left, Math.floor((charge!.amount.amount * percent) / 100)));
            const { creditNote } = createCreditNote(
              paid,
              {
                id: `cn_${k}`,
                number: `CN-${k}`,
                at: '2026-02-02T00:00:00Z',
                lines: [{ invoiceLineId: charge!.id, amount }],
              },
              notes,
            );
            expect(checkCreditNoteInvariants(creditNote)).toEqual([]);
            notes.push(creditNote);
            credited += amount;
          }
          const rest = charge!.amount.amount - credited;
          if (rest > 0) {
            notes.push(
              createCreditNote(
                paid,
                {
                  id: 'cn_rest',
                  number: 'CN-R',
                  at: '2026-02-03T00:00:00Z',
                  lines: [{ invoiceLineId: charge!.id }],
                },
                notes,
              ).creditNote,
            );
          }
          // Crediting a line in full, in any number of pieces, reverses exactly its discount and its tax.
          const line = paid.lines.find((l) => l.id === charge!.id)!;
          const reversedTax = notes.reduce((s, n) => s + n.tax.amount, 0);
          const reversedDiscount = notes.reduce((s, n) => s + n.totalDiscount.amount, 0);
          expect(reversedTax).toBe(line.taxAmounts.reduce((s, t) => s + t.amount.amount, 0));
          expect(reversedDiscount).toBe(discountOf(line.discountAmounts));
        },
      ),
      { numRuns: 80 },
    );
  });
});
