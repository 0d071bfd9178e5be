import { money } from '@billkit/money';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParsedTaxOptions, isParsedTaxRequest } from '../src/fast-parse.js';
import {
  calculateTax,
  type RateTable,
  sampleRateTable,
  type TaxCalculationOptions,
  type TaxRequest,
  taxCalculationOptionsSchema,
  taxRequestSchema,
} from '../src/index.js';
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

describe('the fast tax request check in front of zod', () => {
  it.each(REQUESTS)('accepts %s, which zod parses to an equal value', (_name, taxRequest) => {
    expect(isParsedTaxRequest(taxRequest)).toBe(true);
    expect(taxRequestSchema.parse(taxRequest)).toEqual(taxRequest);
  });

  it.each(OPTIONS)('accepts options %j, which zod parses to an equal value', (options) => {
    expect(isParsedTaxOptions(options)).toBe(true);
    expect(taxCalculationOptionsSchema.parse(options)).toEqual(options);
  });

  it.each(REQUESTS)(
    'calculates %s the same with and without zod, in every option set',
    (_name, taxRequest) => {
      for (const options of OPTIONS) {
        expect(outcome(() => calculateTax(taxRequest, sampleRateTable as RateTable, options))).toEqual(
          outcome(() => calculateTax(viaZod(taxRequest), sampleRateTable as RateTable, viaZod(options))),
        );
      }
    },
  );

  const base = request(CHICAGO, [line('l1', 10_000)]);
  const l1 = base.lines[0]!;
  it.each([
    ['an unknown key', { ...base, extra: 1 }],
    ['an unknown line key', { ...base, lines: [{ ...l1, note: 'x' }] }],
    ['a key set to undefined', { ...base, lines: [{ ...l1, taxBehavior: undefined }] }],
    ['a Date tax date (left to zod)', { ...base, taxDate: new Date('2025-06-01T00:00:00Z') }],
    ['an impossible date', { ...base, taxDate: '2025-02-30' }],
    ['an instant without an offset', { ...base, taxDate: '2025-06-01T00:00:00' }],
    ['an unknown currency', { ...base, currency: 'XYZ' }],
    ['a fractional amount', { ...base, lines: [{ ...l1, amount: { amount: 0.5, currency: 'USD' } }] }],
    ['an empty tax category', { ...base, lines: [{ ...l1, taxCategory: '' }] }],
    ['a three-letter country', { ...base, customer: { location: { country: 'USA' } } }],
    [
      'an exemption (left to zod)',
      { ...base, customer: { location: CHICAGO, exemption: { type: 'exempt', certificateId: 'c1' } } },
    ],
    ['a sparse line array', { ...base, lines: withHole(l1) }],
    ['an unknown tax behavior', { ...base, lines: [{ ...l1, taxBehavior: 'mixed' }] }],
  ])('declines %s', (_name, taxRequest) => {
    expect(isParsedTaxRequest(taxRequest)).toBe(false);
  });

  it('still reports invalid requests with the zod error', () => {
    expect(
      outcome(() => calculateTax({ ...base, lines: [{ ...l1, taxCategory: '' }] }, sampleRateTable)),
    ).toEqual(
      outcome(() => calculateTax(viaZod({ ...base, lines: [{ ...l1, taxCategory: '' }] }), sampleRateTable)),
    );
  });

  it('never accepts a request that zod rejects or would change', () => {
    const amount = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER + 2));
    const text = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 210 }),
      fc.constantFrom('USD', 'usd', 'general'),
    );
    const date = fc.oneof(
      fc.constantFrom('2025-06-01', '2025-02-30', '2025-06-01T00:00:00Z', 'nope'),
      fc.string(),
    );
    fc.assert(
      fc.property(amount, text, text, text, date, (a, currency, id, country, taxDate) => {
        const taxRequest = {
          currency,
          taxDate,
          customer: { location: { country } },
          lines: [{ id, amount: { amount: a, currency }, taxCategory: id }],
        };
        if (isParsedTaxRequest(taxRequest)) {
          const parsed = taxRequestSchema.safeParse(taxRequest);
          expect(parsed.success).toBe(true);
          expect(parsed.data).toEqual(taxRequest);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('makes the money it is given with money()', () => {
    expect(
      isParsedTaxRequest(request(CHICAGO, [{ id: 'x', amount: money(1, 'USD'), taxCategory: 'general' }])),
    ).toBe(true);
  });
});
