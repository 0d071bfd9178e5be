import { money } from '@billkit/money';
import { type ProrationItem, prorate } from '@billkit/proration';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toFixedHalfUp } from '../src/decimal-text.js';
import { fourPlaces } from '../src/proration-step.js';

const usd = (amount: number) => money(amount, 'USD');
const PERIOD = { start: '2026-01-01T06:00:00.000Z', end: '2026-02-01T06:00:00.000Z' };

/** The credit and charge of an upgrade from `from` to `to` (list amounts, cents) at `at`. */
function items(from: number, to: number, quantity: number, at: string): readonly ProrationItem[] {
  return prorate({
    currency: 'USD',
    timeZone: 'America/Chicago',
    period: PERIOD,
    prorationDate: at,
    billed: [
      {
        configurationId: 'si_1@start',
        priceId: 'basic',
        quantity,
        unitAmount: usd(from),
        amount: usd(from * quantity),
        slice: PERIOD,
      },
    ],
    change: { type: 'upgrade', to: { priceId: 'plus', unitAmount: usd(to), quantity } },
  }).items;
}

describe('the proration note prints the unrounded amount to 4 places, half up', () => {
  it('for a mid-month upgrade: 16 of 31 days credited and charged', () => {
    const [credit, charge] = items(2300, 3900, 2, '2026-01-16T06:00:00.000Z');
    expect(credit?.unroundedAmount).toBe('-2374.1935483870967741935483870967741935483871');
    expect(fourPlaces(credit as ProrationItem)).toBe('-2374.1935');
    expect(charge?.unroundedAmount).toBe('4025.8064516129032258064516129032258064516129');
    expect(fourPlaces(charge as ProrationItem)).toBe('4025.8065');
  });

  it('keeps the sign of a credit that rounds to zero, as big.js does', () => {
    const [credit] = items(1, 1, 1, '2026-02-01T05:59:59.000Z');
    expect(credit?.unroundedAmount).toMatch(/^-0\.0000/);
    expect(fourPlaces(credit as ProrationItem)).toBe('-0.0000');
  });

  it('agrees with rounding the 40-place text on random amounts and instants', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 2_678_399 }),
        (from, to, quantity, second) => {
          const at = new Date(Date.parse(PERIOD.start) + second * 1000).toISOString();
          for (const item of items(from, to, quantity, at)) {
            expect(fourPlaces(item)).toBe(toFixedHalfUp(item.unroundedAmount, 4));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
