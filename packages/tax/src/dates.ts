import { z } from 'zod';

// A calendar date means 00:00 UTC of that day. Hosts that need the seller's local calendar pass the
// local date ('2025-04-01') rather than an instant, which keeps the engine free of time zones.
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

// Every request parses its tax date (twice: the fast shape check and the resolution) and the dates are
// few: results are memoised per string (a pure function of it; invalid strings are not cached).
const MAX_CACHED_INSTANTS = 4096;
const instants = new Map<string, number>();

/** Epoch milliseconds of an ISO date or ISO instant with an offset, or `undefined` when it is not one. */
export function parseInstant(value: string | Date): number | undefined {
  if (value instanceof Date) {
    const time = value.getTime();
    return Number.isNaN(time) ? undefined : time;
  }
  const cached = instants.get(value);
  if (cached !== undefined) return cached;
  const time = parseInstantText(value);
  if (time !== undefined) {
    if (instants.size >= MAX_CACHED_INSTANTS) instants.clear();
    instants.set(value, time);
  }
  return time;
}

function parseInstantText(value: string): number | undefined {
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

const isoTexts = new Map<number, string>();

/** Epoch milliseconds as a canonical ISO-8601 UTC string (memoised: a pure function of the number). */
export function toIsoString(time: number): string {
  let text = isoTexts.get(time);
  if (text === undefined) {
    text = new Date(time).toISOString();
    if (isoTexts.size >= MAX_CACHED_INSTANTS) isoTexts.clear();
    isoTexts.set(time, text);
  }
  return text;
}

/** An ISO calendar date (`2025-04-01`, midnight UTC) or an ISO instant with an offset. */
export const isoDateOrInstantSchema = z.string().refine((value) => parseInstant(value) !== undefined, {
  message: 'Expected an ISO date (2025-04-01) or an ISO instant with an offset (2025-04-01T09:30:00Z)',
});
