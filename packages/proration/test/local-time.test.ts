import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatLocal, localDate, luxonFormat } from '../src/local-time.js';

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

describe('localDate gives the date luxon toISODate gave', () => {
  it('for any instant from year 1 to 9999 and beyond, in zones with DST, half-hour and 45-minute offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(-300, 0, 1), max: Date.UTC(10_200, 0, 1) }),
        fc.constantFrom(...zones),
        (millis, zone) => {
          const expected = DateTime.fromMillis(millis, { zone }).toISODate();
          expect(localDate(new Date(millis), zone)).toBe(expected);
          const iso = new Date(millis).toISOString();
          if (/^\d{4}-/.test(iso)) expect(localDate(iso, zone)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('on both sides of local midnight across the 2024 Berlin and Chatham DST changes', () => {
    for (const [zone, start] of [
      ['Europe/Berlin', Date.UTC(2024, 2, 30, 20)],
      ['Europe/Berlin', Date.UTC(2024, 9, 26, 20)],
      ['Pacific/Chatham', Date.UTC(2024, 3, 6, 8)],
    ] as const) {
      for (let m = 0; m < 600; m += 1) {
        const millis = start + m * 60_000;
        expect(localDate(new Date(millis), zone)).toBe(DateTime.fromMillis(millis, { zone }).toISODate());
      }
    }
  });
});
