import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, money } from '../src/index.js';

const amounts = (parts: { amount: number }[]) => parts.map((p) => p.amount);

describe('allocate', () => {
  it.each([
    // total, weights, expected parts — remainders go to the largest fractional shares, ties to the earliest
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 2], [33, 67]], // 33.33 / 66.67: the one leftover unit goes to the .67 share
    [5, [1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]],
    [1000, [70, 30], [700, 300]],
    [101, [0, 1, 1], [0, 51, 50]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [0, [0, 0], [0, 0]],
    [1000, ['0.5', '0.25', '0.25'], [500, 250, 250]],
    [10, ['0.333', '0.333', '0.334'], [3, 3, 4]],
  ])('splits %i over %j into %j', (total, weights, expected) => {
    const parts = allocate(money(total, 'USD'), weights);
    expect(amounts(parts)).toEqual(expected);
  });

  it.each([
    [[], 'an empty list'],
    [[0, 0], 'all-zero weights for a non-zero total'],
    [[1, -1], 'a negative weight'],
  ])('rejects %j (%s)', (weights) => {
    expect(() => allocate(money(100, 'USD'), weights)).toThrowError(
      expect.objectContaining({ code: 'MONEY_INVALID_WEIGHTS' }),
    );
  });

  it('always sums exactly to the total, for any total and weights', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const parts = allocate(money(total, 'USD'), weights);
          expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(total);
          parts.forEach((part, i) => {
            expect(Number.isSafeInteger(part.amount)).toBe(true);
            if (weights[i] === 0) expect(part.amount).toBe(0);
            // every part is within one unit of its exact proportional share
            const exact = (total * (weights[i] as number)) / weights.reduce((a, b) => a + b, 0);
            expect(Math.abs(part.amount - exact)).toBeLessThan(1 + 1e-6 * Math.abs(exact));
          });
        },
      ),
    );
  });

  it('splits a negative total as the mirror of the positive one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 10 }),
        (total, weights) => {
          const positive = amounts(allocate(money(total, 'EUR'), weights));
          const negative = amounts(allocate(money(-total, 'EUR'), weights));
          expect(negative).toEqual(positive.map((a) => (a === 0 ? 0 : -a)));
        },
      ),
    );
  });
});
