import { money, type RoundingMode, roundToMinorUnits, toDecimal } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calculateTax } from '../src/index.js';
import { roundPartsToTotal } from '../src/rounding.js';
import { line, request, singleRateTable, TESTLAND } from './fixtures.js';

describe('roundPartsToTotal', () => {
  it.each<[string[], number, RoundingMode, number[]]>([
    // 62.5 + 17.5 + 12.5 + 10 = 102.5 → 103; half-up alone gives 104, the first tie gives back a unit
    [['62.5', '17.5', '12.5', '10'], 103, 'half_up', [62, 18, 13, 10]],
    // three thirds of a cent: each rounds to 0, the unit goes to the first (all tie)
    [['0.3333', '0.3333', '0.3334'], 1, 'half_up', [0, 0, 1]],
    // with 'up' all round to 2 (6 > 5): the part that overshot most (1.1) gives the unit back
    [['1.1', '1.9', '1.5'], 5, 'up', [1, 2, 2]],
    // an exempt (zero) part never receives a rounding unit
    [['0.6', '0', '0.6'], 1, 'down', [1, 0, 0]],
    // mixed signs, as in a jurisdiction total with a credit line: ties round away from zero both ways
    [['10.5', '-3.5'], 7, 'half_up', [11, -4]],
    [['10.4', '-3.4'], 7, 'half_up', [10, -3]],
  ])('spreads %j to total %i with %s as %j', (parts, total, mode, expected) => {
    expect(
      roundPartsToTotal(
        parts.map((p) => toDecimal(p)),
        total,
        mode,
      ),
    ).toEqual(expected);
  });

  it('never hands a unit to a part that is exactly zero, and keeps every sign', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom<RoundingMode>('half_up', 'half_even', 'down', 'up'),
        (thousandths, mode) => {
          const parts = thousandths.map((t) => toDecimal(t).div(1000));
          const total = roundToMinorUnits(
            parts.reduce((a, b) => a.plus(b), toDecimal(0)),
            mode,
          );
          const result = roundPartsToTotal(parts, total, mode);
          expect(result.reduce((a, b) => a + b, 0)).toBe(total);
          result.forEach((value, i) => {
            const part = parts[i]!;
            if (part.eq(0)) expect(value).toBe(0);
            if (part.gt(0)) expect(value).toBeGreaterThanOrEqual(0);
            if (part.lt(0)) expect(value).toBeLessThanOrEqual(0);
            expect(Math.abs(part.minus(value).toNumber())).toBeLessThan(2);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('allocates an invoice of 2 000 lines per jurisdiction quickly and exactly', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => line(`l${i}`, 1 + (i % 97)));
    const started = performance.now();
    const calculation = calculateTax(request(TESTLAND, lines), singleRateTable('0.0625'), {
      rounding: 'invoice',
    });
    expect(performance.now() - started).toBeLessThan(3000);
    const exact = lines.reduce((a, l) => a + l.amount.amount, 0) * 0.0625; // small integers: exact in binary
    expect(calculation.taxTotal).toEqual(money(Math.round(exact), 'USD'));
  });
});
