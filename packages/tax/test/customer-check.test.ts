import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParsedTaxCustomer } from '../src/calculate-tax.js';
import { taxCustomerSchema } from '../src/index.js';
import { parseTaxCustomer } from '../src/internal.js';
import { CHICAGO } from './fixtures.js';

/*
 * parseTaxCustomer takes a customer as it is when isParsedTaxCustomer says zod would accept it and
 * return it unchanged. The property: for every generated input, `isParsedTaxCustomer(x)` implies that
 * `taxCustomerSchema` accepts x and its output equals x; and parseTaxCustomer answers what zod answers
 * (the same value, or a TAX_INVALID_REQUEST naming the same field).
 */

const text = (max: number) =>
  fc.oneof(
    fc.constant(''),
    fc.string({ minLength: 1, maxLength: 4 }),
    fc.string({ minLength: max - 2, maxLength: max + 2 }),
    fc.constantFrom('US', 'us', 'IL', 'Cook', 'Chicago', 'Montréal', 'U1', 'USA', 'U', ' U', 'US\n'),
  );
const wrong = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
);
const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
const field = <T>(value: fc.Arbitrary<T>) => fc.oneof(value, value, value, wrong);

const location = fc.record(
  {
    country: field(text(2)),
    region: field(text(100)),
    postalCode: field(text(20)),
    county: field(text(100)),
    city: field(text(100)),
    districts: field(fc.array(field(text(100)), { maxLength: 3 })),
    extra: fc.string(),
  },
  { requiredKeys: [] },
);

const exemption = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('exempt', 'reverse_charge', 'other'),
      certificateId: field(text(200)),
      jurisdictionIds: field(fc.array(field(text(30)), { maxLength: 3 })),
      extra: fc.string(),
    },
    { requiredKeys: [] },
  ),
  wrong,
);

const customer = fc.oneof(
  fc.record(
    {
      location: fc.oneof(location, wrong),
      exemption: fc.oneof(exemption, maybe(exemption)),
      note: fc.string(),
    },
    { requiredKeys: [] },
  ),
  wrong,
);

const outcome = (run: () => unknown): unknown => {
  try {
    return { value: run() };
  } catch (error) {
    const e = error as { code?: string; message: string; details?: unknown };
    return { code: e.code, message: e.message, details: e.details };
  }
};

describe('isParsedTaxCustomer: a check in front of taxCustomerSchema', () => {
  it('answers true only for customers zod accepts and returns unchanged', () => {
    fc.assert(
      fc.property(customer, (value) => {
        const parsed = taxCustomerSchema.safeParse(value);
        if (isParsedTaxCustomer(value)) {
          expect(parsed.success).toBe(true);
          expect(parsed.data).toStrictEqual(value);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('parseTaxCustomer answers what zod answers (value or coded error) on every input', () => {
    const viaZod = (value: unknown) => {
      const parsed = taxCustomerSchema.safeParse(value);
      if (parsed.success) return parsed.data;
      // parseTaxCustomer's own error path (zod) for a refused customer.
      return parseTaxCustomer(value);
    };
    fc.assert(
      fc.property(customer, (value) => {
        expect(outcome(() => parseTaxCustomer(value))).toStrictEqual(outcome(() => viaZod(value)));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the customers billing-core builds as they are, and refuses out-of-bounds fields', () => {
    const chicago = { location: { ...CHICAGO, districts: ['RTA'] } };
    expect(isParsedTaxCustomer(chicago)).toBe(true);
    expect(parseTaxCustomer(chicago)).toBe(chicago);
    const exempt = {
      location: CHICAGO,
      exemption: { type: 'exempt', certificateId: 'C-1', jurisdictionIds: ['US-IL'] },
    };
    expect(isParsedTaxCustomer(exempt)).toBe(true);
    expect(
      isParsedTaxCustomer({
        location: CHICAGO,
        exemption: { type: 'reverse_charge', certificateId: 'VAT1' },
      }),
    ).toBe(true);
    for (const refused of [
      { location: { ...CHICAGO, city: 'x'.repeat(101) } },
      { location: { ...CHICAGO, postalCode: '1'.repeat(21) } },
      { location: { ...CHICAGO, country: 'USA' } },
      { location: { ...CHICAGO, districts: [''] } },
      { location: CHICAGO, exemption: { type: 'exempt', certificateId: 'C-1', jurisdictionIds: [] } },
      {
        location: CHICAGO,
        exemption: { type: 'reverse_charge', certificateId: 'V', jurisdictionIds: ['X'] },
      },
      { location: CHICAGO, exemption: undefined },
      { location: { ...CHICAGO, unknown: 'x' } },
    ]) {
      expect(isParsedTaxCustomer(refused)).toBe(false);
    }
  });
});
