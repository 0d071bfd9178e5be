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

// A proration reads the same few instant strings (period bounds, the change date, billed slices) over
// and over, and `Date.parse` is the costliest step of reading one: results are memoised per string (a
// pure function of it; unreadable strings are not cached and still throw).
const MAX_CACHED_MILLIS = 4096;
const parsedMillis = new Map<string, number>();

/**
 * Epoch milliseconds of an instant; throws `PRORATION_DATE_WITHOUT_TIME` for a date alone and
 * `PRORATION_INVALID_REQUEST` for anything else that is not an ISO-8601 instant with an offset, naming
 * the caller's `field`.
 */
export function toMillis(instant: Instant, field = 'instant'): number {
  if (typeof instant === 'string') {
    const cached = parsedMillis.get(instant);
    if (cached !== undefined) return cached;
    if (!isInstantString(instant)) throw notAnInstant(field, instant);
  }
  const millis = instant instanceof Date ? instant.getTime() : Date.parse(instant);
  if (!Number.isFinite(millis)) throw notAnInstant(field, instant);
  if (typeof instant === 'string') {
    if (parsedMillis.size >= MAX_CACHED_MILLIS) parsedMillis.clear();
    parsedMillis.set(instant, millis);
  }
  return millis;
}

function notAnInstant(field: string, instant: unknown): ProrationError {
  if (dateWithoutTime(instant)) return dateWithoutTimeError(field, instant, [field]);
  return new ProrationError(
    'PRORATION_INVALID_REQUEST',
    `${field} is not an ISO-8601 instant with an offset: ${JSON.stringify(String(instant).slice(0, 40))}`,
    { field, instant, issues: [{ path: [field], message: 'Invalid ISO datetime', code: 'invalid_format' }] },
  );
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** True for a calendar date written alone (`2024-01-31`): it names a day, not an instant. */
export function dateWithoutTime(value: unknown): value is string {
  return typeof value === 'string' && DATE_ONLY.test(value);
}

/**
 * `PRORATION_DATE_WITHOUT_TIME` for `field`. Every billkit engine refuses a date where an instant is
 * expected rather than guess its time zone (midnight UTC is the evening before in the Americas).
 */
export function dateWithoutTimeError(
  field: string,
  value: string,
  path: readonly PropertyKey[],
): ProrationError {
  return new ProrationError(
    'PRORATION_DATE_WITHOUT_TIME',
    `${field} is a date without a time (${JSON.stringify(value)}): pass an instant with a time and an offset, such as the customer's midnight ${value}T00:00:00-05:00`,
    {
      field,
      value,
      issues: [
        { path: path.map(String), message: 'A date without a time names no instant', code: 'invalid_format' },
      ],
    },
  );
}

/** A zod issue path as the caller writes it: `billed[0].slice.start`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const key of path) {
    if (typeof key === 'number') name += `[${key}]`;
    else name += name === '' ? String(key) : `.${String(key)}`;
  }
  return name;
}

/** The value at `path` inside `input` (undefined when the path leaves it). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

// A proration prints the same few instants (period bounds, the change date) many times over, and
// `toISOString` allocates a Date and a string each time: the last results are memoised (a pure
// function of the number; failures are not cached, so invalid values still throw RangeError).
const MAX_CACHED_ISO = 1024;
const isoCache = new Map<number, string>();

/** The canonical output form of an instant: UTC ISO-8601 (`2024-01-31T05:00:00.000Z`). */
export function toIso(millis: number): string {
  let iso = isoCache.get(millis);
  if (iso === undefined) {
    iso = new Date(millis).toISOString();
    if (isoCache.size >= MAX_CACHED_ISO) isoCache.clear();
    isoCache.set(millis, iso);
  }
  return iso;
}

// Instant strings seen valid by `instantSchema`, so `toMillis` pays for the zod datetime check once
// per distinct string (validity is a pure function of the string).
const MAX_CACHED_INSTANTS = 4096;
const validInstants = new Set<string>();

/** True when `value` is a string `instantSchema` accepts (checked by zod once per distinct string). */
export function isInstantString(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (validInstants.has(value)) return true;
  if (!instantSchema.safeParse(value).success) return false;
  if (validInstants.size >= MAX_CACHED_INSTANTS) validInstants.clear();
  validInstants.add(value);
  return true;
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
