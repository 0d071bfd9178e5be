import { describe, expect, it } from 'vitest';
import { isTaxError, resolveJurisdictions, sampleRateTable, type TaxLocation } from '../src/index.js';
import { AUSTIN, BERLIN, CHICAGO, LOS_ANGELES, MONTREAL, PORTLAND_OR } from './fixtures.js';

describe('resolveJurisdictions', () => {
  it.each<[string, TaxLocation, string[]]>([
    [
      'Chicago: country, state, county, city and transit district',
      CHICAGO,
      ['US', 'US-IL', 'US-IL-COOK', 'US-IL-CHICAGO', 'US-IL-RTA'],
    ],
    [
      'unincorporated Cook County: no city tax, but the county-wide RTA applies',
      { country: 'US', region: 'IL', county: 'Cook' },
      ['US', 'US-IL', 'US-IL-COOK', 'US-IL-RTA'],
    ],
    [
      'Illinois outside Cook County: state only',
      { country: 'US', region: 'IL', county: 'Sangamon', city: 'Springfield' },
      ['US', 'US-IL'],
    ],
    ['Los Angeles: state, county districts, city', LOS_ANGELES, ['US', 'US-CA', 'US-CA-LA', 'US-CA-LA-CITY']],
    [
      'Austin: state, city and Capital Metro (sorted city before district)',
      AUSTIN,
      ['US', 'US-TX', 'US-TX-AUSTIN', 'US-TX-CAPMETRO'],
    ],
    ['Oregon: the state is known even though it levies nothing', PORTLAND_OR, ['US', 'US-OR']],
    ['a VAT country without subdivisions ignores region and city', { ...BERLIN, region: 'BE' }, ['DE']],
    ['Quebec: federal and provincial', MONTREAL, ['CA', 'CA-QC']],
    [
      'codes and names are compared case-insensitively',
      { country: 'us', region: 'il', county: 'COOK', city: 'chicago' },
      ['US', 'US-IL', 'US-IL-COOK', 'US-IL-CHICAGO', 'US-IL-RTA'],
    ],
  ])('resolves %s', (_case, location, ids) => {
    expect(resolveJurisdictions(location, sampleRateTable).map((j) => j.id)).toEqual(ids);
  });

  it('reports each jurisdiction with its level and parent', () => {
    const chicago = resolveJurisdictions(CHICAGO, sampleRateTable).find((j) => j.id === 'US-IL-CHICAGO');
    expect(chicago).toEqual({ id: 'US-IL-CHICAGO', name: 'Chicago', level: 'city', parentId: 'US-IL-COOK' });
  });

  it('matches postal codes exactly or by a prefix ending in *', () => {
    const table = {
      taxCategories: [{ id: 'general' }],
      jurisdictions: [
        { id: 'XA', name: 'Testland', level: 'country' as const, country: 'XA' },
        {
          id: 'XA-Z',
          name: 'Zone',
          level: 'district' as const,
          parentId: 'XA',
          match: { postalCodes: ['123*', '99999'] },
        },
      ],
      rates: [],
    };
    const ids = (postalCode: string) =>
      resolveJurisdictions({ country: 'XA', postalCode }, table).map((j) => j.id);
    expect(ids('12345')).toEqual(['XA', 'XA-Z']);
    expect(ids('99999')).toEqual(['XA', 'XA-Z']);
    expect(ids('99998')).toEqual(['XA']);
  });

  it.each<[string, TaxLocation]>([
    ['a country missing from the table', { country: 'ZZ' }],
    [
      'a US state missing from the table (never silently untaxed)',
      { country: 'US', region: 'NY', city: 'New York' },
    ],
    ['a US location without any region', { country: 'US', city: 'Chicago' }],
    ['a Canadian province other than Quebec', { country: 'CA', region: 'ON' }],
  ])('throws TAX_UNKNOWN_JURISDICTION for %s', (_case, location) => {
    expect(() => resolveJurisdictions(location, sampleRateTable)).toThrow(
      expect.objectContaining({ code: 'TAX_UNKNOWN_JURISDICTION' }),
    );
  });

  it('rejects a malformed location with TAX_INVALID_REQUEST', () => {
    try {
      resolveJurisdictions({ country: 'USA' }, sampleRateTable);
      expect.unreachable();
    } catch (error) {
      expect(isTaxError(error, 'TAX_INVALID_REQUEST')).toBe(true);
    }
  });
});
