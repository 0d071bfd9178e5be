import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLocal, luxonFormat } from '../src/local-time.js';

const zones = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/St_Johns',
  'Africa/Casablanca',
];

describe('formatLocal prints what luxon toFormat printed', () => {
  it('for any instant from 1900 to 2200, in zones with DST, half-hour and 45-minute offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }),
        fc.constantFrom(...zones),
        fc.boolean(),
        (millis, zone, withTime) => {
          expect(formatLocal(millis, zone, withTime)).toBe(luxonFormat(millis, zone, withTime));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('around the 2024 New York DST changes, minute by minute', () => {
    for (const start of [Date.UTC(2024, 2, 10, 5), Date.UTC(2024, 10, 3, 4)]) {
      for (let m = 0; m < 240; m += 1) {
        const millis = start + m * 60_000;
        expect(formatLocal(millis, 'America/New_York', true)).toBe(
          luxonFormat(millis, 'America/New_York', true),
        );
        expect(formatLocal(millis, 'America/New_York', false)).toBe(
          luxonFormat(millis, 'America/New_York', false),
        );
      }
    }
  });
});
