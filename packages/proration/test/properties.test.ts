import { ROUNDING_MODES } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BillingInterval, billingPeriodFor, prorate, prorateAmount } from '../src/index.js';

const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata'];
const INTERVALS: BillingInterval[] = [
  { interval: 'day' },
  { interval: 'week' },
  { interval: 'month' },
  { interval: 'quarter' },
  { interval: 'year' },
  { interval: 'month', intervalCount: 6 },
];
const CURRENCIES = ['USD', 'JPY', 'KWD'];

/** A real billing period (from a random anchor, interval and zone) and an offset fraction inside it. */
const scenario = fc.record({
  // Billing-cycle anchors are whole seconds (like Unix timestamps).
  anchorMs: fc
    .integer({ min: Date.UTC(2019, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 })
    .map((s) => s * 1000),
  interval: fc.constantFrom(...INTERVALS),
  timeZone: fc.constantFrom(...ZONES),
  currency: fc.constantFrom(...CURRENCIES),
  unitAmount: fc.integer({ min: 0, max: 10_000_000 }),
  quantity: fc.integer({ min: 0, max: 500 }),
  position: fc.double({ min: 0, max: 1, noNaN: true }),
  precision: fc.constantFrom('second', 'day', 'thirty_day_month' as const),
  roundingMode: fc.constantFrom(...ROUNDING_MODES),
});

function periodOf(s: { anchorMs: number; interval: BillingInterval; timeZone: string }) {
  return billingPeriodFor(
    new Date(s.anchorMs),
    s.interval,
    new Date(s.anchorMs + 40 * 86_400_000),
    s.timeZone,
  );
}

function instantInside(period: { start: string; end: string }, position: number): string {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  return new Date(Math.floor((start + (end - start) * position) / 1000) * 1000).toISOString();
}

describe('invariants', () => {
  it('nets to exactly zero when the plan does not change, at any instant, precision and rounding mode', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const period = periodOf(s);
        const unitAmount = { amount: s.unitAmount, currency: s.currency };
        const result = prorate(
          {
            currency: s.currency,
            timeZone: s.timeZone,
            period,
            prorationDate: instantInside(period, s.position),
            billed: [
              {
                configurationId: 'si_1',
                priceId: 'price_1',
                quantity: s.quantity,
                unitAmount,
                amount: { amount: s.unitAmount * s.quantity, currency: s.currency },
                slice: period,
              },
            ],
            change: { type: 'price_change', to: { priceId: 'price_1', unitAmount, quantity: s.quantity } },
          },
          { precision: s.precision, roundingMode: s.roundingMode },
        );
        expect(result.net.amount).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('charges exactly the plan price for a whole period', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const period = periodOf(s);
        const unitAmount = { amount: s.unitAmount, currency: s.currency };
        const result = prorate(
          {
            currency: s.currency,
            timeZone: s.timeZone,
            period,
            prorationDate: period.start,
            billed: [],
            change: { type: 'resume', to: { priceId: 'price_1', unitAmount, quantity: s.quantity } },
          },
          { precision: s.precision, roundingMode: s.roundingMode },
        );
        expect(result.net.amount).toBe(s.unitAmount * s.quantity);
      }),
      { numRuns: 150 },
    );
  });

  it('splitting a period at any instants sums to the full price within one minor unit per split', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (s, cuts) => {
          const period = periodOf(s);
          const price = { amount: s.unitAmount * s.quantity, currency: s.currency };
          const points = [period.start, ...cuts.map((c) => instantInside(period, c)).sort(), period.end];
          const options = { precision: s.precision, timeZone: s.timeZone, roundingMode: s.roundingMode };
          let total = 0;
          for (let i = 0; i + 1 < points.length; i += 1) {
            total += prorateAmount(
              price,
              { start: points[i] as string, end: points[i + 1] as string },
              period,
              options,
            ).amount.amount;
          }
          expect(Math.abs(total - price.amount)).toBeLessThanOrEqual(cuts.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never credits a configuration more than was paid for it, however many changes follow', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ day: fc.integer({ min: 0, max: 30 }), unit: fc.integer({ min: 0, max: 99_999 }) }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        (changes) => {
          const period = { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' };
          const usd = (amount: number) => ({ amount, currency: 'USD' });
          const billed = [
            {
              configurationId: 'c0',
              priceId: 'p0',
              quantity: 1,
              unitAmount: usd(3100),
              amount: usd(3100),
              slice: period,
            },
          ];
          const sorted = [...changes].sort((a, b) => a.day - b.day);
          sorted.forEach((change, index) => {
            const result = prorate({
              currency: 'USD',
              period,
              prorationDate: new Date(Date.UTC(2024, 0, 1 + change.day)),
              billed,
              change: {
                type: 'price_change',
                to: {
                  configurationId: `c${index + 1}`,
                  priceId: `p${index + 1}`,
                  unitAmount: usd(change.unit),
                  quantity: 1,
                },
              },
            });
            billed.push(...result.items);
          });
          const paidBy = new Map<string, number>();
          for (const line of billed) {
            paidBy.set(line.configurationId, (paidBy.get(line.configurationId) ?? 0) + line.amount.amount);
          }
          for (const paid of paidBy.values()) expect(paid).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
