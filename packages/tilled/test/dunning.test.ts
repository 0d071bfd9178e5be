import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextDunningStep } from '../src/index.js';

const at = (iso: string) => new Date(iso);
const first = at('2025-03-01T09:00:00.000Z');

describe('nextDunningStep', () => {
  it.each([
    // failures so far (their times), expected next retry (schedule [1, 3, 5], counted from the previous failure)
    [['2025-03-01T09:00:00.000Z'], '2025-03-02T09:00:00.000Z', 1],
    [['2025-03-01T09:00:00.000Z', '2025-03-02T09:05:00.000Z'], '2025-03-05T09:05:00.000Z', 2],
    [
      ['2025-03-01T09:00:00.000Z', '2025-03-02T09:05:00.000Z', '2025-03-05T10:00:00.000Z'],
      '2025-03-10T10:00:00.000Z',
      3,
    ],
  ])('after failures at %j retries at %s (retry #%i)', (failures, expected, retryNumber) => {
    expect(nextDunningStep(failures.map(at), [1, 3, 5])).toEqual({
      action: 'retry',
      retryAt: at(expected),
      retryNumber,
    });
  });

  it('marks the invoice uncollectible once the original charge and every scheduled retry failed', () => {
    const failures = [
      '2025-03-01T09:00:00Z',
      '2025-03-02T09:00:00Z',
      '2025-03-05T09:00:00Z',
      '2025-03-10T09:00:00Z',
    ];
    expect(nextDunningStep(failures.map(at), [1, 3, 5])).toEqual({
      action: 'uncollectible',
      failedAttempts: 4,
    });
  });

  it('counts from the first failure when asked: [1, 3, 5] = days 1, 3 and 5', () => {
    const failures = [first, at('2025-03-02T09:00:00Z')];
    expect(nextDunningStep(failures, [1, 3, 5], { from: 'first_attempt' })).toMatchObject({
      retryAt: at('2025-03-04T09:00:00Z'),
    });
  });

  it('does not depend on the order the failures are given in', () => {
    const a = at('2025-03-01T09:00:00Z');
    const b = at('2025-03-02T12:00:00Z');
    expect(nextDunningStep([b, a], [1, 3])).toEqual(nextDunningStep([a, b], [1, 3]));
  });

  it('with an empty schedule, the first failure is final', () => {
    expect(nextDunningStep([first], [])).toEqual({ action: 'uncollectible', failedAttempts: 1 });
  });

  it('counts days as 24 h of elapsed time, across a DST change', () => {
    // US clocks spring forward on 2025-03-09; a retry is 24 h later in absolute time regardless.
    expect(nextDunningStep([at('2025-03-08T15:00:00Z')], [1])).toMatchObject({
      retryAt: at('2025-03-09T15:00:00Z'),
    });
  });

  it.each([
    [[0], 'a zero delay'],
    [[-1], 'a negative delay'],
    [[Number.NaN], 'NaN'],
    [[1, Number.POSITIVE_INFINITY], 'infinity'],
  ])('rejects a schedule with %j (%s)', (schedule) => {
    expect(() => nextDunningStep([first], schedule)).toThrowError(
      expect.objectContaining({ code: 'TILLED_INVALID_DUNNING_SCHEDULE' }),
    );
  });

  it('rejects an empty failure list and an invalid date', () => {
    expect(() => nextDunningStep([], [1])).toThrowError(
      expect.objectContaining({ code: 'TILLED_INVALID_DUNNING_SCHEDULE' }),
    );
    expect(() => nextDunningStep([new Date('nope')], [1])).toThrowError(
      expect.objectContaining({ code: 'TILLED_INVALID_DUNNING_SCHEDULE' }),
    );
  });

  it('retries exactly schedule.length times, each after the last failure, then gives up (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (schedule, lateness) => {
          // Simulate: every retry happens a little late and fails again.
          const failures: Date[] = [first];
          let retries = 0;
          for (;;) {
            const step = nextDunningStep(failures, schedule);
            if (step.action === 'uncollectible') {
              expect(step.failedAttempts).toBe(schedule.length + 1);
              break;
            }
            const last = failures[failures.length - 1]!;
            expect(step.retryAt.getTime() - last.getTime()).toBe(schedule[retries]! * 86_400_000);
            expect(step.retryNumber).toBe(retries + 1);
            retries++;
            failures.push(new Date(step.retryAt.getTime() + lateness));
          }
          expect(retries).toBe(schedule.length);
        },
      ),
    );
  });
});
