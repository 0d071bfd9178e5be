import { money, type RoundingMode } from '@billkit/money';
import { describe, expect, it } from 'vitest';
import {
  type CustomerExemption,
  calculateTax,
  sampleRateTable,
  type TaxabilityReason,
  type TaxCalculation,
  TaxError,
  type TaxLocation,
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
  singleRateTable,
  TESTLAND,
  TOKYO,
} from './fixtures.js';

/** jurisdiction id → tax amount of the first line. */
const byJurisdiction = (calculation: TaxCalculation): Record<string, number> =>
  Object.fromEntries(
    (calculation.lines[0]?.breakdown ?? []).map((e) => [e.jurisdiction.id, e.amount.amount]),
  );

function thrown(fn: () => unknown): TaxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TaxError) return error;
    throw error;
  }
  throw new Error('expected a TaxError');
}

describe('multi-level stacking', () => {
  // $100.00 (10 000 minor units) at each location on 2025-06-01; each entry is 10 000 × its rate.
  it.each<[string, TaxLocation, string, Record<string, number>]>([
    [
      'Chicago: 6.25 % + 1.75 % + 1.25 % + 1 % = 10.25 %',
      CHICAGO,
      'USD',
      {
        'US-IL': 625,
        'US-IL-COOK': 175,
        'US-IL-CHICAGO': 125,
        'US-IL-RTA': 100,
      },
    ],
    [
      'Los Angeles after 2025-04-01: 7.25 % + 2.5 % = 9.75 %',
      LOS_ANGELES,
      'USD',
      { 'US-CA': 725, 'US-CA-LA': 250 },
    ],
    [
      'Austin: 6.25 % + 1 % + 1 % = 8.25 %',
      AUSTIN,
      'USD',
      { 'US-TX': 625, 'US-TX-AUSTIN': 100, 'US-TX-CAPMETRO': 100 },
    ],
    ['Berlin: 19 % VAT', BERLIN, 'EUR', { DE: 1900 }],
    ['London: 20 % VAT', LONDON, 'GBP', { GB: 2000 }],
    ['Paris: 20 % VAT', PARIS, 'EUR', { FR: 2000 }],
    ['Tokyo: 10 % consumption tax on ¥10 000', TOKYO, 'JPY', { JP: 1000 }],
    // 5 % GST; 9.975 % QST = 997.5, and the line total 1497.5 rounds half-up to 1498.
    ['Montréal: 5 % GST + 9.975 % QST', MONTREAL, 'CAD', { CA: 500, 'CA-QC': 998 }],
  ])('shows every jurisdiction separately in %s', (_case, location, currency, expected) => {
    const calculation = calculateTax(request(location, [line('l1', 10_000, currency)]), sampleRateTable);
    expect(byJurisdiction(calculation)).toEqual(expected);
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(calculation.lines[0]?.taxAmount).toEqual(money(total, currency));
    expect(calculation.taxTotal).toEqual(money(total, currency));
  });

  it('states rate, base, tax type and level on each entry', () => {
    const [state] =
      calculateTax(request(CHICAGO, [line('l1', 10_000)]), sampleRateTable).lines[0]?.breakdown ?? [];
    expect(state).toEqual({
      jurisdiction: { id: 'US-IL', name: 'Illinois', level: 'state', parentId: 'US' },
      taxType: 'sales',
      rate: '0.0625',
      taxabilityReason: 'standard_rated',
      compound: false,
      base: money(10_000, 'USD'),
      amount: money(625, 'USD'),
      unroundedAmount: '625',
    });
  });
});

describe('effective dates', () => {
  it.each<[string, string | Date, string, number]>([
    ['the last day of 19 %', '2020-06-30', 'general', 1900],
    ['the first day of the temporary 16 %', '2020-07-01', 'general', 1600],
    ['the last second of 16 %', '2020-12-31T23:59:59Z', 'general', 1600],
    ['the day 19 % returns (validTo is exclusive)', '2021-01-01', 'general', 1900],
    ['an instant with an offset that is still 30 June in UTC', '2020-07-01T01:00:00+02:00', 'general', 1900],
    ['a Date object on the change day', new Date('2020-07-01T00:00:00Z'), 'general', 1600],
    ['reduced books the day before the cut (7 %)', '2020-06-30', 'books', 700],
    ['reduced books on the day of the cut (5 %)', '2020-07-01', 'books', 500],
  ])('applies the German rate in force on %s', (_case, taxDate, taxCategory, tax) => {
    const calculation = calculateTax(
      request(BERLIN, [line('l1', 10_000, 'EUR', { taxCategory })], { taxDate }),
      sampleRateTable,
    );
    expect(calculation.taxTotal.amount).toBe(tax);
  });

  it.each([
    ['2025-03-31', { 'US-CA': 725, 'US-CA-LA': 225 }],
    ['2025-04-01', { 'US-CA': 725, 'US-CA-LA': 250 }],
  ])('applies the Los Angeles County district rate in force on %s', (taxDate, expected) => {
    const calculation = calculateTax(
      request(LOS_ANGELES, [line('l1', 10_000)], { taxDate }),
      sampleRateTable,
    );
    expect(byJurisdiction(calculation)).toEqual(expected);
  });

  it('echoes the tax date used as an ISO instant', () => {
    const calculation = calculateTax(
      request(BERLIN, [line('l1', 100, 'EUR')], { taxDate: '2024-02-29' }),
      sampleRateTable,
    );
    expect(calculation.taxDate).toBe('2024-02-29T00:00:00.000Z');
  });

  it.each<[string, TaxLocation, string, string]>([
    ['before the first German period', BERLIN, 'EUR', '2006-12-31'],
    ['before the first Illinois period', CHICAGO, 'USD', '2015-12-31'],
  ])('throws TAX_NO_RATE_IN_FORCE %s', (_case, location, currency, taxDate) => {
    const error = thrown(() =>
      calculateTax(request(location, [line('l1', 100, currency)], { taxDate }), sampleRateTable),
    );
    expect(error.code).toBe('TAX_NO_RATE_IN_FORCE');
    expect(error.details).toHaveProperty('jurisdictionId');
  });
});

describe('inclusive prices', () => {
  // At 20 % the tax inside a gross amount g is g / 6 exactly: 999 → 166.5 (a tie), 1003 → 167.1666…
  it.each<[RoundingMode, number, number]>([
    ['half_up', 999, 167],
    ['half_even', 999, 166],
    ['down', 999, 166],
    ['up', 999, 167],
    ['half_up', 1003, 167],
    ['half_even', 1003, 167],
    ['down', 1003, 167],
    ['up', 1003, 168],
  ])('extracts tax with %s from gross %i as %i and keeps net + tax = gross', (roundingMode, gross, tax) => {
    const calculation = calculateTax(
      request(LONDON, [line('l1', gross, 'GBP', { taxBehavior: 'inclusive' })]),
      sampleRateTable,
      { roundingMode },
    );
    const result = calculation.lines[0];
    expect(result?.taxAmount.amount).toBe(tax);
    expect(result?.netAmount.amount).toBe(gross - tax);
    expect(result?.grossAmount.amount).toBe(gross);
    expect(result?.taxBehavior).toBe('inclusive');
  });

  it('reports the exact extracted tax before rounding', () => {
    const calculation = calculateTax(
      request(LONDON, [line('l1', 999, 'GBP', { taxBehavior: 'inclusive' })]),
      sampleRateTable,
    );
    expect(calculation.lines[0]?.unroundedTaxAmount).toBe('166.5');
  });

  it('splits a Chicago gross of $110.25 back into $100 net and each jurisdiction’s tax', () => {
    const calculation = calculateTax(
      request(CHICAGO, [line('l1', 11_025, 'USD', { taxBehavior: 'inclusive' })]),
      sampleRateTable,
    );
    expect(calculation.lines[0]?.netAmount.amount).toBe(10_000);
    expect(byJurisdiction(calculation)).toEqual({
      'US-IL': 625,
      'US-IL-COOK': 175,
      'US-IL-CHICAGO': 125,
      'US-IL-RTA': 100,
    });
  });
});

describe('currencies with other exponents', () => {
  it.each<[string, number, 'exclusive' | 'inclusive', RoundingMode, number, number]>([
    // ¥1 234 × 10 % = 123.4 yen → 123
    ['JPY exclusive, fraction below a half', 1234, 'exclusive', 'half_up', 123, 1234],
    // ¥1 235 × 10 % = 123.5 yen: half-up 124, down 123
    ['JPY exclusive tie, half_up', 1235, 'exclusive', 'half_up', 124, 1235],
    ['JPY exclusive tie, down', 1235, 'exclusive', 'down', 123, 1235],
    // ¥1 100 incl. 10 % = ¥1 000 + ¥100 exactly
    ['JPY inclusive, exact', 1100, 'inclusive', 'half_up', 100, 1000],
    // ¥1 000 incl. 10 %: tax 1000 / 11 = 90.909… → 91, net 909
    ['JPY inclusive, recurring', 1000, 'inclusive', 'half_up', 91, 909],
  ])('taxes %s in whole yen', (_case, amount, taxBehavior, roundingMode, tax, net) => {
    const calculation = calculateTax(
      request(TOKYO, [line('l1', amount, 'JPY', { taxBehavior })]),
      sampleRateTable,
      {
        roundingMode,
      },
    );
    expect(calculation.lines[0]?.taxAmount).toEqual(money(tax, 'JPY'));
    expect(calculation.lines[0]?.netAmount).toEqual(money(net, 'JPY'));
  });

  it.each<[string, number, 'exclusive' | 'inclusive', number, number]>([
    // 1.234 KWD × 5 % = 61.7 fils → 62 fils (0.062 KWD)
    ['exclusive 1.234 KWD', 1234, 'exclusive', 62, 1234],
    // 10.000 KWD incl. 5 %: tax 10 000 × 0.05 / 1.05 = 476.19… fils → 476, net 9 524
    ['inclusive 10.000 KWD', 10_000, 'inclusive', 476, 9524],
  ])('taxes %s in fils (three decimals)', (_case, amount, taxBehavior, tax, net) => {
    const calculation = calculateTax(
      request(TESTLAND, [line('l1', amount, 'KWD', { taxBehavior })]),
      singleRateTable('0.05'),
    );
    expect(calculation.lines[0]?.taxAmount).toEqual(money(tax, 'KWD'));
    expect(calculation.lines[0]?.netAmount).toEqual(money(net, 'KWD'));
  });
});

describe('exemptions and taxability', () => {
  it.each<
    [
      string,
      TaxLocation,
      string,
      string,
      CustomerExemption | undefined,
      TaxabilityReason,
      number,
      string | null,
      boolean,
    ]
  >([
    [
      'a fully exempt customer',
      CHICAGO,
      'USD',
      'general',
      { type: 'exempt', certificateId: 'EX-1' },
      'customer_exempt',
      0,
      'EX-1',
      false,
    ],
    // Only Chicago's 1.25 % is removed: 625 + 175 + 100 = 900
    [
      'a customer exempt in Chicago only',
      CHICAGO,
      'USD',
      'general',
      { type: 'exempt', certificateId: 'EX-2', jurisdictionIds: ['US-IL-CHICAGO'] },
      'standard_rated',
      900,
      'EX-2',
      false,
    ],
    [
      'a Texas exemption used in Illinois (does not apply)',
      CHICAGO,
      'USD',
      'general',
      { type: 'exempt', certificateId: 'EX-3', jurisdictionIds: ['US-TX'] },
      'standard_rated',
      1025,
      null,
      false,
    ],
    [
      'a reverse-charged EU business customer',
      BERLIN,
      'EUR',
      'general',
      { type: 'reverse_charge', certificateId: 'DE123456789' },
      'reverse_charge',
      0,
      'DE123456789',
      true,
    ],
    [
      'reverse charge on a US sales tax (sales taxes are not reverse-charged)',
      CHICAGO,
      'USD',
      'general',
      { type: 'reverse_charge', certificateId: 'GB123' },
      'standard_rated',
      1025,
      null,
      false,
    ],
    [
      'an exempt product sold to an exempt customer (the product explains it)',
      CHICAGO,
      'USD',
      'exempt',
      { type: 'exempt', certificateId: 'EX-4' },
      'product_exempt',
      0,
      null,
      false,
    ],
    ['services in Illinois', CHICAGO, 'USD', 'services', undefined, 'product_exempt', 0, null, false],
    ['standard-rated goods', CHICAGO, 'USD', 'general', undefined, 'standard_rated', 1025, null, false],
    [
      'reduced-rated books in Germany (7 %)',
      BERLIN,
      'EUR',
      'books',
      undefined,
      'reduced_rated',
      700,
      null,
      false,
    ],
    [
      'reduced-rated books in France (5.5 %)',
      PARIS,
      'EUR',
      'books',
      undefined,
      'reduced_rated',
      550,
      null,
      false,
    ],
    ['zero-rated books in the UK', LONDON, 'GBP', 'books', undefined, 'zero_rated', 0, null, false],
    [
      'a state where the seller is not registered',
      SEATTLE,
      'USD',
      'general',
      undefined,
      'not_collecting',
      0,
      null,
      false,
    ],
    [
      'a state without sales tax',
      PORTLAND_OR,
      'USD',
      'general',
      undefined,
      'not_subject_to_tax',
      0,
      null,
      false,
    ],
  ])(
    'reports %s',
    (_case, location, currency, taxCategory, exemption, reason, tax, certificateId, reverseCharge) => {
      const req = request(location, [line('l1', 10_000, currency, { taxCategory })]);
      const calculation = calculateTax(
        { ...req, customer: exemption ? { location, exemption } : { location } },
        sampleRateTable,
      );
      const result = calculation.lines[0];
      expect(result?.taxabilityReason).toBe(reason);
      expect(result?.taxAmount.amount).toBe(tax);
      expect(result?.exemptionCertificateId).toBe(certificateId);
      expect(result?.reverseCharge).toBe(reverseCharge);
    },
  );

  it('shows an exempted jurisdiction with a zero rate and its own reason', () => {
    const calculation = calculateTax(
      {
        ...request(CHICAGO, [line('l1', 10_000)]),
        customer: {
          location: CHICAGO,
          exemption: { type: 'exempt', certificateId: 'EX-2', jurisdictionIds: ['US-IL-CHICAGO'] },
        },
      },
      sampleRateTable,
    );
    const chicago = calculation.lines[0]?.breakdown.find((e) => e.jurisdiction.id === 'US-IL-CHICAGO');
    expect(chicago).toMatchObject({
      rate: '0',
      taxabilityReason: 'customer_exempt',
      amount: money(0, 'USD'),
    });
  });

  it('lists a not-collecting state with a zero rate and no tax, and a tax-free state with no entry', () => {
    const seattle = calculateTax(request(SEATTLE, [line('l1', 10_000)]), sampleRateTable).lines[0];
    expect(seattle?.breakdown.map((e) => [e.jurisdiction.id, e.rate, e.taxabilityReason])).toEqual([
      ['US-WA', '0', 'not_collecting'],
    ]);
    expect(
      calculateTax(request(PORTLAND_OR, [line('l1', 10_000)]), sampleRateTable).lines[0]?.breakdown,
    ).toEqual([]);
  });

  it('splits jurisdiction totals into taxable and non-taxable amounts', () => {
    const calculation = calculateTax(
      request(CHICAGO, [line('goods', 10_000), line('service', 5_000, 'USD', { taxCategory: 'services' })]),
      sampleRateTable,
    );
    const illinois = calculation.jurisdictionTotals.find((t) => t.jurisdiction.id === 'US-IL');
    expect(illinois).toMatchObject({
      taxType: 'sales',
      taxableAmount: money(10_000, 'USD'),
      nonTaxableAmount: money(5_000, 'USD'),
      amount: money(625, 'USD'),
    });
    expect(calculation.netTotal.amount).toBe(15_000);
    expect(calculation.grossTotal.amount).toBe(15_000 + 1025);
  });
});

describe('compound taxes', () => {
  it('charges 2012 Quebec QST on the price plus GST and states that base', () => {
    // GST 5 % of 10 000 = 500; QST 9.5 % of 10 500 = 997.5; line 1497.5 → 1498 (the known 14.975 %).
    const line1 = calculateTax(
      request(MONTREAL, [line('l1', 10_000, 'CAD')], { taxDate: '2012-06-01' }),
      sampleRateTable,
    ).lines[0];
    const [gst, qst] = line1?.breakdown ?? [];
    expect(gst).toMatchObject({ compound: false, base: money(10_000, 'CAD'), amount: money(500, 'CAD') });
    expect(qst).toMatchObject({
      compound: true,
      rate: '0.095',
      base: money(10_500, 'CAD'),
      amount: money(998, 'CAD'),
    });
    expect(qst?.unroundedAmount).toBe('997.5');
    expect(line1?.taxAmount.amount).toBe(1498);
  });

  it('taxes Quebec from 2013 on the price alone at 9.975 %, the same combined 14.975 %', () => {
    const [, qst] =
      calculateTax(request(MONTREAL, [line('l1', 10_000, 'CAD')], { taxDate: '2013-01-01' }), sampleRateTable)
        .lines[0]?.breakdown ?? [];
    expect(qst).toMatchObject({ compound: false, base: money(10_000, 'CAD'), unroundedAmount: '997.5' });
  });

  it('extracts compound taxes from an inclusive price: 1 149.75 = 1 000 × 1.05 × 1.095', () => {
    const result = calculateTax(
      request(MONTREAL, [line('l1', 114_975, 'CAD', { taxBehavior: 'inclusive' })], {
        taxDate: '2012-06-01',
      }),
      sampleRateTable,
    ).lines[0];
    expect(result?.netAmount.amount).toBe(100_000);
    expect(result?.breakdown.map((e) => e.amount.amount)).toEqual([5000, 9975]);
  });

  it('makes a 10 % tax on top of a 10 % tax cost 21 %, not 20 %', () => {
    const table = singleRateTable('0.1', { compound: { rate: '0.1' } });
    const result = calculateTax(request(TESTLAND, [line('l1', 10_000)]), table).lines[0];
    expect(result?.breakdown.map((e) => [e.jurisdiction.id, e.base.amount, e.amount.amount])).toEqual([
      ['XA', 10_000, 1000],
      ['XA-P', 11_000, 1100],
    ]);
  });
});

describe('rounding per line and per invoice', () => {
  const threeDimes = request(TESTLAND, [line('a', 10), line('b', 10), line('c', 10)]);

  it('rounds each line: three lines of 0.625 cents each round to 1, so 3 cents in all', () => {
    const calculation = calculateTax(threeDimes, singleRateTable('0.0625'), { rounding: 'line' });
    expect(calculation.lines.map((l) => l.taxAmount.amount)).toEqual([1, 1, 1]);
    expect(calculation.taxTotal.amount).toBe(3);
  });

  it('rounds the invoice: 1.875 cents round to 2 and the difference is taken from the first line', () => {
    const calculation = calculateTax(threeDimes, singleRateTable('0.0625'), { rounding: 'invoice' });
    expect(calculation.lines.map((l) => l.taxAmount.amount)).toEqual([0, 1, 1]);
    expect(calculation.taxTotal.amount).toBe(2);
    expect(calculation.jurisdictionTotals[0]?.amount.amount).toBe(2);
    expect(calculation.jurisdictionTotals[0]?.unroundedAmount).toBe('1.875');
  });

  it('gives Chicago two $10 lines 206 cents per line but 205 per invoice, each summing exactly', () => {
    // Per line: 102.5 → 103 each, split 62 + 18 + 13 + 10 (the half cent taken from the first tie).
    const twoLines = request(CHICAGO, [line('a', 1000), line('b', 1000)]);
    const perLine = calculateTax(twoLines, sampleRateTable);
    expect(perLine.lines.map((l) => l.breakdown.map((e) => e.amount.amount))).toEqual([
      [62, 18, 13, 10],
      [62, 18, 13, 10],
    ]);
    expect(perLine.taxTotal.amount).toBe(206);
    // Per invoice: state 125, county 35, city 25, RTA 20 = 205, each spread back over the two lines.
    const perInvoice = calculateTax(twoLines, sampleRateTable, { rounding: 'invoice' });
    expect(perInvoice.jurisdictionTotals.map((t) => t.amount.amount)).toEqual([125, 35, 25, 20]);
    expect(perInvoice.taxTotal.amount).toBe(205);
    expect(perInvoice.lines.map((l) => l.taxAmount.amount)).toEqual([101, 104]);
  });

  it.each<[RoundingMode, number]>([
    ['half_up', 103],
    ['half_even', 102],
    ['down', 102],
    ['up', 103],
  ])('rounds Chicago’s 102.5 cents on a 10-dollar line with %s to %i', (roundingMode, tax) => {
    const calculation = calculateTax(request(CHICAGO, [line('a', 1000)]), sampleRateTable, { roundingMode });
    expect(calculation.taxTotal.amount).toBe(tax);
  });
});

describe('credit lines', () => {
  it.each<RoundingMode>(['half_up', 'half_even', 'down', 'up'])(
    'reverses exactly the tax of the matching debit with %s',
    (roundingMode) => {
      const debit = calculateTax(request(CHICAGO, [line('a', 1000)]), sampleRateTable, { roundingMode })
        .lines[0];
      const credit = calculateTax(request(CHICAGO, [line('a', -1000)]), sampleRateTable, { roundingMode })
        .lines[0];
      expect(credit?.taxAmount.amount).toBe(-(debit?.taxAmount.amount ?? Number.NaN));
      expect(credit?.breakdown.map((e) => e.amount.amount)).toEqual(
        debit?.breakdown.map((e) => -e.amount.amount),
      );
    },
  );

  it('nets a full credit against its debit to zero tax on the invoice', () => {
    const calculation = calculateTax(
      request(CHICAGO, [line('a', 1000), line('a-credit', -1000)]),
      sampleRateTable,
      {
        rounding: 'invoice',
      },
    );
    expect(calculation.taxTotal.amount).toBe(0);
    // Each jurisdiction's total is 0 already, so every entry keeps its own half-up rounding:
    // 62.5 → 63, 17.5 → 18, 12.5 → 13, 10 → 10 = 104 on the debit and the mirror on the credit.
    expect(calculation.lines.map((l) => l.taxAmount.amount)).toEqual([104, -104]);
  });
});

describe('request validation and errors', () => {
  const ok = request(CHICAGO, [line('a', 1000)]);
  it.each<[string, unknown, string]>([
    ['a line in another currency', { ...ok, lines: [line('a', 1000, 'EUR')] }, 'TAX_CURRENCY_MISMATCH'],
    [
      'an unknown tax category',
      { ...ok, lines: [line('a', 1000, 'USD', { taxCategory: 'gadgets' })] },
      'TAX_UNKNOWN_TAX_CATEGORY',
    ],
    ['an impossible tax date', { ...ok, taxDate: '2025-13-01' }, 'TAX_INVALID_REQUEST'],
    ['a tax date without an offset', { ...ok, taxDate: '2025-06-01T10:00:00' }, 'TAX_INVALID_REQUEST'],
    ['duplicate line ids', { ...ok, lines: [line('a', 1), line('a', 2)] }, 'TAX_INVALID_REQUEST'],
    [
      'a float amount',
      { ...ok, lines: [{ id: 'a', amount: { amount: 10.5, currency: 'USD' }, taxCategory: 'general' }] },
      'TAX_INVALID_REQUEST',
    ],
    ['an unknown country', { ...ok, customer: { location: { country: 'ZZ' } } }, 'TAX_UNKNOWN_JURISDICTION'],
    [
      'an exemption naming a jurisdiction missing from the table',
      {
        ...ok,
        customer: {
          location: CHICAGO,
          exemption: { type: 'exempt', certificateId: 'X', jurisdictionIds: ['US-IL-CHICAG0'] },
        },
      },
      'TAX_UNKNOWN_JURISDICTION',
    ],
  ])('rejects %s', (_case, badRequest, code) => {
    expect(thrown(() => calculateTax(badRequest as typeof ok, sampleRateTable)).code).toBe(code);
  });

  it('rejects an unknown rounding option', () => {
    const error = thrown(() => calculateTax(ok, sampleRateTable, { rounding: 'cent' as 'line' }));
    expect(error.code).toBe('TAX_INVALID_REQUEST');
  });

  it('validates a rate table that did not come from loadRateTable', () => {
    const table = singleRateTable('0.1');
    table.rates.push({ jurisdictionId: 'XA', taxType: 'sales', rate: '0.2', validFrom: '2010-01-01' });
    expect(thrown(() => calculateTax(request(TESTLAND, [line('a', 1)]), table)).code).toBe(
      'TAX_INVALID_TABLE',
    );
  });

  it('returns zero totals for a request without lines', () => {
    const calculation = calculateTax(request(CHICAGO, [], { currency: 'USD' }), sampleRateTable);
    expect([calculation.netTotal, calculation.taxTotal, calculation.grossTotal]).toEqual([
      money(0, 'USD'),
      money(0, 'USD'),
      money(0, 'USD'),
    ]);
    expect(calculation.jurisdictionTotals).toEqual([]);
  });
});
