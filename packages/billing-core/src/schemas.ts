import { z } from 'zod';

/** An ISO-8601 instant with `Z` or an offset (`2026-03-01T06:00:00Z`). */
export const isoInstantSchema = z.iso.datetime({ offset: true });

/** A half-open period `[start, end)`. */
export const periodSchema = z
  .object({ start: isoInstantSchema, end: isoInstantSchema })
  .refine((p) => Date.parse(p.start) <= Date.parse(p.end), {
    message: 'Period start must not be after its end',
  });
