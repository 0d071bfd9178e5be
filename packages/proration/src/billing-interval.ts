import type { DurationLikeObject } from 'luxon';
import { z } from 'zod';
import { ProrationError } from './errors.js';

/** The calendar units a price can recur on (Stripe's `recurring.interval`, plus `quarter`). */
export const INTERVAL_UNITS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

/**
 * How often a price bills: `{ interval: 'month' }`, `{ interval: 'week', intervalCount: 2 }`.
 * Named like Stripe's `recurring.interval` / `recurring.interval_count`.
 */
export const billingIntervalSchema = z.object({
  interval: z.enum(INTERVAL_UNITS),
  intervalCount: z.number().int().min(1).max(1000).optional(),
});

export type BillingInterval = z.infer<typeof billingIntervalSchema>;

/** Validates an interval, throwing `PRORATION_UNKNOWN_INTERVAL` for anything we cannot compute. */
export function assertBillingInterval(value: unknown): asserts value is BillingInterval {
  const parsed = billingIntervalSchema.safeParse(value);
  if (!parsed.success) {
    throw new ProrationError(
      'PRORATION_UNKNOWN_INTERVAL',
      `Unknown billing interval: ${JSON.stringify(value)}`,
      {
        field: 'interval',
        interval: value,
      },
    );
  }
}

/** The calendar step of `count` intervals, in luxon's units (quarters are three months). */
export function intervalDuration(interval: BillingInterval, count: number): DurationLikeObject {
  const n = (interval.intervalCount ?? 1) * count;
  switch (interval.interval) {
    case 'day':
      return { days: n };
    case 'week':
      return { weeks: n };
    case 'month':
      return { months: n };
    case 'quarter':
      return { months: 3 * n };
    case 'year':
      return { years: n };
  }
}

/** A rough length of one interval in days, used only to guess where to start searching. */
export function approximateDays(interval: BillingInterval): number {
  const perUnit = { day: 1, week: 7, month: 30.436875, quarter: 91.310625, year: 365.2425 }[
    interval.interval
  ];
  return perUnit * (interval.intervalCount ?? 1);
}
