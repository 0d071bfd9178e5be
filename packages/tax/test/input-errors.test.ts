import { describe, expect, it } from 'vitest';
import {
  calculateTax,
  loadRateTable,
  type RateTable,
  RateTableTaxProvider,
  resolveJurisdictions,
  sampleRateTable,
  TaxError,
} from '../src/index.js';
import { CHICAGO, line, request } from './fixtures.js';

// Every public entry refuses a wrong-typed field with a TaxError whose `details.field` is the caller's
// path to it; a location the table does not cover names the location and the tax date.

// Wrong-typed values, cast past the compiler as a JavaScript caller or a JSON body would send them.
const bad = <T>(value: unknown) => value as T;
const illinoisOnly: RateTable = {
  name: 'Illinois only',
  taxCategories: [{ id: 'general' }],
  jurisdictions: [
    { id: 'US', name: 'United States', level: 'country', country: 'US' },
    { id: 'US-IL', name: 'Illinois', level: 'state', parentId: 'US', match: { region: 'IL' } },
  ],
  rates: [{ jurisdictionId: 'US-IL', taxType: 'sales', rate: '0.0625', validFrom: '2026-01-01' }],
};

describe('tax public entries name the wrong field', () => {
  it.each([
    [
      'calculateTax: a line amount as a number',
      () =>
        calculateTax(
          { ...request(CHICAGO, []), lines: [{ ...line('l1', 100), amount: bad(100) }] },
          sampleRateTable,
        ),
      'TAX_INVALID_REQUEST',
      'lines[0].amount',
    ],
    [
      'calculateTax: taxDate in US notation',
      () => calculateTax(request(CHICAGO, [line('l1', 100)], { taxDate: '04/01/2026' }), sampleRateTable),
      'TAX_INVALID_REQUEST',
      'taxDate',
    ],
    [
      'calculateTax: rounding as a boolean',
      () => calculateTax(request(CHICAGO, [line('l1', 100)]), sampleRateTable, { rounding: bad(true) }),
      'TAX_INVALID_REQUEST',
      'options.rounding',
    ],
    [
      'calculateTax through a provider: region as a number',
      () =>
        calculateTax(
          request({ ...CHICAGO, region: bad(17) }, [line('l1', 100)]),
          new RateTableTaxProvider(sampleRateTable),
        ),
      'TAX_INVALID_REQUEST',
      'customer.location.region',
    ],
    [
      'loadRateTable: a rate as a number',
      () => loadRateTable({ ...illinoisOnly, rates: [{ ...illinoisOnly.rates[0], rate: 0.0625 }] }),
      'TAX_INVALID_TABLE',
      'rates[0].rate',
    ],
    [
      'resolveJurisdictions: country as a number',
      () => resolveJurisdictions(bad({ country: 1 }), sampleRateTable),
      'TAX_INVALID_REQUEST',
      'location.country',
    ],
  ])('%s', (_label, call, code, field) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TaxError);
    expect(thrown).toMatchObject({ code, details: { field } });
    expect((thrown as Error).message).toContain(field);
  });

  it('names the uncovered state and the tax date when the table lists other states only', () => {
    const texas = request({ country: 'US', region: 'TX' }, [line('l1', 100)], {
      taxDate: '2026-04-01',
    });
    expect(() => calculateTax(texas, illinoisOnly)).toThrow(
      expect.objectContaining({
        code: 'TAX_UNKNOWN_JURISDICTION',
        message: expect.stringMatching(/region TX.*tax date 2026-04-01/),
        details: { country: 'US', region: 'TX', taxDate: '2026-04-01' },
      }),
    );
  });

  it('names the jurisdiction, the customer location and the date when no rate is in force', () => {
    const early = request({ country: 'US', region: 'IL' }, [line('l1', 100)], { taxDate: '2025-12-31' });
    expect(() => calculateTax(early, illinoisOnly)).toThrow(
      expect.objectContaining({
        code: 'TAX_NO_RATE_IN_FORCE',
        details: expect.objectContaining({
          jurisdictionId: 'US-IL',
          jurisdictionName: 'Illinois',
          country: 'US',
          region: 'IL',
          taxDate: '2025-12-31T00:00:00.000Z',
        }),
      }),
    );
  });
});
