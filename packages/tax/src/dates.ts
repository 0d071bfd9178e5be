import { z } from 'zod';

// A calendar date means 00:00 UTC of that day. Hosts that need the seller's local calendar pass the
// local date ('2025-04-01') rather than an instant, which keeps the engine free of time zones.
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an ISO date or ISO instant with an offset, or `undefined` when it is not one. */
export function parseInstant(value: string | Date): number | undefined {
  if (value instanceof Date) {
    const time = value.getTime();
    return Number.isNaN(time) ? undefined : time;
  }
  if (DATE_ONLY.test(value)) {
    const time = Date.parse(`${value}T00:00:00Z`);
    // Date.parse rolls 2025-02-30 over to March; a round trip catches impossible dates.
    if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) return undefined;
    return time;
  }
  if (DATE_TIME.test(value)) {
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : time;
  }
  return undefined;
}

/** An ISO calendar date (`2025-04-01`, midnight UTC) or an ISO instant with an offset. */
export const isoDateOrInstantSchema = z.string().refine((value) => parseInstant(value) !== undefined, {
  message: 'Expected an ISO date (2025-04-01) or an ISO instant with an offset (2025-04-01T09:30:00Z)',
});
