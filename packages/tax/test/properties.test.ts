import { money, type RoundingMode } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  calculateTax,
  type RateTable,
  type TaxCalculation,
  type TaxLine,
  type TaxRounding,
} from '../src/index.js';

const rateString = (millionths: number): string => `0.${String(millionths).padStart(6, '0')}`;

/** A three-level table with arbitrary rates; the city tax may be compound. */
function arbitraryTable(
  rates: { country: number; state: number; city: number; reduced: number },
  compound: boolean,
): RateTable {
  return {
    taxCategories: [{ id: 'general' }, { id: 'reduced_goods' }, { id: 'exempt', treatment: 'exempt' }],
    jurisdictions: [
      { id: 'XA', name: 'Testland', level: 'country', country: 'XA' },
      { id: 'XA-S', name: 'State', level: 'state', parentId: 'XA', match: { region: 'S' } },
      { id: 'XA-S-C', name: 'City', level: 'city', parentId: 'XA-S', match: { city: 'C' } },
    ],
    rates: [
      {
        jurisdictionId: 'XA',
        taxType: 'vat',
        rate: rateString(rates.country),
        validFrom: '2000-01-01',
        categories: { reduced_goods: { treatment: 'reduced', rate: rateString(rates.reduced) } },
      },
      { jurisdictionId: 'XA-S', taxType: 'sales', rate: rateString(rates.state), validFrom: '2000-01-01' },
      {
        jurisdictionId: 'XA-S-C',
        taxType: 'other',
        rate: rateString(rates.city),
        validFrom: '2000-01-01',
        compound,
      },
    ],
  };
}

const rateArb = fc.integer({ min: 0, max: 300_000 }); // 0 % … 30 %
const scenarioArb = fc.record({
  rates: fc.record({ country: rateArb, state: rateArb, city: rateArb, reduced: rateArb }),
  compound: fc.boolean(),
  currency: fc.constantFrom('USD', 'JPY', 'KWD'),
  rounding: fc.constantFrom<TaxRounding>('line', 'invoice'),
  roundingMode: fc.constantFrom<RoundingMode>('half_up', 'half_even', 'down', 'up'),
  exemptInState: fc.boolean(),
  lines: fc.array(
    fc.record({
      amount: fc.integer({ min: 0, max: 10_000_000_000 }),
      taxCategory: fc.constantFrom('general', 'reduced_goods', 'exempt'),
      taxBehavior: fc.constantFrom<'exclusive' | 'inclusive'>('exclusive', 'inclusive'),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function run(scenario: Scenario, sign = 1): TaxCalculation {
  const lines: TaxLine[] = scenario.lines.map((l, i) => ({
    id: `line_${i}`,
    amount: money(sign * l.amount, scenario.currency),
    taxCategory: l.taxCategory,
    taxBehavior: l.taxBehavior,
  }));
  const location = { country: 'XA', region: 'S', city: 'C' };
  return calculateTax(
    {
      currency: scenario.currency,
      taxDate: '2025-01-01',
      customer: scenario.exemptInState
        ? { location, exemption: { type: 'exempt', certificateId: 'C-1', jurisdictionIds: ['XA-S'] } }
        : { location },
      lines,
    },
    arbitraryTable(scenario.rates, scenario.compound),
    { rounding: scenario.rounding, roundingMode: scenario.roundingMode },
  );
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const params = { numRuns: 200 };

describe('invariants of calculateTax', () => {
  it('never produces negative tax for non-negative lines', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const calculation = run(scenario);
        for (const line of calculation.lines) {
          expect(line.taxAmount.amount).toBeGreaterThanOrEqual(0);
          for (const entry of line.breakdown) expect(entry.amount.amount).toBeGreaterThanOrEqual(0);
        }
      }),
      params,
    );
  });

  it('makes breakdown entries sum to the line tax', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        for (const line of run(scenario).lines) {
          expect(sum(line.breakdown.map((e) => e.amount.amount))).toBe(line.taxAmount.amount);
        }
      }),
      params,
    );
  });

  it('makes line taxes and jurisdiction totals each sum to the invoice tax', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const calculation = run(scenario);
        expect(sum(calculation.lines.map((l) => l.taxAmount.amount))).toBe(calculation.taxTotal.amount);
        expect(sum(calculation.jurisdictionTotals.map((t) => t.amount.amount))).toBe(
          calculation.taxTotal.amount,
        );
        expect(calculation.netTotal.amount + calculation.taxTotal.amount).toBe(calculation.grossTotal.amount);
      }),
      params,
    );
  });

  it('keeps net + tax = gross on every line, with the gross equal to the price of inclusive lines', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        run(scenario).lines.forEach((line, i) => {
          expect(line.netAmount.amount + line.taxAmount.amount).toBe(line.grossAmount.amount);
          const input = scenario.lines[i];
          if (input?.taxBehavior === 'inclusive') expect(line.grossAmount.amount).toBe(input.amount);
          else expect(line.netAmount.amount).toBe(input?.amount);
        });
      }),
      params,
    );
  });

  it('rounds once: each rounded total lies within one minor unit of its unrounded value', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const calculation = run(scenario);
        const totals =
          scenario.rounding === 'line'
            ? calculation.lines.map((l) => [l.taxAmount.amount, Number(l.unroundedTaxAmount)] as const)
            : calculation.jurisdictionTotals.map(
                (t) => [t.amount.amount, Number(t.unroundedAmount)] as const,
              );
        for (const [rounded, exact] of totals) expect(Math.abs(rounded - exact)).toBeLessThan(1 + 1e-6);
      }),
      params,
    );
  });

  it('charges nothing in an exempted or zero-rate jurisdiction, whatever the rounding', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        for (const line of run(scenario).lines) {
          for (const entry of line.breakdown) {
            if (entry.rate === '0') expect(entry.amount.amount).toBe(0);
          }
        }
      }),
      params,
    );
  });

  it('gives a credit exactly the negated tax of the matching debit, entry by entry', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const debit = run(scenario);
        const credit = run(scenario, -1);
        credit.lines.forEach((line, i) => {
          const mirror = debit.lines[i];
          expect(line.taxAmount.amount).toBe(-(mirror?.taxAmount.amount ?? Number.NaN) || 0);
          expect(line.breakdown.map((e) => e.amount.amount)).toEqual(
            mirror?.breakdown.map((e) => -e.amount.amount || 0),
          );
        });
      }),
      params,
    );
  });
});
