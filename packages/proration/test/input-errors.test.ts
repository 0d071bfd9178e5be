import { describe, expect, it } from 'vitest';
import {
  billingPeriodFor,
  localDate,
  localMidnight,
  nextPeriod,
  ProrationError,
  periodFraction,
  periodsBetween,
  prorate,
  prorateAmount,
  resolveChangePolicy,
} from '../src/index.js';
import { periodCharge, usd } from './fixtures.js';

// Every public entry refuses a wrong-typed field with a ProrationError whose code says what is wrong and
// whose `details.field` is the caller's path to it. A date without a time is refused everywhere an
// instant is expected: it names a day, not an instant (midnight UTC is the evening before in Chicago).

const JAN = { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' };
const monthly = { interval: 'month' as const };
const request = {
  currency: 'USD',
  period: JAN,
  prorationDate: '2024-01-16T00:00:00Z',
  billed: [periodCharge(JAN, { configurationId: 'si_1', unitAmount: usd(3000) })],
  change: { type: 'cancel' as const, configurationId: 'si_1' },
};
// Wrong-typed values, cast past the compiler as a JavaScript caller or a JSON body would send them.
const bad = <T>(value: unknown) => value as T;

describe('proration public entries name the wrong field', () => {
  it.each([
    [
      'prorate: quantity as a string',
      () => prorate({ ...request, billed: [{ ...request.billed[0]!, quantity: bad('1') }] }),
      'PRORATION_INVALID_REQUEST',
      'billed[0].quantity',
    ],
    [
      'prorate: prorationDate as a date alone',
      () => prorate({ ...request, prorationDate: '2024-01-16' }),
      'PRORATION_DATE_WITHOUT_TIME',
      'prorationDate',
    ],
    [
      'prorate: a slice start in US notation',
      () => prorate({ ...request, period: { ...JAN, start: '01/01/2024' } }),
      'PRORATION_INVALID_REQUEST',
      'period.start',
    ],
    [
      'prorate: options.precision unknown',
      () => prorate(request, { precision: bad('minute') }),
      'PRORATION_INVALID_REQUEST',
      'precision',
    ],
    [
      'prorateAmount: amount as a number',
      () => prorateAmount(bad(3000), JAN, JAN),
      'PRORATION_INVALID_REQUEST',
      'amount',
    ],
    [
      'prorateAmount: slice end as a date alone',
      () => prorateAmount(usd(3000), { start: JAN.start, end: '2024-01-16' }, JAN),
      'PRORATION_DATE_WITHOUT_TIME',
      'slice.end',
    ],
    [
      'periodFraction: period start without an offset',
      () => periodFraction(JAN, { ...JAN, start: '2024-01-01T00:00:00' }),
      'PRORATION_INVALID_REQUEST',
      'period.start',
    ],
    [
      'billingPeriodFor: anchor as a date alone',
      () => billingPeriodFor('2026-04-01', monthly, '2026-04-15T00:00:00Z', 'America/Chicago'),
      'PRORATION_DATE_WITHOUT_TIME',
      'anchor',
    ],
    [
      'billingPeriodFor: at in US notation',
      () => billingPeriodFor(JAN.start, monthly, '04/01/2026', 'UTC'),
      'PRORATION_INVALID_REQUEST',
      'at',
    ],
    [
      'billingPeriodFor: interval count as a string',
      () => billingPeriodFor(JAN.start, bad({ interval: 'month', intervalCount: '1' }), JAN.start, 'UTC'),
      'PRORATION_UNKNOWN_INTERVAL',
      'interval',
    ],
    [
      'nextPeriod: period end as a date alone',
      () => nextPeriod(JAN.start, monthly, { start: JAN.start, end: '2024-02-01' }, 'UTC'),
      'PRORATION_DATE_WITHOUT_TIME',
      'at',
    ],
    [
      'periodsBetween: to as a number',
      () => periodsBetween(JAN.start, monthly, JAN.start, bad(1_700_000_000_000), 'UTC'),
      'PRORATION_INVALID_REQUEST',
      'to',
    ],
    [
      'resolveChangePolicy: effective as a number',
      () => resolveChangePolicy([{ from: 'a', effective: bad(1) }], { from: 'a', type: 'upgrade' }),
      'PRORATION_INVALID_REQUEST',
      'rules[0].effective',
    ],
    [
      'resolveChangePolicy: unknown change type',
      () => resolveChangePolicy([], { type: bad('sidegrade') }),
      'PRORATION_INVALID_REQUEST',
      'change.type',
    ],
    [
      'localDate: instant as a date alone',
      () => localDate('2026-04-01', 'America/Chicago'),
      'PRORATION_DATE_WITHOUT_TIME',
      'instant',
    ],
    [
      'localMidnight: not a date',
      () => localMidnight('04/01/2026', 'UTC'),
      'PRORATION_INVALID_REQUEST',
      'date',
    ],
  ])('%s', (_label, call, code, field) => {
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProrationError);
    expect(thrown).toMatchObject({ code, details: { field } });
    expect((thrown as Error).message).toContain(field);
  });

  it('suggests the instant at midnight with an offset for a date alone', () => {
    expect(() => billingPeriodFor('2026-04-01', monthly, '2026-04-15T00:00:00Z', 'UTC')).toThrow(
      /anchor is a date without a time \("2026-04-01"\).*2026-04-01T00:00:00-05:00/,
    );
  });

  it('reads the local date and the local midnight in the customer time zone', () => {
    expect(localDate('2026-04-01T04:59:59Z', 'America/Chicago')).toBe('2026-03-31');
    expect(localDate('2026-04-01T05:00:00Z', 'America/Chicago')).toBe('2026-04-01');
    expect(localMidnight('2026-04-01', 'America/Chicago')).toBe('2026-04-01T00:00:00.000-05:00');
    expect(localMidnight('2026-01-01', 'Europe/Berlin')).toBe('2026-01-01T00:00:00.000+01:00');
  });
});
