import { describe, expect, it } from 'vitest';
import {
  calculateTax,
  isTaxError,
  RateTableTaxProvider,
  sampleRateTable,
  type TaxCalculationOptions,
  type TaxRequest,
  taxCalculationOptionsSchema,
  taxRequestSchema,
} from '../src/index.js';
import { calculateParsedTax, calculateParsedTaxLines, parseTaxCustomer } from '../src/internal.js';
import {
  AUSTIN,
  BERLIN,
  CHICAGO,
  LONDON,
  LOS_ANGELES,
  line,
  MONTREAL,
  PARIS,
  PORTLAND_OR,
  request,
  SEATTLE,
  TOKYO,
} from './fixtures.js';

const LOCATIONS = {
  CHICAGO,
  LOS_ANGELES,
  AUSTIN,
  PORTLAND_OR,
  SEATTLE,
  BERLIN,
  LONDON,
  PARIS,
  MONTREAL,
  TOKYO,
};
const CURRENCY: Record<string, string> = {
  BERLIN: 'EUR',
  PARIS: 'EUR',
  LONDON: 'GBP',
  MONTREAL: 'CAD',
  TOKYO: 'JPY',
};

/** Every fixture location, with exclusive, inclusive and credit lines, on a date and on an instant. */
const REQUESTS: [string, TaxRequest][] = Object.entries(LOCATIONS).flatMap(([name, location]) => {
  const currency = CURRENCY[name] ?? 'USD';
  const lines = [
    line('l1', 10_000, currency),
    line('l2', 1_999, currency, { taxBehavior: 'inclusive' }),
    line('l3', -2_500, currency, { taxBehavior: 'exclusive' }),
  ];
  return [
    [`${name} on a date`, request(location, lines)],
    [`${name} on an instant`, request(location, lines, { taxDate: '2025-06-01T12:00:00+02:00' })],
    [`${name} with districts`, request({ ...location, districts: ['RTA'] }, lines)],
  ] as [string, TaxRequest][];
});

const OPTIONS: TaxCalculationOptions[] = [
  {},
  { rounding: 'line', roundingMode: 'half_up' },
  { rounding: 'invoice', roundingMode: 'half_even' },
  { roundingMode: 'down' },
];

const outcome = (run: () => unknown): unknown => {
  try {
    return run();
  } catch (error) {
    return { error: (error as { code?: string }).code, message: (error as Error).message };
  }
};

describe("calculateParsedTax (billing-core's door): the engine without its schemas", () => {
  it.each(REQUESTS)('gives what calculateTax gives for %s, with every option', (_name, taxRequest) => {
    for (const options of OPTIONS) {
      const parsed = taxRequestSchema.parse(taxRequest);
      const parsedOptions = taxCalculationOptionsSchema.parse(options) as TaxCalculationOptions;
      const expected = outcome(() => calculateTax(taxRequest, sampleRateTable, options));
      expect(outcome(() => calculateParsedTax(parsed, sampleRateTable, parsedOptions))).toEqual(expected);
      // A provider receives the request as it is and answers as calculateTax does through it.
      const provider = new RateTableTaxProvider(sampleRateTable);
      expect(outcome(() => calculateParsedTax(parsed, provider, parsedOptions))).toEqual(expected);
    }
  });
});

/** What billing-core reads of a calculation (calculateParsedTaxLines' answer for a rate table). */
const linesOf = (calculation: unknown): unknown => {
  const c = calculation as {
    provider: string;
    rounding: string;
    roundingMode: string;
    lines: Record<string, unknown>[];
  };
  return {
    provider: c.provider,
    rounding: c.rounding,
    roundingMode: c.roundingMode,
    lines: c.lines.map((l) => ({
      lineId: l.lineId,
      taxBehavior: l.taxBehavior,
      taxabilityReason: l.taxabilityReason,
      exemptionCertificateId: l.exemptionCertificateId,
      breakdown: l.breakdown,
    })),
  };
};

describe("calculateParsedTaxLines (billing-core's door): the lines without the totals", () => {
  it.each(REQUESTS)('gives the lines calculateTax gives for %s, with every option', (_name, taxRequest) => {
    for (const options of OPTIONS) {
      const parsed = taxRequestSchema.parse(taxRequest);
      const parsedOptions = taxCalculationOptionsSchema.parse(options) as TaxCalculationOptions;
      const expected = outcome(() => linesOf(calculateTax(taxRequest, sampleRateTable, options)));
      expect(outcome(() => calculateParsedTaxLines(parsed, sampleRateTable, parsedOptions))).toEqual(
        expected,
      );
      // A provider is asked as calculateParsedTax asks it, and its whole answer comes back.
      const provider = new RateTableTaxProvider(sampleRateTable);
      expect(outcome(() => calculateParsedTaxLines(parsed, provider, parsedOptions))).toEqual(
        outcome(() => calculateTax(taxRequest, sampleRateTable, options)),
      );
    }
  });

  it('fails where calculateTax fails when a line or a total leaves the safe range', () => {
    const big = Number.MAX_SAFE_INTEGER - 5;
    const cases: TaxRequest[] = [
      request(CHICAGO, [line('l1', big)]),
      request(CHICAGO, [line('l1', big, 'USD', { taxBehavior: 'inclusive' }), line('l2', big)]),
      request(CHICAGO, [line('l1', 2 ** 52), line('l2', 2 ** 52)]),
      request(CHICAGO, [
        line('l1', 2 ** 52, 'USD', { taxBehavior: 'inclusive' }),
        line('l2', 2 ** 52, 'USD', { taxBehavior: 'inclusive' }),
      ]),
      request(BERLIN, [line('l1', -(2 ** 52), 'EUR'), line('l2', -(2 ** 52), 'EUR')], { currency: 'EUR' }),
    ];
    for (const taxRequest of cases) {
      const expected = outcome(() => linesOf(calculateTax(taxRequest, sampleRateTable)));
      const parsed = taxRequestSchema.parse(taxRequest);
      expect(outcome(() => calculateParsedTaxLines(parsed, sampleRateTable))).toEqual(expected);
    }
  });
});

describe('parseTaxCustomer', () => {
  it('accepts a customer calculateTax accepts, unchanged', () => {
    const customer = { location: CHICAGO, exemption: { type: 'exempt' as const, certificateId: 'C-1' } };
    expect(parseTaxCustomer(customer)).toEqual(customer);
  });

  it('refuses what calculateTax refuses, with TAX_INVALID_REQUEST naming customer.location.city', () => {
    const customer = { location: { ...CHICAGO, city: 'x'.repeat(101) } };
    expect(
      outcome(() => calculateTax(request(customer.location, [line('l1', 100)]), sampleRateTable)),
    ).toMatchObject({ error: 'TAX_INVALID_REQUEST' });
    let refused: unknown;
    try {
      parseTaxCustomer(customer);
    } catch (error) {
      refused = error;
    }
    expect(isTaxError(refused, 'TAX_INVALID_REQUEST')).toBe(true);
    expect((refused as { details: { field: string } }).details.field).toBe('customer.location.city');
  });
});
