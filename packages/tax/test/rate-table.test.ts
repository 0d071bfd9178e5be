import { describe, expect, it } from 'vitest';
import {
  isTaxError,
  loadRateTable,
  type RateTable,
  rateTableSchema,
  sampleRateTable,
  TaxError,
} from '../src/index.js';

const base = (): RateTable => ({
  taxCategories: [{ id: 'general' }],
  jurisdictions: [
    { id: 'XA', name: 'Testland', level: 'country', country: 'XA' },
    { id: 'XA-S', name: 'State', level: 'state', parentId: 'XA', match: { region: 'S' } },
  ],
  rates: [{ jurisdictionId: 'XA', taxType: 'vat', rate: '0.2', validFrom: '2020-01-01' }],
});

function loadError(table: unknown): TaxError {
  try {
    loadRateTable(table);
  } catch (error) {
    if (error instanceof TaxError) return error;
    throw error;
  }
  throw new Error('expected loadRateTable to throw');
}

describe('loadRateTable', () => {
  it('loads the sample table from JSON text and returns frozen data', () => {
    const table = loadRateTable(JSON.parse(JSON.stringify(sampleRateTable)));
    expect(table.jurisdictions.map((j) => j.id)).toContain('US-IL-CHICAGO');
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(table.rates[0])).toBe(true);
  });

  it('accepts consecutive periods where one ends exactly when the next starts', () => {
    const table = base();
    table.rates = [
      { jurisdictionId: 'XA', taxType: 'vat', rate: '0.2', validFrom: '2020-01-01', validTo: '2021-01-01' },
      { jurisdictionId: 'XA', taxType: 'vat', rate: '0.21', validFrom: '2021-01-01' },
    ];
    expect(() => loadRateTable(table)).not.toThrow();
  });

  it('keeps periods of different tax types of one jurisdiction independent', () => {
    const table = base();
    table.rates.push({ jurisdictionId: 'XA', taxType: 'other', rate: '0.01', validFrom: '2020-06-01' });
    expect(() => loadRateTable(table)).not.toThrow();
  });

  it.each<[string, (table: RateTable) => void, RegExp]>([
    [
      'overlapping periods',
      (t) => {
        t.rates = [
          {
            jurisdictionId: 'XA',
            taxType: 'vat',
            rate: '0.2',
            validFrom: '2020-01-01',
            validTo: '2021-02-01',
          },
          { jurisdictionId: 'XA', taxType: 'vat', rate: '0.21', validFrom: '2021-01-01' },
        ];
      },
      /overlap/,
    ],
    [
      'two open-ended periods',
      (t) => {
        t.rates.push({ jurisdictionId: 'XA', taxType: 'vat', rate: '0.21', validFrom: '2021-01-01' });
      },
      /overlap/,
    ],
    [
      'a gap between periods',
      (t) => {
        t.rates = [
          {
            jurisdictionId: 'XA',
            taxType: 'vat',
            rate: '0.2',
            validFrom: '2020-01-01',
            validTo: '2020-12-31',
          },
          { jurisdictionId: 'XA', taxType: 'vat', rate: '0.21', validFrom: '2021-01-01' },
        ];
      },
      /gap/,
    ],
    [
      'a period that ends before it starts',
      (t) => {
        t.rates = [
          {
            jurisdictionId: 'XA',
            taxType: 'vat',
            rate: '0.2',
            validFrom: '2020-01-01',
            validTo: '2020-01-01',
          },
        ];
      },
      /before it starts/,
    ],
    [
      'a rate for an unknown jurisdiction',
      (t) => {
        t.rates.push({ jurisdictionId: 'NOPE', taxType: 'vat', rate: '0.1', validFrom: '2020-01-01' });
      },
      /unknown jurisdiction "NOPE"/,
    ],
    [
      'a category override for an undeclared category',
      (t) => {
        t.rates = [
          {
            jurisdictionId: 'XA',
            taxType: 'vat',
            rate: '0.2',
            validFrom: '2020-01-01',
            categories: { books: { treatment: 'zero' } },
          },
        ];
      },
      /unknown tax category "books"/,
    ],
    [
      'an unknown parent',
      (t) => {
        t.jurisdictions.push({ id: 'XA-C', name: 'County', level: 'county', parentId: 'XA-Q' });
      },
      /unknown parent/,
    ],
    [
      'a parent below its child in the hierarchy',
      (t) => {
        t.jurisdictions.push({ id: 'XA-D', name: 'District', level: 'district', parentId: 'XA-S' });
        t.jurisdictions.push({ id: 'XA-S2', name: 'State 2', level: 'state', parentId: 'XA-D' });
      },
      /cannot sit under/,
    ],
    [
      'duplicate jurisdiction ids',
      (t) => {
        t.jurisdictions.push({ id: 'XA-S', name: 'Again', level: 'state', parentId: 'XA' });
      },
      /duplicate jurisdiction/,
    ],
    [
      'a state without a parent',
      (t) => {
        t.jurisdictions.push({ id: 'XA-T', name: 'Orphan', level: 'state' });
      },
      /needs a parentId/,
    ],
    [
      'a rate written as a float',
      (t) => {
        (t.rates[0] as { rate: unknown }).rate = 0.2;
      },
      /rate/,
    ],
    [
      'a rate above 100 %',
      (t) => {
        (t.rates[0] as { rate: string }).rate = '1.5';
      },
      /rate/,
    ],
    [
      'an impossible calendar date',
      (t) => {
        (t.rates[0] as { validFrom: string }).validFrom = '2021-02-30';
      },
      /validFrom/,
    ],
  ])('rejects %s with TAX_INVALID_TABLE', (_case, mutate, message) => {
    const table = base();
    mutate(table);
    const error = loadError(table);
    expect(error.code).toBe('TAX_INVALID_TABLE');
    expect(error.message).toMatch(message);
  });

  it('exposes the zod schema so hosts can validate tables in their own pipelines', () => {
    expect(rateTableSchema.safeParse(base()).success).toBe(true);
    expect(rateTableSchema.safeParse({ jurisdictions: [] }).success).toBe(false);
  });

  it('names the overlapping periods in the error details', () => {
    const table = base();
    table.rates.push({ jurisdictionId: 'XA', taxType: 'vat', rate: '0.21', validFrom: '2021-01-01' });
    const error = loadError(table);
    expect(isTaxError(error, 'TAX_INVALID_TABLE')).toBe(true);
    expect(error.details).toMatchObject({ jurisdictionId: 'XA', taxType: 'vat' });
  });
});
