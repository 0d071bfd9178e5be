import { z } from 'zod';

/** An ISO-8601 instant with `Z` or an offset (`2026-03-01T06:00:00Z`). */
export const isoInstantSchema = z.iso.datetime({ offset: true });

/** A half-open period `[start, end)`. */
export const periodSchema = z
  .object({ start: isoInstantSchema, end: isoInstantSchema })
  .refine((p) => Date.parse(p.start) <= Date.parse(p.end), {
    message: 'Period start must not be after its end',
  });

/**
 * The instants billkit accepts from a caller (a start date, a trial end, a proration or tax date, a
 * billing run's horizon): from 1970-01-01T00:00:00Z inclusive to 2200-01-01T00:00:00Z exclusive.
 * Outside it, periods computed from the instant leave what ISO-8601 years (0000–9999) and the tax
 * tables can express (year 9999 + one month is year 10000), so such input is refused up front rather
 * than failing deep inside billing. Instants billkit derives itself (a period end 100 years on) may
 * lie past the upper bound.
 */
export const INSTANT_RANGE = {
  min: '1970-01-01T00:00:00.000Z',
  max: '2200-01-01T00:00:00.000Z',
} as const;
const MIN_MS = Date.parse(INSTANT_RANGE.min);
const MAX_MS = Date.parse(INSTANT_RANGE.max);
const OUT_OF_RANGE = 'must be from 1970-01-01T00:00:00Z up to (not including) 2200-01-01T00:00:00Z';

/**
 * True when `iso` parses and lies in {@link INSTANT_RANGE} (a range check only: what a caller passes
 * must also carry a time and an offset, see {@link inputInstantSchema}).
 *
 * @example isInstantInRange('2026-01-01T00:00:00Z') // true
 * isInstantInRange('9999-12-31T00:00:00Z') // false
 */
export function isInstantInRange(iso: string): boolean {
  const ms = Date.parse(iso);
  return ms >= MIN_MS && ms < MAX_MS;
}

/** An ISO-8601 instant with offset, within {@link INSTANT_RANGE}: use it for instants a caller passes. */
export const inputInstantSchema = z.iso
  .datetime({ offset: true, abort: true })
  .refine(isInstantInRange, { message: OUT_OF_RANGE });
