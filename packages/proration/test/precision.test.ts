import { describe, expect, it } from 'vitest';
import { type ProrationPrecision, periodFraction, prorateAmount } from '../src/index.js';
import { JAN_2024, usd } from './fixtures.js';

const FEB_2024 = { start: '2024-02-01T00:00:00Z', end: '2024-03-01T00:00:00Z' };

describe('periodFraction', () => {
  it.each<[string, { start: string; end: string }, ProrationPrecision, number, number]>([
    // 16 days of 31, in seconds and in days: the same ratio, different units.
    [
      'second, whole days',
      { start: '2024-01-16T00:00:00Z', end: JAN_2024.end },
      'second',
      16 * 86_400,
      31 * 86_400,
    ],
    ['day, whole days', { start: '2024-01-16T00:00:00Z', end: JAN_2024.end }, 'day', 16, 31],
    // A change during a day: by the second it counts the half day; by the day, the change day counts in full.
    [
      'second, mid-day',
      { start: '2024-01-16T12:00:00Z', end: JAN_2024.end },
      'second',
      15.5 * 86_400,
      31 * 86_400,
    ],
    ['day, mid-day', { start: '2024-01-16T12:00:00Z', end: JAN_2024.end }, 'day', 16, 31],
    // 30-day months: January counts 30; from the 16th to the end is 15 of them; the 31st counts as the 30th.
    [
      'thirty_day_month, Jan 16',
      { start: '2024-01-16T00:00:00Z', end: JAN_2024.end },
      'thirty_day_month',
      15,
      30,
    ],
    [
      'thirty_day_month, Jan 31',
      { start: '2024-01-31T00:00:00Z', end: JAN_2024.end },
      'thirty_day_month',
      1,
      30,
    ],
  ])('%s', (_name, slice, precision, numerator, denominator) => {
    expect(periodFraction(slice, JAN_2024, { precision })).toEqual({ numerator, denominator });
  });

  it('counts a leap February as 29 days by the day and as 30 by fixed 30-day months', () => {
    const slice = { start: '2024-02-15T00:00:00Z', end: FEB_2024.end };
    expect(periodFraction(slice, FEB_2024, { precision: 'day' })).toEqual({ numerator: 15, denominator: 29 });
    expect(periodFraction(slice, FEB_2024, { precision: 'thirty_day_month' })).toEqual({
      numerator: 16,
      denominator: 30,
    });
  });

  it('measures a period shorter than a month in calendar days under thirty_day_month', () => {
    // 30E/360 counts Jan 30 and Jan 31 both as day 30: a daily period would last zero days.
    const day = { start: '2025-01-30T00:00:00Z', end: '2025-01-31T00:00:00Z' };
    const slice = { start: '2025-01-30T12:00:00Z', end: day.end };
    expect(periodFraction(slice, day, { precision: 'thirty_day_month' })).toEqual({
      numerator: 1,
      denominator: 1,
    });
    // A week across the 31st is 7 days, not the 6 that 30E/360 would count.
    const week = { start: '2025-01-28T00:00:00Z', end: '2025-02-04T00:00:00Z' };
    const lastThree = { start: '2025-02-01T00:00:00Z', end: week.end };
    expect(periodFraction(lastThree, week, { precision: 'thirty_day_month' })).toEqual({
      numerator: 3,
      denominator: 7,
    });
  });

  it('counts days in the customer time zone, not in UTC', () => {
    // 2024-01-16T03:00Z is still Jan 15 in New York, so 17 local days remain of January.
    const period = { start: '2024-01-01T05:00:00Z', end: '2024-02-01T05:00:00Z' };
    const slice = { start: '2024-01-16T03:00:00Z', end: period.end };
    expect(periodFraction(slice, period, { precision: 'day', timeZone: 'America/New_York' })).toEqual({
      numerator: 17,
      denominator: 31,
    });
    expect(periodFraction(slice, period, { precision: 'day', timeZone: 'UTC' }).numerator).toBe(16);
  });

  it('ignores the part of a slice outside the period', () => {
    expect(periodFraction({ start: '2023-12-01T00:00:00Z', end: '2024-03-01T00:00:00Z' }, JAN_2024)).toEqual({
      numerator: 31 * 86_400,
      denominator: 31 * 86_400,
    });
  });
});

describe('prorateAmount', () => {
  it('rounds once, with the chosen mode, from the exact unrounded amount', () => {
    const slice = { start: '2024-01-21T00:00:00Z', end: JAN_2024.end }; // 11 of 31 days
    // 1000 × 11 / 31 = 354.838…
    expect(prorateAmount(usd(1000), slice, JAN_2024).amount.amount).toBe(355);
    expect(prorateAmount(usd(1000), slice, JAN_2024, { roundingMode: 'down' }).amount.amount).toBe(354);
    expect(prorateAmount(usd(1000), slice, JAN_2024).unroundedAmount.startsWith('354.838709677419')).toBe(
      true,
    );
  });
});
