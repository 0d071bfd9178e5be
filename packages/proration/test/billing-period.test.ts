import { describe, expect, it } from 'vitest';
import {
  type BillingInterval,
  billingPeriodFor,
  isProrationError,
  nextPeriod,
  periodsBetween,
} from '../src/index.js';

const MONTHLY: BillingInterval = { interval: 'month' };

describe('billingPeriodFor', () => {
  it.each([
    // A Jan 31 anchor: short months clamp to their last day, and the day comes back to 31.
    [
      '2024-01-31T00:00:00Z',
      MONTHLY,
      '2024-02-15T00:00:00Z',
      '2024-01-31T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
    ],
    [
      '2024-01-31T00:00:00Z',
      MONTHLY,
      '2024-03-01T00:00:00Z',
      '2024-02-29T00:00:00.000Z',
      '2024-03-31T00:00:00.000Z',
    ],
    [
      '2024-01-31T00:00:00Z',
      MONTHLY,
      '2024-04-10T00:00:00Z',
      '2024-03-31T00:00:00.000Z',
      '2024-04-30T00:00:00.000Z',
    ],
    [
      '2024-01-31T00:00:00Z',
      MONTHLY,
      '2024-05-05T00:00:00Z',
      '2024-04-30T00:00:00.000Z',
      '2024-05-31T00:00:00.000Z',
    ],
    [
      '2024-01-31T00:00:00Z',
      MONTHLY,
      '2025-02-10T00:00:00Z',
      '2025-01-31T00:00:00.000Z',
      '2025-02-28T00:00:00.000Z',
    ],
    // Non-leap February ends on the 28th.
    [
      '2023-01-31T00:00:00Z',
      MONTHLY,
      '2023-02-15T00:00:00Z',
      '2023-01-31T00:00:00.000Z',
      '2023-02-28T00:00:00.000Z',
    ],
    // A 30th anchor comes back to 30 after February.
    [
      '2024-01-30T00:00:00Z',
      MONTHLY,
      '2024-03-05T00:00:00Z',
      '2024-02-29T00:00:00.000Z',
      '2024-03-30T00:00:00.000Z',
    ],
    // Quarterly on a month end: Mar 31 → Jun 30 → Sep 30 → Dec 31.
    [
      '2024-03-31T00:00:00Z',
      { interval: 'quarter' },
      '2024-10-01T00:00:00Z',
      '2024-09-30T00:00:00.000Z',
      '2024-12-31T00:00:00.000Z',
    ],
    // A leap-day yearly anchor bills Feb 28 in common years and Feb 29 again in 2028.
    [
      '2024-02-29T00:00:00Z',
      { interval: 'year' },
      '2025-06-01T00:00:00Z',
      '2025-02-28T00:00:00.000Z',
      '2026-02-28T00:00:00.000Z',
    ],
    [
      '2024-02-29T00:00:00Z',
      { interval: 'year' },
      '2028-03-01T00:00:00Z',
      '2028-02-29T00:00:00.000Z',
      '2029-02-28T00:00:00.000Z',
    ],
    // Every two weeks from Monday Jan 1.
    [
      '2024-01-01T00:00:00Z',
      { interval: 'week', intervalCount: 2 },
      '2024-01-20T00:00:00Z',
      '2024-01-15T00:00:00.000Z',
      '2024-01-29T00:00:00.000Z',
    ],
    // Before the anchor: the periods that would have preceded it.
    [
      '2024-03-15T00:00:00Z',
      MONTHLY,
      '2024-01-20T00:00:00Z',
      '2024-01-15T00:00:00.000Z',
      '2024-02-15T00:00:00.000Z',
    ],
  ] as const)('anchor %s every %o: %s falls in [%s, %s)', (anchor, interval, at, start, end) => {
    expect(billingPeriodFor(anchor, interval, at, 'UTC')).toEqual({ start, end });
  });

  it('starts the next period on the exact boundary instant (periods are half-open)', () => {
    expect(billingPeriodFor('2024-01-01T00:00:00Z', MONTHLY, '2024-02-01T00:00:00Z', 'UTC')).toEqual({
      start: '2024-02-01T00:00:00.000Z',
      end: '2024-03-01T00:00:00.000Z',
    });
    expect(billingPeriodFor('2024-01-01T00:00:00Z', MONTHLY, '2024-01-31T23:59:59Z', 'UTC').end).toBe(
      '2024-02-01T00:00:00.000Z',
    );
  });

  it('keeps local midnight across the New York spring-forward: March is 743 hours long', () => {
    const period = billingPeriodFor(
      '2024-01-01T00:00:00-05:00',
      MONTHLY,
      '2024-03-20T12:00:00Z',
      'America/New_York',
    );
    expect(period).toEqual({ start: '2024-03-01T05:00:00.000Z', end: '2024-04-01T04:00:00.000Z' });
    expect((Date.parse(period.end) - Date.parse(period.start)) / 3_600_000).toBe(31 * 24 - 1);
  });

  it('makes the spring-forward day a 23-hour daily period and the fall-back day a 25-hour one', () => {
    const spring = billingPeriodFor(
      '2024-03-01T00:00:00-05:00',
      { interval: 'day' },
      '2024-03-10T12:00:00-04:00',
      'America/New_York',
    );
    expect(spring).toEqual({ start: '2024-03-10T05:00:00.000Z', end: '2024-03-11T04:00:00.000Z' });
    const fall = billingPeriodFor(
      '2024-03-01T00:00:00-05:00',
      { interval: 'day' },
      '2024-11-03T12:00:00-05:00',
      'America/New_York',
    );
    expect((Date.parse(fall.end) - Date.parse(fall.start)) / 3_600_000).toBe(25);
  });

  it('computes a month-end anchor in the customer time zone, not in UTC', () => {
    // Jan 31 local midnight in New York is 05:00Z; February's period ends at Feb 29 local midnight.
    expect(
      billingPeriodFor('2024-01-31T00:00:00-05:00', MONTHLY, '2024-02-15T00:00:00Z', 'America/New_York'),
    ).toEqual({
      start: '2024-01-31T05:00:00.000Z',
      end: '2024-02-29T05:00:00.000Z',
    });
  });

  it.each([
    [{ interval: 'fortnight' }, 'PRORATION_UNKNOWN_INTERVAL'],
    [{ interval: 'month', intervalCount: 0 }, 'PRORATION_UNKNOWN_INTERVAL'],
    [{ interval: 'month', intervalCount: 1.5 }, 'PRORATION_UNKNOWN_INTERVAL'],
  ])('refuses the interval %o with %s', (interval, code) => {
    expect(() =>
      billingPeriodFor('2024-01-01T00:00:00Z', interval as BillingInterval, '2024-02-01T00:00:00Z', 'UTC'),
    ).toThrow(expect.objectContaining({ code }));
  });

  it('refuses an unknown time zone with PRORATION_INVALID_TIME_ZONE', () => {
    try {
      billingPeriodFor('2024-01-01T00:00:00Z', MONTHLY, '2024-02-01T00:00:00Z', 'Mars/Olympus_Mons');
      expect.unreachable();
    } catch (error) {
      expect(isProrationError(error, 'PRORATION_INVALID_TIME_ZONE')).toBe(true);
    }
  });
});

describe('nextPeriod and periodsBetween', () => {
  it('follows a Jan 31 anchor through a year and returns to the 31st (computed from the anchor, not chained)', () => {
    const ends = periodsBetween(
      '2024-01-31T00:00:00Z',
      MONTHLY,
      '2024-01-31T00:00:00Z',
      '2024-07-01T00:00:00Z',
      'UTC',
    ).map((period) => period.end.slice(0, 10));
    expect(ends).toEqual([
      '2024-02-29',
      '2024-03-31',
      '2024-04-30',
      '2024-05-31',
      '2024-06-30',
      '2024-07-31',
    ]);
  });

  it('lists adjacent periods: each starts where the previous one ended', () => {
    const periods = periodsBetween(
      '2024-01-15T09:30:00Z',
      { interval: 'week' },
      '2024-02-01T00:00:00Z',
      '2024-03-01T00:00:00Z',
      'Europe/Berlin',
    );
    expect(periods.length).toBeGreaterThan(3);
    periods.slice(1).forEach((period, index) => {
      expect(period.start).toBe(periods[index]?.end);
    });
  });

  it('returns the period after the given one', () => {
    expect(
      nextPeriod(
        '2024-01-31T00:00:00Z',
        MONTHLY,
        { start: '2024-01-31T00:00:00Z', end: '2024-02-29T00:00:00Z' },
        'UTC',
      ),
    ).toEqual({ start: '2024-02-29T00:00:00.000Z', end: '2024-03-31T00:00:00.000Z' });
  });

  it('returns nothing for an empty range', () => {
    expect(
      periodsBetween('2024-01-01T00:00:00Z', MONTHLY, '2024-03-01T00:00:00Z', '2024-03-01T00:00:00Z', 'UTC'),
    ).toEqual([]);
  });
});

describe('remembered boundaries', () => {
  it('keeps boundaries of the same anchor apart by zone, interval and count', () => {
    const anchor = '2024-01-31T05:00:00Z';
    const at = '2024-03-15T12:00:00Z';
    const utc = billingPeriodFor(anchor, { interval: 'month' }, at, 'UTC');
    const ny = billingPeriodFor(anchor, { interval: 'month' }, at, 'America/New_York');
    const quarterly = billingPeriodFor(anchor, { interval: 'month', intervalCount: 3 }, at, 'UTC');
    const weekly = billingPeriodFor(anchor, { interval: 'week' }, at, 'UTC');
    expect(utc).toEqual({ start: '2024-02-29T05:00:00.000Z', end: '2024-03-31T05:00:00.000Z' });
    // New York's wall clock keeps 00:00 local across DST: the March 31 boundary is at 04:00Z.
    expect(ny).toEqual({ start: '2024-02-29T05:00:00.000Z', end: '2024-03-31T04:00:00.000Z' });
    expect(quarterly).toEqual({ start: '2024-01-31T05:00:00.000Z', end: '2024-04-30T05:00:00.000Z' });
    expect(weekly).toEqual({ start: '2024-03-13T05:00:00.000Z', end: '2024-03-20T05:00:00.000Z' });
    // Asked again, in another order: the same answers.
    expect(billingPeriodFor(anchor, { interval: 'month' }, at, 'America/New_York')).toEqual(ny);
    expect(billingPeriodFor(anchor, { interval: 'month' }, at, 'UTC')).toEqual(utc);
  });
});
