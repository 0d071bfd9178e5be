import { TilledError } from './errors.js';

const DAY_MS = 86_400_000;

/** Days to wait before each retry, e.g. `[1, 3, 5]`: three retries after the first failure. */
export type DunningSchedule = readonly number[];

export interface DunningOptions {
  /**
   * What each delay counts from: the previous failed attempt (default; Stripe's custom retry
   * schedules) or the first failure (`[1, 3, 5]` = day 1, 3 and 5 after the invoice first failed).
   */
  readonly from?: 'previous_attempt' | 'first_attempt';
}

export type DunningStep =
  | {
      readonly action: 'retry';
      readonly retryAt: Date;
      /** 1 for the first retry after the original charge. */
      readonly retryNumber: number;
    }
  | {
      readonly action: 'uncollectible';
      /** Every attempt (the original charge and its retries) failed. */
      readonly failedAttempts: number;
    };

/**
 * What to do after a failed payment: when to retry next, or that the schedule is exhausted and the
 * invoice becomes `uncollectible` (the caller then cancels or leaves the subscription `past_due` per
 * its policy). Pure: `failedAttemptsAt` are the times of every failed attempt so far, the original
 * charge included; their order does not matter.
 *
 * @example
 * nextDunningStep([new Date('2025-03-01T09:00:00Z')], [1, 3, 5])
 * // { action: 'retry', retryAt: 2025-03-02T09:00:00Z, retryNumber: 1 }
 * nextDunningStep([d0, d1, d2, d3], [1, 3, 5]) // { action: 'uncollectible', failedAttempts: 4 }
 */
export function nextDunningStep(
  failedAttemptsAt: readonly Date[],
  schedule: DunningSchedule,
  options: DunningOptions = {},
): DunningStep {
  for (const days of schedule) {
    if (!Number.isFinite(days) || days <= 0) {
      throw new TilledError(
        'TILLED_INVALID_DUNNING_SCHEDULE',
        `Retry delays must be positive days, got ${days}`,
        {
          details: { schedule },
        },
      );
    }
  }
  if (failedAttemptsAt.length === 0) {
    throw new TilledError(
      'TILLED_INVALID_DUNNING_SCHEDULE',
      'nextDunningStep needs at least one failed attempt',
    );
  }
  const times = failedAttemptsAt.map((d) => d.getTime());
  if (times.some((t) => Number.isNaN(t))) {
    throw new TilledError('TILLED_INVALID_DUNNING_SCHEDULE', 'A failed attempt has an invalid date');
  }
  const failed = times.length;
  const delay = schedule[failed - 1];
  if (delay === undefined) return { action: 'uncollectible', failedAttempts: failed };
  const anchor = options.from === 'first_attempt' ? Math.min(...times) : Math.max(...times);
  return { action: 'retry', retryAt: new Date(anchor + Math.round(delay * DAY_MS)), retryNumber: failed };
}
