import { IANAZone, type Zone } from 'luxon';
import { z } from 'zod';
import { ProrationError } from './errors.js';

/**
 * A point in time: a `Date`, or an ISO-8601 string carrying its offset (`2024-01-31T00:00:00Z`,
 * `2024-01-31T00:00:00-05:00`). Strings without an offset are refused: they name no instant.
 */
export const instantSchema = z.union([z.date(), z.iso.datetime({ offset: true })]);

/** A point in time, as accepted by every function of this package. */
export type Instant = z.infer<typeof instantSchema>;

/** An IANA time zone name such as `America/New_York` (or `UTC`). */
export const timeZoneSchema = z
  .string()
  .refine((zone) => zoneCache.has(zone) || IANAZone.isValidZone(zone), { message: 'Unknown IANA time zone' });

/** A half-open span of time `[start, end)`; outputs are always UTC ISO-8601 strings. */
export const timeSliceSchema = z.object({ start: instantSchema, end: instantSchema });

/** A half-open span of time `[start, end)` as returned by this package (UTC ISO-8601 strings). */
export interface TimeSlice {
  readonly start: string;
  readonly end: string;
}

/** Epoch milliseconds of an instant; throws `PRORATION_INVALID_REQUEST` for an unreadable one. */
export function toMillis(instant: Instant): number {
  const millis = instant instanceof Date ? instant.getTime() : Date.parse(instant);
  if (!Number.isFinite(millis)) {
    throw new ProrationError('PRORATION_INVALID_REQUEST', `Not an instant: ${String(instant)}`, { instant });
  }
  return millis;
}

/** The canonical output form of an instant: UTC ISO-8601 (`2024-01-31T05:00:00.000Z`). */
export function toIso(millis: number): string {
  return new Date(millis).toISOString();
}

// Luxon validates a zone given by name on every DateTime it makes, by constructing an
// Intl.DateTimeFormat: that was two thirds of a proration's run time. Zones are immutable, so each
// name is validated once and the Zone object is handed to luxon from then on.
const zoneCache = new Map<string, Zone>();

/** The luxon zone for an IANA name, validated once; throws `PRORATION_INVALID_TIME_ZONE`. */
export function zoneOf(timeZone: string): Zone {
  let zone = zoneCache.get(timeZone);
  if (zone === undefined) {
    if (!IANAZone.isValidZone(timeZone)) {
      throw new ProrationError('PRORATION_INVALID_TIME_ZONE', `Unknown IANA time zone: ${timeZone}`, {
        timeZone,
      });
    }
    zone = IANAZone.create(timeZone);
    zoneCache.set(timeZone, zone);
  }
  return zone;
}

export function assertTimeZone(timeZone: string): void {
  zoneOf(timeZone);
}
